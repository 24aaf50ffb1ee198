package transforms

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/record"
)

// fieldPath is a field reference: one name (field.syntax.version=V1) or a
// dotted path into nested structs and maps (V2, KIP-821), where a segment
// in backticks may contain dots and \` is a literal backtick.
type fieldPath []string

func parseFieldPath(s string, v2 bool) (fieldPath, error) {
	if !v2 {
		return fieldPath{s}, nil
	}
	var out fieldPath
	for i := 0; i <= len(s); {
		if i < len(s) && s[i] == '`' {
			var b strings.Builder
			j := i + 1
			closed := false
			for ; j < len(s); j++ {
				if s[j] == '\\' && j+1 < len(s) && s[j+1] == '`' {
					b.WriteByte('`')
					j++
					continue
				}
				if s[j] == '`' && (j+1 == len(s) || s[j+1] == '.') {
					closed = true
					break
				}
				b.WriteByte(s[j])
			}
			if !closed {
				return nil, fmt.Errorf("unclosed backtick in field path %q", s)
			}
			out = append(out, b.String())
			i = j + 2
			continue
		}
		end := strings.IndexByte(s[i:], '.')
		if end < 0 {
			out = append(out, s[i:])
			break
		}
		out = append(out, s[i:i+end])
		i += end + 1
	}
	return out, nil
}

func (p fieldPath) String() string { return strings.Join(p, ".") }

// schemaOf returns the schema of the field at p within struct schema s.
func (p fieldPath) schemaOf(s *record.Schema) (*record.Schema, error) {
	for i, name := range p {
		if s == nil || s.Type != record.StructType {
			return nil, fmt.Errorf("field %q is not a struct", fieldPath(p[:i]))
		}
		f := s.Field(name)
		if f == nil {
			return nil, fmt.Errorf("unknown field: %s", p)
		}
		s = f.Schema
	}
	return s, nil
}

// structValue reads p from st (nil along the way gives nil).
func (p fieldPath) structValue(st *record.Struct, replaceNull bool) any {
	var v any = st
	for _, name := range p {
		s, ok := v.(*record.Struct)
		if !ok || s == nil {
			return nil
		}
		f := s.Schema().Field(name)
		if f == nil {
			return nil
		}
		v = fieldValue(s, f.Index, replaceNull)
	}
	return v
}

// mapValue reads p from nested maps (missing gives nil).
func (p fieldPath) mapValue(m map[string]any) any {
	var v any = m
	for _, name := range p {
		switch x := v.(type) {
		case map[string]any:
			v = x[name]
		case map[any]any:
			v = x[name]
		default:
			return nil
		}
	}
	return v
}
