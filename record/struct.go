package record

import (
	"fmt"
	"strings"
)

// Struct is the Go value of a Struct schema: the schema and one value per
// field, by field index. A nil value is null (the field's default is returned
// by Get). A Struct is not safe for concurrent mutation.
type Struct struct {
	schema *Schema
	values []any
}

// NewStruct returns an empty Struct of schema s, which must be a Struct
// schema (anything else is a programmer error and panics).
func NewStruct(s *Schema) *Struct {
	if s == nil || s.Type != StructType {
		panic(fmt.Sprintf("record: NewStruct with a %s schema", s))
	}
	return &Struct{schema: s, values: make([]any, len(s.Fields))}
}

// Schema returns the struct's schema.
func (s *Struct) Schema() *Schema { return s.schema }

// Put sets field to v and returns s. An unknown field is a programmer error
// and panics; a value of the wrong type is reported by Validate.
func (s *Struct) Put(field string, v any) *Struct {
	f := s.schema.Field(field)
	if f == nil {
		panic(fmt.Sprintf("record: struct %s has no field %q", s.schema.Name, field))
	}
	s.values[f.Index] = v
	return s
}

// PutAt sets the field with index i to v and returns s; i out of range panics.
func (s *Struct) PutAt(i int, v any) *Struct { s.values[i] = v; return s }

// Get returns the value of field, or the field's default when the value is
// nil. An unknown field returns nil; use Lookup to tell the difference.
func (s *Struct) Get(field string) any {
	v, _ := s.Lookup(field)
	return v
}

// Lookup is Get that reports whether the field exists.
func (s *Struct) Lookup(field string) (any, bool) {
	f := s.schema.Field(field)
	if f == nil {
		return nil, false
	}
	return s.GetAt(f.Index), true
}

// GetAt returns the value of the field with index i (its default when nil).
func (s *Struct) GetAt(i int) any {
	if v := s.values[i]; v != nil {
		return v
	}
	return s.schema.Fields[i].Schema.Default
}

// RawAt returns the value of the field with index i as stored, without the
// default applied.
func (s *Struct) RawAt(i int) any { return s.values[i] }

// Validate reports whether every value matches its field's schema and every
// required field without a default is set. The error names the field path.
func (s *Struct) Validate() error { return validate(s.schema, s, "", 0) }

// Equal reports whether s and o have equal schemas and equal values.
func (s *Struct) Equal(o *Struct) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil || len(s.values) != len(o.values) || !sameStructSchema(s.schema, o.schema) {
		return false
	}
	for i := range s.values {
		if !ValuesEqual(s.values[i], o.values[i]) {
			return false
		}
	}
	return true
}

// String formats s as Kafka Connect's Struct.toString does:
// "Struct{id=1,name=x}" (null fields are left out).
func (s *Struct) String() string {
	var b strings.Builder
	b.WriteString("Struct{")
	first := true
	for i, f := range s.schema.Fields {
		if s.values[i] == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%s=%v", f.Name, s.values[i])
	}
	b.WriteByte('}')
	return b.String()
}

// sameStructSchema reports whether a struct built with schema a is a valid
// value for schema s: the same schema, ignoring s's own optionality and
// default (a default struct is built with the schema before the default is
// set on it).
func sameStructSchema(a, s *Schema) bool {
	if a == s {
		return true
	}
	if a == nil || s == nil {
		return false
	}
	x, y := *a, *s
	x.Default, y.Default, x.Optional, y.Optional = nil, nil, false, false
	return x.Equal(&y)
}
