package convert

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/record"
)

// jsonWriter appends JSON the way Kafka's JsonConverter and Jackson write it.
type jsonWriter struct {
	buf            []byte
	numericDecimal bool
	replaceNull    bool
	keys           *keyCache // nil: each key is escaped as it is written
}

// keyCache holds struct schemas' field names as JSON object keys, quoted,
// escaped and followed by ':', made once per schema rather than once per
// value (escaping the keys was a quarter of writing a CDC event). Schemas
// are keyed by pointer, as JsonConverter's schema cache is; at max entries
// it starts over.
type keyCache struct {
	m   sync.Map // *record.Schema → []string
	n   atomic.Int64
	max int64
}

func (k *keyCache) get(s *record.Schema) []string {
	if v, ok := k.m.Load(s); ok {
		return v.([]string)
	}
	var w jsonWriter
	keys := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		w.buf = w.buf[:0]
		w.string(f.Name)
		keys[i] = string(append(w.buf, ':'))
	}
	if k.n.Add(1) > k.max {
		k.m.Clear()
		k.n.Store(1)
	}
	k.m.Store(s, keys)
	return keys
}

// jsonTypeName is the "type" Kafka's JsonSchema writes: float32 and float64
// are "float" and "double".
func jsonTypeName(t record.Type) string {
	switch t {
	case record.Float32:
		return "float"
	case record.Float64:
		return "double"
	}
	return t.String()
}

// schema writes the JSON form of s (JsonConverter.asJsonSchema); field, if
// not empty, is appended last as "field", as Kafka does for struct fields.
func (w *jsonWriter) schema(s *record.Schema, field string) error {
	if !s.Type.Valid() {
		return dataErr("couldn't translate unsupported schema type %d", s.Type)
	}
	w.buf = append(w.buf, `{"type":"`...)
	w.buf = append(w.buf, jsonTypeName(s.Type)...)
	w.buf = append(w.buf, '"')
	switch s.Type {
	case record.Array:
		if s.ValueSchema == nil {
			return dataErr("array schema without an element schema")
		}
		w.buf = append(w.buf, `,"items":`...)
		if err := w.schema(s.ValueSchema, ""); err != nil {
			return at(err, "[]")
		}
	case record.Map:
		if s.KeySchema == nil || s.ValueSchema == nil {
			return dataErr("map schema without a key or value schema")
		}
		w.buf = append(w.buf, `,"keys":`...)
		if err := w.schema(s.KeySchema, ""); err != nil {
			return err
		}
		w.buf = append(w.buf, `,"values":`...)
		if err := w.schema(s.ValueSchema, ""); err != nil {
			return err
		}
	case record.StructType:
		w.buf = append(w.buf, `,"fields":[`...)
		for i, f := range s.Fields {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if f.Schema == nil {
				return &DataError{Path: f.Name, Msg: "field without a schema"}
			}
			if err := w.schema(f.Schema, f.Name); err != nil {
				return at(err, f.Name)
			}
		}
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, `,"optional":`...)
	w.buf = strconv.AppendBool(w.buf, s.Optional)
	if s.Name != "" {
		w.buf = append(w.buf, `,"name":`...)
		w.string(s.Name)
	}
	if s.Version != 0 {
		w.buf = append(w.buf, `,"version":`...)
		w.buf = strconv.AppendInt(w.buf, int64(s.Version), 10)
	}
	if s.Doc != "" {
		w.buf = append(w.buf, `,"doc":`...)
		w.string(s.Doc)
	}
	if s.Parameters != nil {
		w.buf = append(w.buf, `,"parameters":{`...)
		keys := make([]string, 0, len(s.Parameters))
		for k := range s.Parameters {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.string(k)
			w.buf = append(w.buf, ':')
			w.string(s.Parameters[k])
		}
		w.buf = append(w.buf, '}')
	}
	if s.Default != nil {
		w.buf = append(w.buf, `,"default":`...)
		if err := w.value(s, s.Default); err != nil {
			return at(err, "(default)")
		}
	}
	if field != "" {
		w.buf = append(w.buf, `,"field":`...)
		w.string(field)
	}
	w.buf = append(w.buf, '}')
	return nil
}

