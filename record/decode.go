package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"
)

// ErrMalformed is wrapped by every error DecodeBatch returns for bad input.
var ErrMalformed = errors.New("record: malformed batch")

type decodeError struct {
	pos int
	msg string
}

func (e *decodeError) Error() string {
	return fmt.Sprintf("record: malformed batch at byte %d: %s", e.pos, e.msg)
}

func (e *decodeError) Unwrap() error { return ErrMalformed }

// decoder reads one batch. Decoded strings are substrings of one copy of
// the input (strs; the input itself for DecodeBatchOwned), decoded []byte
// values subslices of the input itself;
// Struct values, small []any and the interface values of numbers, strings,
// []byte and times come from slabs (box.go), and records naming the same
// source partition share one map. So a batch costs a few large allocations
// plus a map per source offset (none with LazySourceOffsets: each offset's
// values are then a slab []any, and Record.SourceOffsetMap makes the map).
type decoder struct {
	src         []byte
	pos         int
	v1          bool // version 1: source maps written in full
	owned       bool // DecodeBatchOwned: src is never written, strs may alias it
	lazyOffsets bool // LazySourceOffsets: source offsets into Record.lazyOffset
	box         boxes
	strs        string
	schemas     []*Schema
	strtab      []string
	parts       []map[string]any // source partitions, by id
	keysets     [][]string       // source offset key sets, by id
	anySlab     []any
	structSlab  []Struct
}

