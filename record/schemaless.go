package record

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Schemaless values are written with a tag byte naming their Go type; see
// the package documentation for the tags.

// dynamic writes a tagged schemaless value.
func (e *encoder) dynamic(v any, depth int) error {
	if depth > MaxDepth {
		return invalid("", "nested deeper than %d", MaxDepth)
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, tagNull)
	case bool:
		e.buf = append(e.buf, tagFalse+b2u(x))
	case int8:
		e.buf = append(e.buf, tagInt8, byte(x))
	case int16:
		e.buf = append(e.buf, tagInt16)
		e.varint(int64(x))
	case int32:
		e.buf = append(e.buf, tagInt32)
		e.varint(int64(x))
	case int64:
		e.buf = append(e.buf, tagInt64)
		e.varint(x)
	case int:
		e.buf = append(e.buf, tagInt64)
		e.varint(int64(x))
	case float32:
		e.buf = append(e.buf, tagFloat32)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(x))
	case float64:
		e.buf = append(e.buf, tagFloat64)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(x))
	case string:
		e.buf = append(e.buf, tagString)
		e.string(x)
	case []byte:
		e.buf = append(e.buf, tagBytes)
		e.bytes(x)
	case []any:
		e.buf = append(e.buf, tagArray)
		e.uvarint(uint64(len(x)))
		for i, el := range x {
			if err := e.dynamic(el, depth+1); err != nil {
				return atPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
	case map[string]any:
		e.buf = append(e.buf, tagStringMap)
		return e.stringMap(x, depth)
	case map[any]any:
		e.buf = append(e.buf, tagMap)
		e.uvarint(uint64(len(x)))
		for k, el := range x {
			if isNaN(k) {
				return invalid("", "NaN map key")
			}
			if err := e.dynamic(k, depth+1); err != nil {
				return atPath(err, fmt.Sprintf("{key %v}", k))
			}
			if err := e.dynamic(el, depth+1); err != nil {
				return atPath(err, fmt.Sprintf("[%q]", fmt.Sprint(k)))
			}
		}
	case *Struct:
		if x == nil {
			return invalid("", "nil *record.Struct")
		}
		e.buf = append(e.buf, tagStruct)
		if err := e.schemaRef(x.schema, depth); err != nil {
			return invalid("", "struct schema: %v", err)
		}
		return e.body(x.schema, x, depth)
	case Decimal:
		if x.Unscaled == nil {
			return invalid("", "decimal with nil unscaled value")
		}
		e.buf = append(e.buf, tagDecimal)
		e.varint(int64(x.Scale))
		e.decimal(x.Unscaled)
	case time.Time:
		e.buf = append(e.buf, tagTime)
		e.varint(x.UnixMilli())
		e.uvarint(uint64(x.Nanosecond() % 1e6))
	default:
		return invalid("", "unsupported schemaless value %T", v)
	}
	return nil
}

func (e *encoder) stringMap(m map[string]any, depth int) error {
	e.uvarint(uint64(len(m)))
	for k, el := range m {
		e.string(k)
		if err := e.dynamic(el, depth+1); err != nil {
			return atPath(err, "["+strconv.Quote(k)+"]")
		}
	}
	return nil
}

func (d *decoder) dynamic(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.fail("value nested deeper than %d", MaxDepth)
	}
	tag, err := d.byte()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tagNull:
		return nil, nil
	case tagFalse:
		return false, nil
	case tagTrue:
		return true, nil
	case tagInt8:
		b, err := d.byte()
		return int8(b), err
	case tagInt16:
		v, err := d.varint()
		if err == nil && (v < math.MinInt16 || v > math.MaxInt16) {
			return nil, d.fail("%d overflows int16", v)
		}
		return int16(v), err
	case tagInt32:
		v, err := d.varint32()
		if err != nil {
			return nil, err
		}
		return d.boxInt32(v), nil
	case tagInt64:
		v, err := d.varint()
		if err != nil {
			return nil, err
		}
		return d.boxInt64(v), nil
	case tagFloat32:
		return d.body(&float32Schema, depth)
	case tagFloat64:
		return d.body(&float64Schema, depth)
	case tagString:
		v, err := d.string()
		if err != nil {
			return nil, err
		}
		return d.boxString(v), nil
	case tagBytes:
		v, err := d.bytes()
		if err != nil {
			return nil, err
		}
		return d.boxBytes(v), nil
	case tagArray:
		n, err := d.length(1)
		if err != nil {
			return nil, err
		}
		a := d.anys(n)
		for i := range a {
			if a[i], err = d.dynamic(depth + 1); err != nil {
				return nil, err
			}
		}
		return a, nil
	case tagStringMap:
		m, err := d.stringMap(depth)
		return m, err
	case tagMap:
		n, err := d.length(2)
		if err != nil {
			return nil, err
		}
		m := make(map[any]any, n)
		for range n {
			k, err := d.dynamic(depth + 1)
			if err != nil {
				return nil, err
			}
			if err := d.checkKey(k); err != nil {
				return nil, err
			}
			if m[k], err = d.dynamic(depth + 1); err != nil {
				return nil, err
			}
		}
		return m, nil
	case tagStruct:
		s, err := d.schemaRef(depth)
		if err != nil {
			return nil, err
		}
		if s == nil || s.Type != StructType {
			return nil, d.fail("struct value without a struct schema")
		}
		return d.body(s, depth)
	case tagDecimal:
		scale, err := d.varint32()
		if err != nil {
			return nil, err
		}
		n, err := d.length(1)
		if err != nil {
			return nil, err
		}
		u, err := DecimalFromBytes(d.src[d.pos : d.pos+n])
		if err != nil {
			return nil, d.fail("%v", err)
		}
		d.pos += n
		return Decimal{Unscaled: u, Scale: scale}, nil
	case tagTime:
		t, err := d.timestamp(true)
		if err != nil {
			return nil, err
		}
		return d.boxTime(t), nil
	}
	return nil, d.fail("unknown value tag %d", tag)
}

var (
	float32Schema = Schema{Type: Float32}
	float64Schema = Schema{Type: Float64}
)

func (d *decoder) stringMap(depth int) (map[string]any, error) {
	n, err := d.length(2)
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, n)
	for range n {
		k, err := d.string()
		if err != nil {
			return nil, err
		}
		if m[k], err = d.dynamic(depth + 1); err != nil {
			return nil, err
		}
	}
	return m, nil
}