// value writes v as JsonConverter.convertToJson does.
func (w *jsonWriter) value(s *record.Schema, v any) error {
	if v == nil {
		switch {
		case s == nil:
			w.buf = append(w.buf, "null"...)
			return nil
		case s.Default != nil && w.replaceNull:
			return w.value(s, s.Default)
		case s.Optional:
			w.buf = append(w.buf, "null"...)
			return nil
		}
		return dataErr("conversion error: null value for field that is required and has no default value")
	}
	if s == nil {
		return w.schemaless(v)
	}
	switch record.LogicalOf(s) {
	case record.LogicalDecimal:
		d, ok := v.(record.Decimal)
		if !ok || d.Unscaled == nil {
			return dataErr("invalid type for Decimal, expected record.Decimal but was %T", v)
		}
		if w.numericDecimal {
			w.buf = appendJavaBigDecimal(w.buf, d.Unscaled, d.Scale)
			return nil
		}
		b, err := record.FromLogical(s, d)
		if err != nil {
			return dataErr("%v", err)
		}
		w.base64(b.([]byte))
		return nil
	case record.LogicalDate, record.LogicalTime, record.LogicalTimestamp:
		t, ok := v.(time.Time)
		if !ok {
			return dataErr("invalid type for %s, expected time.Time but was %T", s.Name, v)
		}
		n, err := record.FromLogical(s, t)
		if err != nil {
			return dataErr("%v", err)
		}
		switch n := n.(type) {
		case int32:
			w.buf = strconv.AppendInt(w.buf, int64(n), 10)
		case int64:
			w.buf = strconv.AppendInt(w.buf, n, 10)
		}
		return nil
	}
	ok := true
	switch s.Type {
	case record.Int8:
		var x int8
		if x, ok = v.(int8); ok {
			w.buf = strconv.AppendInt(w.buf, int64(x), 10)
		}
	case record.Int16:
		var x int16
		if x, ok = v.(int16); ok {
			w.buf = strconv.AppendInt(w.buf, int64(x), 10)
		}
	case record.Int32:
		var x int32
		if x, ok = v.(int32); ok {
			w.buf = strconv.AppendInt(w.buf, int64(x), 10)
		}
	case record.Int64:
		var x int64
		if x, ok = v.(int64); ok {
			w.buf = strconv.AppendInt(w.buf, x, 10)
		}
	case record.Float32:
		var x float32
		if x, ok = v.(float32); ok {
			w.float(float64(x), 32)
		}
	case record.Float64:
		var x float64
		if x, ok = v.(float64); ok {
			w.float(x, 64)
		}
	case record.Boolean:
		var x bool
		if x, ok = v.(bool); ok {
			w.buf = strconv.AppendBool(w.buf, x)
		}
	case record.String:
		var x string
		if x, ok = v.(string); ok {
			w.string(x)
		}
	case record.Bytes:
		var x []byte
		if x, ok = v.([]byte); ok {
			w.base64(x)
		}
	case record.Array:
		var x []any
		if x, ok = v.([]any); ok {
			return w.array(s.ValueSchema, x)
		}
	case record.Map:
		switch m := v.(type) {
		case map[any]any:
			return w.mapAny(s, m)
		case map[string]any:
			return w.mapString(s.ValueSchema, m)
		}
		ok = false
	case record.StructType:
		st, isStruct := v.(*record.Struct)
		if !isStruct || st == nil {
			ok = false
			break
		}
		if !sameStruct(st.Schema(), s) {
			return dataErr("mismatching schema: struct has %s, schema is %s", st.Schema(), s)
		}
		w.buf = append(w.buf, '{')
		var keys []string
		if w.keys != nil {
			keys = w.keys.get(s)
		}
		for i, f := range s.Fields {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if keys != nil {
				w.buf = append(w.buf, keys[i]...)
			} else {
				w.string(f.Name)
				w.buf = append(w.buf, ':')
			}
			if err := w.value(f.Schema, st.RawAt(i)); err != nil {
				return at(err, f.Name)
			}
		}
		w.buf = append(w.buf, '}')
	default:
		return dataErr("couldn't translate unsupported schema type %d", s.Type)
	}
	if !ok {
		return dataErr("invalid type for %s: %T", kafkaTypeName(s.Type), v)
	}
	return nil
}

