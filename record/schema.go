package record

import (
	"fmt"
	"maps"
	"strings"
)

// Type is a schema type: Kafka Connect's Schema.Type.
type Type int8

// The schema types. The zero Type is invalid.
const (
	Int8 Type = iota + 1
	Int16
	Int32
	Int64
	Float32
	Float64
	Boolean
	String
	Bytes
	Array
	Map
	StructType // Kafka's STRUCT; named so because Struct is the value type
)

var typeNames = [...]string{
	Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64",
	Float32: "float32", Float64: "float64", Boolean: "boolean",
	String: "string", Bytes: "bytes", Array: "array", Map: "map", StructType: "struct",
}

// String returns Kafka Connect's lower-case name of the type ("int32",
// "struct", ...), the name its JsonConverter writes.
func (t Type) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int8(t))
}

// Valid reports whether t is one of the defined types.
func (t Type) Valid() bool { return t >= Int8 && t <= StructType }

// IsPrimitive reports whether t is neither Array, Map nor Struct.
func (t Type) IsPrimitive() bool { return t >= Int8 && t <= Bytes }

// ParseType is the inverse of Type.String.
func ParseType(name string) (Type, bool) {
	for t := Int8; t <= StructType; t++ {
		if typeNames[t] == name {
			return t, true
		}
	}
	return 0, false
}

// Schema describes a value: Kafka Connect's Schema. A Schema is treated as
// immutable once built and may be shared by any number of records and
// goroutines; build one with the constructors or a SchemaBuilder.
type Schema struct {
	Type        Type
	Optional    bool
	Default     any    // a value valid for this schema, or nil
	Name        string // e.g. "org.apache.kafka.connect.data.Decimal" for logical types
	Version     int32  // 0 = unset
	Doc         string
	Parameters  map[string]string // e.g. "scale" for Decimal
	Fields      []Field           // Struct
	KeySchema   *Schema           // Map
	ValueSchema *Schema           // Map values, Array elements
}

// Field is one field of a Struct schema. Index is its position in
// Schema.Fields.
type Field struct {
	Name   string
	Index  int
	Schema *Schema
}

// Field returns the field called name, or nil.
func (s *Schema) Field(name string) *Field {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// Equal reports whether s and o describe the same schema (deeply, defaults
// included). Two nil schemas are equal. Schemas shared within a tree (a DAG)
// are compared once per pair, so the cost stays polynomial.
func (s *Schema) Equal(o *Schema) bool {
	var st eqState
	return st.eq(s, o)
}

type eqState struct {
	n    int
	seen map[[2]*Schema]struct{}
}

func (st *eqState) eq(s, o *Schema) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil {
		return false
	}
	if st.n++; st.n > 64 {
		// Past a small tree, remember pairs already compared. A pair seen
		// before compared equal: a difference would have ended the walk.
		if st.seen == nil {
			st.seen = make(map[[2]*Schema]struct{})
		}
		key := [2]*Schema{s, o}
		if _, ok := st.seen[key]; ok {
			return true
		}
		st.seen[key] = struct{}{}
	}
	if s.Type != o.Type || s.Optional != o.Optional || s.Name != o.Name ||
		s.Version != o.Version || s.Doc != o.Doc || len(s.Fields) != len(o.Fields) ||
		!maps.Equal(s.Parameters, o.Parameters) ||
		!st.eq(s.KeySchema, o.KeySchema) || !st.eq(s.ValueSchema, o.ValueSchema) {
		return false
	}
	for i := range s.Fields {
		if s.Fields[i].Name != o.Fields[i].Name || !st.eq(s.Fields[i].Schema, o.Fields[i].Schema) {
			return false
		}
	}
	return ValuesEqual(s.Default, o.Default)
}

// String is a short human-readable form, e.g. "struct<id:int64,name:string?>".
func (s *Schema) String() string {
	var b strings.Builder
	s.writeString(&b)
	return b.String()
}

// maxStringLen bounds String: a schema tree can be exponentially larger
// than its DAG form.
const maxStringLen = 512

func (s *Schema) writeString(b *strings.Builder) {
	if b.Len() > maxStringLen {
		if !strings.HasSuffix(b.String(), "...") {
			b.WriteString("...")
		}
		return
	}
	if s == nil {
		b.WriteString("<schemaless>")
		return
	}
	if s.Name != "" && s.Type != StructType {
		b.WriteString(s.Name)
		b.WriteByte('(')
		b.WriteString(s.Type.String())
		b.WriteByte(')')
	} else {
		b.WriteString(s.Type.String())
	}
	switch s.Type {
	case StructType:
		if s.Name != "" {
			b.WriteByte(' ')
			b.WriteString(s.Name)
		}
		b.WriteByte('<')
		for i, f := range s.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Name)
			b.WriteByte(':')
			f.Schema.writeString(b)
		}
		b.WriteByte('>')
	case Array:
		b.WriteByte('<')
		s.ValueSchema.writeString(b)
		b.WriteByte('>')
	case Map:
		b.WriteByte('<')
		s.KeySchema.writeString(b)
		b.WriteByte(',')
		s.ValueSchema.writeString(b)
		b.WriteByte('>')
	}
	if s.Optional {
		b.WriteByte('?')
	}
}

func primitive(t Type, optional bool) *Schema { return &Schema{Type: t, Optional: optional} }

// Constructors for the primitive schemas. Each call returns a new *Schema.
func Int8Schema() *Schema            { return primitive(Int8, false) }
func Int16Schema() *Schema           { return primitive(Int16, false) }
func Int32Schema() *Schema           { return primitive(Int32, false) }
func Int64Schema() *Schema           { return primitive(Int64, false) }
func Float32Schema() *Schema         { return primitive(Float32, false) }
func Float64Schema() *Schema         { return primitive(Float64, false) }
func BooleanSchema() *Schema         { return primitive(Boolean, false) }
func StringSchema() *Schema          { return primitive(String, false) }
func BytesSchema() *Schema           { return primitive(Bytes, false) }
func OptionalInt8Schema() *Schema    { return primitive(Int8, true) }
func OptionalInt16Schema() *Schema   { return primitive(Int16, true) }
func OptionalInt32Schema() *Schema   { return primitive(Int32, true) }
func OptionalInt64Schema() *Schema   { return primitive(Int64, true) }
func OptionalFloat32Schema() *Schema { return primitive(Float32, true) }
func OptionalFloat64Schema() *Schema { return primitive(Float64, true) }
func OptionalBooleanSchema() *Schema { return primitive(Boolean, true) }
func OptionalStringSchema() *Schema  { return primitive(String, true) }
func OptionalBytesSchema() *Schema   { return primitive(Bytes, true) }

// ArraySchema returns a required array of elem.
func ArraySchema(elem *Schema) *Schema { return &Schema{Type: Array, ValueSchema: elem} }

// MapSchema returns a required map from key to value.
func MapSchema(key, value *Schema) *Schema {
	return &Schema{Type: Map, KeySchema: key, ValueSchema: value}
}
