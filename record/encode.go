package record

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"
)

type schemaID struct {
	s  *Schema
	id uint64
}

type shapeKey struct {
	typ      Type
	optional bool
	nfields  int
	name     string
}

// encoder writes one batch. Schemas, strings (topics, header keys), source
// partitions and source offset key sets are interned: the first use writes a
// definition, later uses an id (see source.go for the source maps).
type encoder struct {
	buf       []byte
	schemaIDs map[*Schema]uint64     // by pointer: the common case
	shapes    map[shapeKey][]*Schema // by structure: equal schemas built twice
	nschemas  uint64
	strIDs    map[string]uint64
	scratch   []byte
	// Records of a batch nearly always repeat the previous record's topic
	// and key and value schemas: the last interned string and the last two
	// schemas are looked up without hashing.
	lastStr     string
	lastStrID   uint64 // id + 1 of lastStr; 0: none yet
	lastSchemas [2]schemaID
	nextLast    int // the entry of lastSchemas to replace next

	parts      []partEntry // the first maxInterned source partitions defined; index = id
	nparts     uint64      // source partitions defined
	lastPart   int         // index in parts of the last one reused
	keysets    [][]string  // the first maxInterned source offset key sets; index = id
	nkeysets   uint64      // key sets defined
	lastKeys   int         // index in keysets of the last one reused
	vals       []any       // scratch: a source offset's values in key set order
	keyScratch []string    // scratch: its keys, once keysets is full
}

func (e *encoder) batch(recs []Record) ([]byte, error) {
	start := len(e.buf)
	e.buf = append(e.buf, magic0, magic1, batchVersion)
	e.uvarint(uint64(len(recs)))
	for i := range recs {
		if err := e.record(&recs[i]); err != nil {
			return e.buf[:start], fmt.Errorf("record: encode record %d: %w", i, err)
		}
	}
	return e.buf, nil
}

func (e *encoder) record(r *Record) error {
	var flags byte
	var nanos int64
	if !r.Timestamp.IsZero() {
		flags |= recTimestamp
		if nanos = int64(r.Timestamp.Nanosecond() % 1e6); nanos != 0 {
			flags |= recTimestampNanos
		}
	}
	if r.SourcePartition != nil {
		flags |= recSourcePartition
	}
	srcOffset := r.sourceOffset()
	if srcOffset != nil {
		flags |= recSourceOffset
	}
	if r.Offset != 0 {
		flags |= recOffset
	}
	if len(r.Headers) > 0 {
		flags |= recHeaders
	}
	e.buf = append(e.buf, flags)
	e.str(r.Topic)
	e.varint(int64(r.Partition))
	if flags&recTimestamp != 0 {
		e.varint(r.Timestamp.UnixMilli())
		if nanos != 0 {
			e.uvarint(uint64(nanos))
		}
	}
	if err := e.schemaRef(r.KeySchema, 0); err != nil {
		return fmt.Errorf("key schema: %w", err)
	}
	if err := e.value(r.KeySchema, r.Key, 0); err != nil {
		return atPath(err, "key")
	}
	if err := e.schemaRef(r.ValueSchema, 0); err != nil {
		return fmt.Errorf("value schema: %w", err)
	}
	if err := e.value(r.ValueSchema, r.Value, 0); err != nil {
		return atPath(err, "value")
	}
	if flags&recHeaders != 0 {
		e.uvarint(uint64(len(r.Headers)))
		for i := range r.Headers {
			h := &r.Headers[i]
			e.str(h.Key)
			if err := e.schemaRef(h.Schema, 0); err != nil {
				return fmt.Errorf("header %q schema: %w", h.Key, err)
			}
			if err := e.value(h.Schema, h.Value, 0); err != nil {
				return atPath(err, "headers."+h.Key)
			}
		}
	}
	if flags&recSourcePartition != 0 {
		if err := e.sourcePartition(r.SourcePartition); err != nil {
			return atPath(err, "sourcePartition")
		}
	}
	if flags&recSourceOffset != 0 {
		if err := e.sourceOffset(srcOffset); err != nil {
			return atPath(err, "sourceOffset")
		}
	}
	if flags&recOffset != 0 {
		e.varint(r.Offset)
	}
	return nil
}