// kafkaTypeName is Schema.Type's Java enum name, for messages.
func kafkaTypeName(t record.Type) string {
	n := []byte(t.String())
	for i := range n {
		n[i] -= 'a' - 'A'
	}
	return string(n)
}

// sameStruct: Kafka requires struct.schema().equals(schema); a default
// struct is built before the default is set, so ignore default and optional.
func sameStruct(a, s *record.Schema) bool {
	if a == s {
		return true
	}
	x, y := *a, *s
	x.Default, y.Default, x.Optional, y.Optional = nil, nil, false, false
	return x.Equal(&y)
}

func (w *jsonWriter) array(elem *record.Schema, a []any) error {
	w.buf = append(w.buf, '[')
	for i, e := range a {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if err := w.value(elem, e); err != nil {
			return at(err, "["+strconv.Itoa(i)+"]")
		}
	}
	w.buf = append(w.buf, ']')
	return nil
}

func (w *jsonWriter) mapString(vs *record.Schema, m map[string]any) error {
	keys := make([]any, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortJavaHashMapOrder(keys)
	w.buf = append(w.buf, '{')
	for i, k := range keys {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		ks := k.(string)
		w.string(ks)
		w.buf = append(w.buf, ':')
		if err := w.value(vs, m[ks]); err != nil {
			return at(err, "["+strconv.Quote(ks)+"]")
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

// mapAny writes a map as an object when the keys are strings (by schema,
// or, schemaless, when every key is a string), else as [key, value] pairs.
func (w *jsonWriter) mapAny(s *record.Schema, m map[any]any) error {
	var ks, vs *record.Schema
	objectMode := true
	if s != nil {
		ks, vs = s.KeySchema, s.ValueSchema
		objectMode = ks.Type == record.String
	} else {
		for k := range m {
			if _, ok := k.(string); !ok {
				objectMode = false
				break
			}
		}
	}
	keys := make([]any, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortJavaHashMapOrder(keys)
	if objectMode {
		w.buf = append(w.buf, '{')
	} else {
		w.buf = append(w.buf, '[')
	}
	for i, k := range keys {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		path := "[" + strconv.Quote(fmt.Sprint(k)) + "]"
		if objectMode {
			// Kafka writes the key's JsonNode.asText(): the string itself.
			text, isString := k.(string)
			switch {
			case isString:
			case k == nil && ks != nil && ks.Optional:
				text = "null"
			default:
				return at(dataErr("invalid type for STRING: %T", k), path)
			}
			w.string(text)
			w.buf = append(w.buf, ':')
		} else {
			w.buf = append(w.buf, '[')
			if err := w.value(ks, k); err != nil {
				return at(err, path)
			}
			w.buf = append(w.buf, ',')
		}
		if err := w.value(vs, m[k]); err != nil {
			return at(err, path)
		}
		if !objectMode {
			w.buf = append(w.buf, ']')
		}
	}
	if objectMode {
		w.buf = append(w.buf, '}')
	} else {
		w.buf = append(w.buf, ']')
	}
	return nil
}

// schemaless writes v by its Go type, as convertToJson does by Java class.
func (w *jsonWriter) schemaless(v any) error {
	switch x := v.(type) {
	case int8:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int16:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int32:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int64:
		w.buf = strconv.AppendInt(w.buf, x, 10)
	case int:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case float32:
		w.float(float64(x), 32)
	case float64:
		w.float(x, 64)
	case bool:
		w.buf = strconv.AppendBool(w.buf, x)
	case string:
		w.string(x)
	case []byte:
		w.base64(x)
	case []any:
		return w.array(nil, x)
	case map[string]any:
		return w.mapString(nil, x)
	case map[any]any:
		return w.mapAny(nil, x)
	case *record.Struct:
		return dataErr("mismatching schema: a struct needs its schema")
	default:
		return dataErr("Go type %T does not have a corresponding schema type", v)
	}
	return nil
}

func (w *jsonWriter) base64(b []byte) {
	w.buf = append(w.buf, '"')
	w.buf = base64.StdEncoding.AppendEncode(w.buf, b)
	w.buf = append(w.buf, '"')
}

// float writes f as Jackson does: Java's Float/Double.toString, and NaN and
// infinities as the strings "NaN", "Infinity", "-Infinity"
// (QUOTE_NON_NUMERIC_NUMBERS).
func (w *jsonWriter) float(f float64, bits int) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.buf = append(w.buf, '"')
		w.buf = appendJavaDouble(w.buf, f, bits)
		w.buf = append(w.buf, '"')
		return
	}
	w.buf = appendJavaDouble(w.buf, f, bits)
}

const hexDigits = "0123456789ABCDEF"

// SWAR constants: a byte's lowest and highest bit in each of eight lanes.
const (
	lanesLow  = 0x0101010101010101
	lanesHigh = 0x8080808080808080
)

// needsLook reports whether any of the eight bytes in x is below 0x20,
// '"', '\\' or 0x80 and above: bytes string must not copy as they are.
// Each test sets a lane's high bit when the byte is below the bound, or zero
// after an XOR with the searched byte; non-ASCII bytes have it set already.
func needsLook(x uint64) bool {
	q, bs := x^(lanesLow*'"'), x^(lanesLow*'\\')
	return ((x-lanesLow*0x20)&^x|(q-lanesLow)&^q|(bs-lanesLow)&^bs|x)&lanesHigh != 0
}

// string writes s quoted and escaped as Jackson does: \" \\ \b \t \n \f \r,
// other control characters as \u00XX (upper-case hex), everything else as
// UTF-8 (invalid UTF-8 becomes U+FFFD).
func (w *jsonWriter) string(s string) {
	w.buf = append(w.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		// Fast path: eight bytes at a time while none needs a look (a
		// control character, '"', '\\' or a non-ASCII byte).
		for ; i+8 <= len(s); i += 8 {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if needsLook(x) {
				break
			}
		}
		// Then byte by byte, back to the fast path after eight plain bytes
		// in a row (escape-dense text stays on this path).
		for plain := 0; i < len(s) && plain < 8; {
			c := s[i]
			if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
				i++
				plain++
				continue
			}
			plain = 0
			if c >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && size == 1 {
					w.buf = append(w.buf, s[start:i]...)
					w.buf = append(w.buf, "\uFFFD"...)
					start = i + size
				}
				i += size
				continue
			}
			w.buf = append(w.buf, s[start:i]...)
			switch c {
			case '"', '\\':
				w.buf = append(w.buf, '\\', c)
			case '\b':
				w.buf = append(w.buf, '\\', 'b')
			case '\t':
				w.buf = append(w.buf, '\\', 't')
			case '\n':
				w.buf = append(w.buf, '\\', 'n')
			case '\f':
				w.buf = append(w.buf, '\\', 'f')
			case '\r':
				w.buf = append(w.buf, '\\', 'r')
			default:
				w.buf = append(w.buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
		}
	}
	w.buf = append(w.buf, s[start:]...)
	w.buf = append(w.buf, '"')
}
