package record

import (
	"bytes"
	"fmt"
	"time"
)

// MaxDepth bounds the nesting of schemas and values (struct in array in
// map ...) that Validate, EncodeBatch and DecodeBatch accept.
const MaxDepth = 100

// ValidationError says which value failed and why. Path names the value:
// "value.address.zip", "key", "value.items[3]", "value.tags[\"k\"]".
type ValidationError struct {
	Path string
	Msg  string
}

func (e *ValidationError) Error() string {
	return "record: " + pathOrRoot(e.Path) + ": " + e.Msg
}

func invalid(path, format string, args ...any) error {
	return &ValidationError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Validate reports whether v is a valid value for schema s. A nil schema
// means schemaless data: nil, bool, int8, int16, int32, int64, int, float32,
// float64, string, []byte, []any, map[string]any, map[any]any, *Struct,
// Decimal or time.Time, nested. The error is a *ValidationError naming the
// field path.
func Validate(s *Schema, v any) error { return validate(s, v, "", 0) }

func validate(s *Schema, v any, path string, depth int) error {
	if depth > MaxDepth {
		return invalid(path, "nested deeper than %d", MaxDepth)
	}
	if s == nil {
		return validateSchemaless(v, path, depth)
	}
	if v == nil {
		if s.Optional || s.Default != nil {
			return nil
		}
		return invalid(path, "null value for a required %s", s.Type)
	}
	switch LogicalOf(s) {
	case LogicalDecimal:
		d, ok := v.(Decimal)
		if !ok || d.Unscaled == nil {
			return invalid(path, "want record.Decimal for %s, got %T", s.Name, v)
		}
		if _, err := FromLogical(s, v); err != nil {
			return invalid(path, "%v", err)
		}
		return nil
	case LogicalDate, LogicalTime, LogicalTimestamp:
		if _, ok := v.(time.Time); !ok {
			return invalid(path, "want time.Time for %s, got %T", s.Name, v)
		}
		if _, err := FromLogical(s, v); err != nil {
			return invalid(path, "%v", err)
		}
		return nil
	}
	ok := false
	switch s.Type {
	case Int8:
		_, ok = v.(int8)
	case Int16:
		_, ok = v.(int16)
	case Int32:
		_, ok = v.(int32)
	case Int64:
		_, ok = v.(int64)
	case Float32:
		_, ok = v.(float32)
	case Float64:
		_, ok = v.(float64)
	case Boolean:
		_, ok = v.(bool)
	case String:
		_, ok = v.(string)
	case Bytes:
		_, ok = v.([]byte)
	case Array:
		a, isArr := v.([]any)
		if !isArr {
			break
		}
		for i, e := range a {
			if err := validate(s.ValueSchema, e, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case Map:
		switch m := v.(type) {
		case map[any]any:
			for k, e := range m {
				if err := validateEntry(s, k, e, path, depth); err != nil {
					return err
				}
			}
			return nil
		case map[string]any:
			for k, e := range m {
				if err := validateEntry(s, k, e, path, depth); err != nil {
					return err
				}
			}
			return nil
		}
	case StructType:
		st, isStruct := v.(*Struct)
		if !isStruct || st == nil {
			break
		}
		if !sameStructSchema(st.schema, s) {
			return invalid(path, "struct schema %s does not match %s", st.schema, s)
		}
		for i, f := range s.Fields {
			if err := validate(f.Schema, st.values[i], joinPath(path, f.Name), depth+1); err != nil {
				return err
			}
		}
		return nil
	default:
		return invalid(path, "invalid schema type %d", int8(s.Type))
	}
	if !ok {
		return invalid(path, "want %s, got %T", goTypeOf(s.Type), v)
	}
	return nil
}

func validateEntry(s *Schema, k, e any, path string, depth int) error {
	if err := validate(s.KeySchema, k, fmt.Sprintf("%s{key %v}", path, k), depth+1); err != nil {
		return err
	}
	return validate(s.ValueSchema, e, fmt.Sprintf("%s[%q]", path, fmt.Sprint(k)), depth+1)
}

func goTypeOf(t Type) string {
	switch t {
	case Int8, Int16, Int32, Int64, Float32, Float64, String:
		return t.String()
	case Boolean:
		return "bool"
	case Bytes:
		return "[]byte"
	case Array:
		return "[]any"
	case Map:
		return "map[any]any"
	case StructType:
		return "*record.Struct"
	}
	return t.String()
}

func validateSchemaless(v any, path string, depth int) error {
	switch x := v.(type) {
	case nil, bool, int8, int16, int32, int64, int, float32, float64, string, []byte, time.Time:
		return nil
	case Decimal:
		if x.Unscaled == nil {
			return invalid(path, "decimal with nil unscaled value")
		}
		return nil
	case []any:
		for i, e := range x {
			if err := validate(nil, e, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for k, e := range x {
			if err := validate(nil, e, fmt.Sprintf("%s[%q]", path, k), depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[any]any:
		for k, e := range x {
			if err := validate(nil, k, fmt.Sprintf("%s{key %v}", path, k), depth+1); err != nil {
				return err
			}
			if err := validate(nil, e, fmt.Sprintf("%s[%q]", path, fmt.Sprint(k)), depth+1); err != nil {
				return err
			}
		}
		return nil
	case *Struct:
		if x == nil {
			return invalid(path, "nil *record.Struct")
		}
		return validate(x.schema, x, path, depth)
	}
	return invalid(path, "unsupported schemaless value %T", v)
}

// ValuesEqual reports whether a and b are equal record values: deep equality
// over the Go value types of this package, with Decimal, time.Time (same
// instant) and *Struct compared by their Equal methods.
func ValuesEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || x != x && y != y)
	case float32:
		y, ok := b.(float32)
		return ok && (x == y || x != x && y != y)
	case Decimal:
		y, ok := b.(Decimal)
		return ok && x.Equal(y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case *Struct:
		y, ok := b.(*Struct)
		return ok && x.Equal(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !ValuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !ValuesEqual(v, w) {
				return false
			}
		}
		return true
	case map[any]any:
		y, ok := b.(map[any]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !ValuesEqual(v, w) {
				return false
			}
		}
		return true
	}
	switch b.(type) {
	case []byte, Decimal, time.Time, *Struct, []any, map[string]any, map[any]any:
		return false
	}
	return a == b
}
