package record

import (
	"fmt"
	"maps"
	"slices"
)

// SchemaBuilder builds a Schema step by step, like Kafka Connect's
// SchemaBuilder:
//
//	s := record.NewStructSchema("com.example.User").
//		Field("id", record.Int64Schema()).
//		Field("name", record.OptionalStringSchema()).
//		Build()
//
// Misuse (a duplicate field, a field on a non-struct, an invalid default) is
// remembered and reported by Build (which panics) or TryBuild.
type SchemaBuilder struct {
	s   Schema
	err error
}

// NewSchemaBuilder starts a schema of type t.
func NewSchemaBuilder(t Type) *SchemaBuilder {
	b := &SchemaBuilder{s: Schema{Type: t}}
	if !t.Valid() {
		b.err = fmt.Errorf("record: invalid schema type %d", int8(t))
	}
	return b
}

// NewStructSchema starts a struct schema; name may be empty.
func NewStructSchema(name string) *SchemaBuilder {
	return NewSchemaBuilder(StructType).Name(name)
}

// NewArraySchema starts an array schema of elem.
func NewArraySchema(elem *Schema) *SchemaBuilder {
	b := NewSchemaBuilder(Array)
	b.s.ValueSchema = elem
	return b
}

// NewMapSchema starts a map schema from key to value.
func NewMapSchema(key, value *Schema) *SchemaBuilder {
	b := NewSchemaBuilder(Map)
	b.s.KeySchema, b.s.ValueSchema = key, value
	return b
}

// BuilderFrom starts a builder from a copy of s, e.g. to make a logical
// schema optional: record.BuilderFrom(record.DecimalSchema(2)).Optional().Build().
func BuilderFrom(s *Schema) *SchemaBuilder {
	c := *s
	c.Parameters = maps.Clone(s.Parameters)
	c.Fields = slices.Clone(s.Fields)
	return &SchemaBuilder{s: c}
}

// Name sets the schema's name.
func (b *SchemaBuilder) Name(name string) *SchemaBuilder { b.s.Name = name; return b }

// Version sets the schema's version.
func (b *SchemaBuilder) Version(v int32) *SchemaBuilder { b.s.Version = v; return b }

// Doc sets the schema's documentation.
func (b *SchemaBuilder) Doc(doc string) *SchemaBuilder { b.s.Doc = doc; return b }

// Optional marks the schema optional (null is a valid value).
func (b *SchemaBuilder) Optional() *SchemaBuilder { b.s.Optional = true; return b }

// Required marks the schema required (the default).
func (b *SchemaBuilder) Required() *SchemaBuilder { b.s.Optional = false; return b }

// Default sets the default value; Build checks it against the schema.
func (b *SchemaBuilder) Default(v any) *SchemaBuilder { b.s.Default = v; return b }

// Parameter sets one parameter.
func (b *SchemaBuilder) Parameter(k, v string) *SchemaBuilder {
	if b.s.Parameters == nil {
		b.s.Parameters = make(map[string]string)
	}
	b.s.Parameters[k] = v
	return b
}

// Parameters sets several parameters; with an empty p it makes the
// parameter map present but empty (as Kafka's JSON "parameters":{} does).
func (b *SchemaBuilder) Parameters(p map[string]string) *SchemaBuilder {
	if b.s.Parameters == nil {
		b.s.Parameters = make(map[string]string, len(p))
	}
	for k, v := range p {
		b.Parameter(k, v)
	}
	return b
}

// Field appends a field to a struct schema.
func (b *SchemaBuilder) Field(name string, s *Schema) *SchemaBuilder {
	switch {
	case b.err != nil:
	case b.s.Type != StructType:
		b.err = fmt.Errorf("record: field %q added to a %s schema", name, b.s.Type)
	case s == nil:
		b.err = fmt.Errorf("record: field %q has no schema", name)
	case name == "":
		b.err = fmt.Errorf("record: empty field name")
	case b.s.Field(name) != nil:
		b.err = fmt.Errorf("record: duplicate field %q", name)
	default:
		b.s.Fields = append(b.s.Fields, Field{Name: name, Index: len(b.s.Fields), Schema: s})
	}
	return b
}

// TryBuild returns the schema or the first misuse.
func (b *SchemaBuilder) TryBuild() (*Schema, error) {
	if b.err != nil {
		return nil, b.err
	}
	s := b.s
	s.Fields = slices.Clone(b.s.Fields)
	s.Parameters = maps.Clone(b.s.Parameters)
	if err := CheckSchema(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Build returns the schema; it panics on misuse (a programmer error).
func (b *SchemaBuilder) Build() *Schema {
	s, err := b.TryBuild()
	if err != nil {
		panic(err)
	}
	return s
}

// CheckSchema reports whether s is well formed: valid types, struct fields
// with unique names and matching indexes, map key and value schemas, array
// element schemas, logical-type parameters and defaults valid for their
// schema.
func CheckSchema(s *Schema) error { return checkSchema(s, "", 0) }

func checkSchema(s *Schema, path string, depth int) error {
	if s == nil {
		return fmt.Errorf("record: schema %s: nil", pathOrRoot(path))
	}
	if depth > MaxDepth {
		return fmt.Errorf("record: schema %s: nested deeper than %d", pathOrRoot(path), MaxDepth)
	}
	if !s.Type.Valid() {
		return fmt.Errorf("record: schema %s: invalid type %d", pathOrRoot(path), int8(s.Type))
	}
	switch s.Type {
	case StructType:
		for i, f := range s.Fields {
			if f.Index != i {
				return fmt.Errorf("record: schema %s: field %q has index %d, want %d", pathOrRoot(path), f.Name, f.Index, i)
			}
			for _, g := range s.Fields[:i] {
				if g.Name == f.Name {
					return fmt.Errorf("record: schema %s: duplicate field %q", pathOrRoot(path), f.Name)
				}
			}
			if err := checkSchema(f.Schema, joinPath(path, f.Name), depth+1); err != nil {
				return err
			}
		}
	case Array:
		if err := checkSchema(s.ValueSchema, path+"[]", depth+1); err != nil {
			return err
		}
	case Map:
		if err := checkSchema(s.KeySchema, path+"{key}", depth+1); err != nil {
			return err
		}
		if err := checkSchema(s.ValueSchema, path+"{value}", depth+1); err != nil {
			return err
		}
	}
	if s.Type != StructType && len(s.Fields) > 0 {
		return fmt.Errorf("record: schema %s: fields on a %s schema", pathOrRoot(path), s.Type)
	}
	if s.Name == DecimalName && s.Type == Bytes {
		if _, err := DecimalScale(s); err != nil {
			return fmt.Errorf("record: schema %s: %w", pathOrRoot(path), err)
		}
	}
	if s.Default != nil {
		if err := validate(s, s.Default, path, depth); err != nil {
			return fmt.Errorf("record: schema %s: invalid default: %w", pathOrRoot(path), err)
		}
	}
	return nil
}

func pathOrRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}