func (d *decoder) fail(format string, args ...any) error {
	return &decodeError{pos: d.pos, msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) remaining() int { return len(d.src) - d.pos }

func (d *decoder) byte() (byte, error) {
	if d.pos >= len(d.src) {
		return 0, d.fail("unexpected end of input")
	}
	b := d.src[d.pos]
	d.pos++
	return b, nil
}

func (d *decoder) uvarint() (uint64, error) {
	if d.pos < len(d.src) {
		if b := d.src[d.pos]; b < 0x80 {
			d.pos++
			return uint64(b), nil
		}
	}
	v, n := binary.Uvarint(d.src[d.pos:])
	if n <= 0 {
		return 0, d.fail("bad varint")
	}
	d.pos += n
	return v, nil
}

func (d *decoder) varint() (int64, error) {
	u, err := d.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

func (d *decoder) varint32() (int32, error) {
	v, err := d.varint()
	if err == nil && (v < math.MinInt32 || v > math.MaxInt32) {
		return 0, d.fail("%d overflows int32", v)
	}
	return int32(v), err
}

// length reads a count of items each taking at least min bytes of what is
// left, which bounds every allocation by the input's size.
func (d *decoder) length(min int) (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(d.remaining()/min) {
		return 0, d.fail("length %d exceeds the input", n)
	}
	return int(n), nil
}

func (d *decoder) string() (string, error) {
	n, err := d.length(1)
	if err != nil {
		return "", err
	}
	s := d.strs[d.pos : d.pos+n]
	d.pos += n
	return s, nil
}

func (d *decoder) bytes() ([]byte, error) {
	n, err := d.length(1)
	if err != nil {
		return nil, err
	}
	b := d.src[d.pos : d.pos+n : d.pos+n] // aliases the input; see DecodeBatch
	d.pos += n
	return b, nil
}

func (d *decoder) str() (string, error) {
	r, err := d.uvarint()
	if err != nil {
		return "", err
	}
	if r == 0 {
		s, err := d.string()
		if err == nil {
			d.strtab = append(d.strtab, s)
		}
		return s, err
	}
	if r-1 >= uint64(len(d.strtab)) {
		return "", d.fail("string ref %d undefined", r)
	}
	return d.strtab[r-1], nil
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

func (d *decoder) anys(n int) []any {
	if n == 0 {
		return []any{}
	}
	if n > 128 {
		return make([]any, n)
	}
	if len(d.anySlab) < n {
		d.anySlab = make([]any, clamp(d.remaining()+n, n, 1024))
	}
	v := d.anySlab[:n:n]
	d.anySlab = d.anySlab[n:]
	return v
}

func (d *decoder) newStruct(s *Schema) *Struct {
	if len(d.structSlab) == 0 {
		d.structSlab = make([]Struct, clamp(d.remaining(), 1, 64))
	}
	st := &d.structSlab[0]
	d.structSlab = d.structSlab[1:]
	st.schema = s
	st.values = d.anys(len(s.Fields))
	return st
}

func (d *decoder) batch() ([]Record, error) {
	if len(d.src) < 4 || d.src[0] != magic0 || d.src[1] != magic1 {
		return nil, d.fail("not a record batch")
	}
	switch d.src[2] {
	case batchVersion:
	case batchVersion1:
		d.v1 = true
	default:
		return nil, d.fail("unsupported batch version %d", d.src[2])
	}
	d.pos = 3
	const minRecord = 5 // flags, topic, partition, key schema + key, value schema + value
	n, err := d.length(minRecord)
	if err != nil {
		return nil, err
	}
	if d.owned {
		d.strs = unsafe.String(unsafe.SliceData(d.src), len(d.src))
	} else {
		d.strs = string(d.src)
	}
	recs := make([]Record, n)
	for i := range recs {
		if err := d.record(&recs[i]); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
	}
	if d.pos != len(d.src) {
		return nil, d.fail("%d bytes after the last record", len(d.src)-d.pos)
	}
	return recs, nil
}

func (d *decoder) record(r *Record) error {
	flags, err := d.byte()
	if err != nil {
		return err
	}
	if flags&^recFlagsMask != 0 {
		return d.fail("unknown record flags %#x", flags)
	}
	if r.Topic, err = d.str(); err != nil {
		return err
	}
	if r.Partition, err = d.varint32(); err != nil {
		return err
	}
	if flags&recTimestamp != 0 {
		if r.Timestamp, err = d.timestamp(flags&recTimestampNanos != 0); err != nil {
			return err
		}
	} else if flags&recTimestampNanos != 0 {
		return d.fail("timestamp nanos without a timestamp")
	}
	if r.KeySchema, err = d.schemaRef(0); err != nil {
		return err
	}
	if r.Key, err = d.value(r.KeySchema, 0); err != nil {
		return err
	}
	if r.ValueSchema, err = d.schemaRef(0); err != nil {
		return err
	}
	if r.Value, err = d.value(r.ValueSchema, 0); err != nil {
		return err
	}
	if flags&recHeaders != 0 {
		n, err := d.length(3)
		if err != nil {
			return err
		}
		r.Headers = make([]Header, n)
		for i := range r.Headers {
			h := &r.Headers[i]
			if h.Key, err = d.str(); err != nil {
				return err
			}
			if h.Schema, err = d.schemaRef(0); err != nil {
				return err
			}
			if h.Value, err = d.value(h.Schema, 0); err != nil {
				return err
			}
		}
	}
	if flags&recSourcePartition != 0 {
		if d.v1 {
			r.SourcePartition, err = d.stringMap(0)
		} else {
			r.SourcePartition, err = d.sourcePartition()
		}
		if err != nil {
			return err
		}
	}
	if flags&recSourceOffset != 0 {
		if d.v1 {
			r.SourceOffset, err = d.stringMap(0)
		} else {
			err = d.sourceOffset(r)
		}
		if err != nil {
			return err
		}
	}
	if flags&recOffset != 0 {
		if r.Offset, err = d.varint(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) timestamp(withNanos bool) (time.Time, error) {
	ms, err := d.varint()
	if err != nil {
		return time.Time{}, err
	}
	t := time.UnixMilli(ms)
	if withNanos {
		ns, err := d.uvarint()
		if err != nil {
			return time.Time{}, err
		}
		if ns >= 1e6 {
			return time.Time{}, d.fail("sub-millisecond nanos %d", ns)
		}
		t = t.Add(time.Duration(ns))
	}
	return t.UTC(), nil
}

func (d *decoder) schemaRef(depth int) (*Schema, error) {
	r, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	switch {
	case r == 0:
		return nil, nil
	case r == 1:
		s, err := d.defineSchema(depth)
		if err != nil {
			return nil, err
		}
		d.schemas = append(d.schemas, s)
		return s, nil
	case r-2 < uint64(len(d.schemas)):
		return d.schemas[r-2], nil
	}
	return nil, d.fail("schema ref %d undefined", r)
}

func (d *decoder) childSchema(depth int) (*Schema, error) {
	s, err := d.schemaRef(depth + 1)
	if err == nil && s == nil {
		err = d.fail("missing child schema")
	}
	return s, err
}

func (d *decoder) defineSchema(depth int) (*Schema, error) {
	if depth > MaxDepth {
		return nil, d.fail("schema nested deeper than %d", MaxDepth)
	}
	t, err := d.byte()
	if err != nil {
		return nil, err
	}
	flags, err := d.byte()
	if err != nil {
		return nil, err
	}
	s := &Schema{Type: Type(t), Optional: flags&schOptional != 0}
	if !s.Type.Valid() {
		return nil, d.fail("invalid schema type %d", t)
	}
	if flags&^schFlagsMask != 0 {
		return nil, d.fail("unknown schema flags %#x", flags)
	}
	if flags&schName != 0 {
		if s.Name, err = d.string(); err != nil {
			return nil, err
		}
	}
	if flags&schVersion != 0 {
		if s.Version, err = d.varint32(); err != nil {
			return nil, err
		}
	}
	if flags&schDoc != 0 {
		if s.Doc, err = d.string(); err != nil {
			return nil, err
		}
	}
	if flags&schParams != 0 {
		n, err := d.length(2)
		if err != nil {
			return nil, err
		}
		s.Parameters = make(map[string]string, n)
		for range n {
			k, err := d.string()
			if err != nil {
				return nil, err
			}
			if s.Parameters[k], err = d.string(); err != nil {
				return nil, err
			}
		}
	}
	switch s.Type {
	case StructType:
		n, err := d.length(2)
		if err != nil {
			return nil, err
		}
		s.Fields = make([]Field, n)
		for i := range s.Fields {
			f := &s.Fields[i]
			f.Index = i
			if f.Name, err = d.string(); err != nil {
				return nil, err
			}
			if f.Schema, err = d.childSchema(depth); err != nil {
				return nil, err
			}
		}
		if err := checkFieldNames(s.Fields); err != nil {
			return nil, d.fail("%v", err)
		}
	case Array:
		if s.ValueSchema, err = d.childSchema(depth); err != nil {
			return nil, err
		}
	case Map:
		if s.KeySchema, err = d.childSchema(depth); err != nil {
			return nil, err
		}
		if s.ValueSchema, err = d.childSchema(depth); err != nil {
			return nil, err
		}
	}
	if flags&schDefault != 0 {
		if s.Default, err = d.body(s, depth); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (d *decoder) value(s *Schema, depth int) (any, error) {
	if s == nil {
		return d.dynamic(depth)
	}
	if nullable(s) {
		p, err := d.byte()
		if err != nil {
			return nil, err
		}
		switch p {
		case 0:
			return nil, nil
		case 1:
		default:
			return nil, d.fail("bad presence byte %d", p)
		}
	}
	return d.body(s, depth)
}

func (d *decoder) body(s *Schema, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.fail("value nested deeper than %d", MaxDepth)
	}
	if s.Name != "" {
		switch LogicalOf(s) {
		case LogicalDecimal:
			scale, err := DecimalScale(s)
			if err != nil {
				return nil, d.fail("%v", err)
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
		case LogicalDate:
			days, err := d.varint32()
			if err != nil {
				return nil, err
			}
			return d.boxTime(DateFromDays(days)), nil
		case LogicalTime:
			ms, err := d.varint32()
			if err != nil {
				return nil, err
			}
			if ms < 0 || ms >= msPerDay {
				return nil, d.fail("time %d ms outside a day", ms)
			}
			return d.boxTime(TimeFromMillis(ms)), nil
		case LogicalTimestamp:
			ms, err := d.varint()
			if err != nil {
				return nil, err
			}
			return d.boxTime(time.UnixMilli(ms).UTC()), nil
		}
	}
	switch s.Type {
	case Int8:
		b, err := d.byte()
		return int8(b), err
	case Int16:
		v, err := d.varint()
		if err == nil && (v < math.MinInt16 || v > math.MaxInt16) {
			return nil, d.fail("%d overflows int16", v)
		}
		return int16(v), err
	case Int32:
		v, err := d.varint32()
		if err != nil {
			return nil, err
		}
		return d.boxInt32(v), nil
	case Int64:
		v, err := d.varint()
		if err != nil {
			return nil, err
		}
		return d.boxInt64(v), nil
	case Float32:
		if d.remaining() < 4 {
			return nil, d.fail("unexpected end of input")
		}
		v := math.Float32frombits(binary.LittleEndian.Uint32(d.src[d.pos:]))
		d.pos += 4
		return v, nil
	case Float64:
		if d.remaining() < 8 {
			return nil, d.fail("unexpected end of input")
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(d.src[d.pos:]))
		d.pos += 8
		return d.boxFloat64(v), nil
	case Boolean:
		b, err := d.byte()
		if err == nil && b > 1 {
			return nil, d.fail("bad boolean %d", b)
		}
		return b == 1, err
	case String:
		v, err := d.string()
		if err != nil {
			return nil, err
		}
		return d.boxString(v), nil
	case Bytes:
		v, err := d.bytes()
		if err != nil {
			return nil, err
		}
		return d.boxBytes(v), nil
	case Array:
		n, err := d.length(1)
		if err != nil {
			return nil, err
		}
		a := d.anys(n)
		for i := range a {
			if a[i], err = d.value(s.ValueSchema, depth+1); err != nil {
				return nil, err
			}
		}
		return a, nil
	case Map:
		n, err := d.length(2)
		if err != nil {
			return nil, err
		}
		m := make(map[any]any, n)
		for range n {
			k, err := d.value(s.KeySchema, depth+1)
			if err != nil {
				return nil, err
			}
			if err := d.checkKey(k); err != nil {
				return nil, err
			}
			if m[k], err = d.value(s.ValueSchema, depth+1); err != nil {
				return nil, err
			}
		}
		return m, nil
	case StructType:
		if len(s.Fields) == 0 {
			if b, err := d.byte(); err != nil || b != 0 {
				return nil, d.fail("bad empty struct")
			}
			return d.newStruct(s), nil
		}
		st := d.newStruct(s)
		var err error
		for i := range s.Fields {
			if st.values[i], err = d.value(s.Fields[i].Schema, depth+1); err != nil {
				return nil, err
			}
		}
		return st, nil
	}
	return nil, d.fail("invalid schema type %d", s.Type)
}

// checkKey rejects map keys a Go map cannot hold or find again.
func (d *decoder) checkKey(k any) error {
	switch x := k.(type) {
	case []byte, []any, map[any]any, map[string]any:
		return d.fail("map key of type %T is not comparable", k)
	case float64:
		if x != x {
			return d.fail("NaN map key")
		}
	case float32:
		if x != x {
			return d.fail("NaN map key")
		}
	}
	return nil
}