// atPath prefixes the path of a *ValidationError with p.
func atPath(err error, p string) error {
	if ve, ok := err.(*ValidationError); ok {
		switch {
		case ve.Path == "":
			ve.Path = p
		case ve.Path[0] == '[' || ve.Path[0] == '{':
			ve.Path = p + ve.Path
		default:
			ve.Path = p + "." + ve.Path
		}
	}
	return err
}

func (e *encoder) uvarint(v uint64) {
	if v < 0x80 {
		e.buf = append(e.buf, byte(v))
		return
	}
	e.buf = binary.AppendUvarint(e.buf, v)
}

func (e *encoder) varint(v int64) { e.uvarint(uint64(v<<1) ^ uint64(v>>63)) }

func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) string(s string) {
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// str writes an interned string: 0 and the string, or its id + 1.
func (e *encoder) str(s string) {
	if e.lastStrID != 0 && s == e.lastStr {
		e.uvarint(e.lastStrID)
		return
	}
	if id, ok := e.strIDs[s]; ok {
		e.lastStr, e.lastStrID = s, id+1
		e.uvarint(id + 1)
		return
	}
	if e.strIDs == nil {
		e.strIDs = make(map[string]uint64)
	}
	id := uint64(len(e.strIDs))
	e.strIDs[s] = id
	e.lastStr, e.lastStrID = s, id+1
	e.buf = append(e.buf, 0)
	e.string(s)
}

// rememberSchema puts s among the last two schemas written.
func (e *encoder) rememberSchema(s *Schema, id uint64) {
	e.lastSchemas[e.nextLast] = schemaID{s, id}
	e.nextLast ^= 1
}

// schemaRef writes 0 for nil, id + 2 for a schema already defined in this
// batch, or 1 and the definition.
func (e *encoder) schemaRef(s *Schema, depth int) error {
	if s == nil {
		e.buf = append(e.buf, 0)
		return nil
	}
	for _, l := range e.lastSchemas {
		if l.s == s {
			e.uvarint(l.id + 2)
			return nil
		}
	}
	if id, ok := e.schemaIDs[s]; ok {
		e.rememberSchema(s, id)
		e.uvarint(id + 2)
		return nil
	}
	if e.schemaIDs == nil {
		e.schemaIDs = make(map[*Schema]uint64)
		e.shapes = make(map[shapeKey][]*Schema)
	}
	key := shapeKey{s.Type, s.Optional, len(s.Fields), s.Name}
	for _, t := range e.shapes[key] {
		if t.Equal(s) {
			id := e.schemaIDs[t]
			e.schemaIDs[s] = id
			e.uvarint(id + 2)
			return nil
		}
	}
	e.buf = append(e.buf, 1)
	if err := e.defineSchema(s, depth); err != nil {
		return err
	}
	e.schemaIDs[s] = e.nschemas
	e.nschemas++
	e.shapes[key] = append(e.shapes[key], s)
	return nil
}

func (e *encoder) defineSchema(s *Schema, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("schema nested deeper than %d", MaxDepth)
	}
	if !s.Type.Valid() {
		return fmt.Errorf("invalid schema type %d", int8(s.Type))
	}
	var flags byte
	if s.Optional {
		flags |= schOptional
	}
	if s.Default != nil {
		flags |= schDefault
	}
	if s.Name != "" {
		flags |= schName
	}
	if s.Version != 0 {
		flags |= schVersion
	}
	if s.Doc != "" {
		flags |= schDoc
	}
	if len(s.Parameters) > 0 {
		flags |= schParams
	}
	e.buf = append(e.buf, byte(s.Type), flags)
	if s.Name != "" {
		e.string(s.Name)
	}
	if s.Version != 0 {
		e.varint(int64(s.Version))
	}
	if s.Doc != "" {
		e.string(s.Doc)
	}
	if len(s.Parameters) > 0 {
		keys := make([]string, 0, len(s.Parameters))
		for k := range s.Parameters {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		e.uvarint(uint64(len(keys)))
		for _, k := range keys {
			e.string(k)
			e.string(s.Parameters[k])
		}
	}
	switch s.Type {
	case StructType:
		if err := checkFieldNames(s.Fields); err != nil {
			return err
		}
		e.uvarint(uint64(len(s.Fields)))
		for i := range s.Fields {
			f := &s.Fields[i]
			if f.Schema == nil {
				return fmt.Errorf("field %q has no schema", f.Name)
			}
			e.string(f.Name)
			if err := e.schemaRef(f.Schema, depth+1); err != nil {
				return fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
	case Array:
		if s.ValueSchema == nil {
			return fmt.Errorf("array schema without an element schema")
		}
		if err := e.schemaRef(s.ValueSchema, depth+1); err != nil {
			return err
		}
	case Map:
		if s.KeySchema == nil || s.ValueSchema == nil {
			return fmt.Errorf("map schema without key or value schema")
		}
		if err := e.schemaRef(s.KeySchema, depth+1); err != nil {
			return err
		}
		if err := e.schemaRef(s.ValueSchema, depth+1); err != nil {
			return err
		}
	default:
		if len(s.Fields) > 0 || s.KeySchema != nil || s.ValueSchema != nil {
			return fmt.Errorf("%s schema with fields, key or value schema", s.Type)
		}
	}
	if s.Default != nil {
		if err := e.body(s, s.Default, depth); err != nil {
			return fmt.Errorf("default: %w", err)
		}
	}
	return nil
}

func checkFieldNames(fs []Field) error {
	if len(fs) <= 16 {
		for i := range fs {
			for j := range i {
				if fs[i].Name == fs[j].Name {
					return fmt.Errorf("duplicate field %q", fs[i].Name)
				}
			}
		}
		return nil
	}
	seen := make(map[string]struct{}, len(fs))
	for i := range fs {
		if _, dup := seen[fs[i].Name]; dup {
			return fmt.Errorf("duplicate field %q", fs[i].Name)
		}
		seen[fs[i].Name] = struct{}{}
	}
	return nil
}

// nullable reports whether values of s carry a presence byte.
func nullable(s *Schema) bool { return s.Optional || s.Default != nil }

// value writes v as a value of s (nil s: a tagged schemaless value).
func (e *encoder) value(s *Schema, v any, depth int) error {
	if s == nil {
		return e.dynamic(v, depth)
	}
	if nullable(s) {
		if v == nil {
			e.buf = append(e.buf, 0)
			return nil
		}
		e.buf = append(e.buf, 1)
	} else if v == nil {
		return invalid("", "null value for a required %s", s.Type)
	}
	return e.body(s, v, depth)
}

func mismatch(s *Schema, v any) error {
	if l := LogicalOf(s); l != NotLogical {
		_, err := FromLogical(s, v)
		return invalid("", "%v", err)
	}
	return invalid("", "want %s, got %T", goTypeOf(s.Type), v)
}

// body writes non-nil v as a value of s, without a presence byte.
func (e *encoder) body(s *Schema, v any, depth int) error {
	if depth > MaxDepth {
		return invalid("", "nested deeper than %d", MaxDepth)
	}
	if s.Name != "" {
		switch LogicalOf(s) {
		case LogicalDecimal:
			d, ok := v.(Decimal)
			if !ok || d.Unscaled == nil {
				return mismatch(s, v)
			}
			scale, err := DecimalScale(s)
			if err != nil {
				return invalid("", "%v", err)
			}
			if d.Scale != scale {
				return invalid("", "decimal has scale %d, schema has scale %d", d.Scale, scale)
			}
			e.decimal(d.Unscaled)
			return nil
		case LogicalDate:
			t, ok := v.(time.Time)
			if !ok {
				return mismatch(s, v)
			}
			days, err := dateDays(t)
			if err != nil {
				return invalid("", "%v", err)
			}
			e.varint(int64(days))
			return nil
		case LogicalTime:
			t, ok := v.(time.Time)
			if !ok {
				return mismatch(s, v)
			}
			ms, err := timeMillis(t)
			if err != nil {
				return invalid("", "%v", err)
			}
			e.varint(int64(ms))
			return nil
		case LogicalTimestamp:
			t, ok := v.(time.Time)
			if !ok {
				return mismatch(s, v)
			}
			e.varint(t.UnixMilli())
			return nil
		}
	}
	switch s.Type {
	case Int8:
		x, ok := v.(int8)
		if !ok {
			return mismatch(s, v)
		}
		e.buf = append(e.buf, byte(x))
	case Int16:
		x, ok := v.(int16)
		if !ok {
			return mismatch(s, v)
		}
		e.varint(int64(x))
	case Int32:
		x, ok := v.(int32)
		if !ok {
			return mismatch(s, v)
		}
		e.varint(int64(x))
	case Int64:
		x, ok := v.(int64)
		if !ok {
			return mismatch(s, v)
		}
		e.varint(x)
	case Float32:
		x, ok := v.(float32)
		if !ok {
			return mismatch(s, v)
		}
		e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(x))
	case Float64:
		x, ok := v.(float64)
		if !ok {
			return mismatch(s, v)
		}
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(x))
	case Boolean:
		x, ok := v.(bool)
		if !ok {
			return mismatch(s, v)
		}
		e.buf = append(e.buf, b2u(x))
	case String:
		x, ok := v.(string)
		if !ok {
			return mismatch(s, v)
		}
		e.string(x)
	case Bytes:
		x, ok := v.([]byte)
		if !ok {
			return mismatch(s, v)
		}
		e.bytes(x)
	case Array:
		x, ok := v.([]any)
		if !ok {
			return mismatch(s, v)
		}
		e.uvarint(uint64(len(x)))
		for i, el := range x {
			if err := e.value(s.ValueSchema, el, depth+1); err != nil {
				return atPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
	case Map:
		switch x := v.(type) {
		case map[any]any:
			e.uvarint(uint64(len(x)))
			for k, el := range x {
				if err := e.entry(s, k, el, depth); err != nil {
					return err
				}
			}
		case map[string]any:
			e.uvarint(uint64(len(x)))
			for k, el := range x {
				if err := e.entry(s, k, el, depth); err != nil {
					return err
				}
			}
		default:
			return mismatch(s, v)
		}
	case StructType:
		x, ok := v.(*Struct)
		if !ok || x == nil {
			return mismatch(s, v)
		}
		if !sameStructSchema(x.schema, s) {
			return invalid("", "struct schema %s does not match %s", x.schema, s)
		}
		if len(s.Fields) == 0 {
			e.buf = append(e.buf, 0) // every value takes at least one byte
			return nil
		}
		for i := range s.Fields {
			if err := e.value(s.Fields[i].Schema, x.values[i], depth+1); err != nil {
				return atPath(err, s.Fields[i].Name)
			}
		}
	default:
		return invalid("", "invalid schema type %d", int8(s.Type))
	}
	return nil
}

func (e *encoder) entry(s *Schema, k, v any, depth int) error {
	if isNaN(k) {
		return invalid("", "NaN map key")
	}
	if err := e.value(s.KeySchema, k, depth+1); err != nil {
		return atPath(err, fmt.Sprintf("{key %v}", k))
	}
	if err := e.value(s.ValueSchema, v, depth+1); err != nil {
		return atPath(err, fmt.Sprintf("[%q]", fmt.Sprint(k)))
	}
	return nil
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// decimal writes x as length-prefixed two's-complement bytes, Kafka's
// encoding of a Decimal's unscaled value.
func (e *encoder) decimal(x *big.Int) {
	e.scratch = appendTwosComplement(e.scratch[:0], x)
	e.bytes(e.scratch)
}

func isNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return x != x
	case float32:
		return x != x
	}
	return false
}
