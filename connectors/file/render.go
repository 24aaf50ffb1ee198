package file

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/record"
)

// appendLine appends the line the sink writes for value v (without the
// line terminator); see the package documentation for the forms.
func appendLine(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return append(dst, x...), nil
	case []byte:
		return append(dst, x...), nil
	case nil:
		return append(dst, "null"...), nil
	}
	return appendJSON(dst, v)
}

// appendJSON appends v as JSON. Values are those of the record model
// (schema'd or schemaless); a Go type outside it is an error.
func appendJSON(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case float32:
		return appendFloat(dst, float64(x), 32), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	case string:
		return appendString(dst, x), nil
	case []byte:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, x)
		return append(dst, '"'), nil
	case record.Decimal:
		if x.Unscaled == nil {
			return nil, fmt.Errorf("decimal without an unscaled value")
		}
		return append(dst, x.String()...), nil
	case time.Time:
		return appendString(dst, x.Format(time.RFC3339Nano)), nil
	case *record.Struct:
		return appendStruct(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, e); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		return appendObject(dst, x)
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			ks, err := mapKey(k)
			if err != nil {
				return nil, err
			}
			m[ks] = e
		}
		return appendObject(dst, m)
	}
	return nil, fmt.Errorf("unsupported value type %T", v)
}

func appendStruct(dst []byte, s *record.Struct) ([]byte, error) {
	if s == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '{')
	for i, f := range s.Schema().Fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, f.Name)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, s.GetAt(i)); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return append(dst, '}'), nil
}

// appendObject writes m with its keys sorted, so equal maps give equal lines.
func appendObject(dst []byte, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, m[k]); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return append(dst, '}'), nil
}

// mapKey is the JSON object key of a map key: a string as is, anything
// else in its JSON form (1 → "1", true → "true").
func mapKey(k any) (string, error) {
	if s, ok := k.(string); ok {
		return s, nil
	}
	b, err := appendJSON(nil, k)
	if err != nil {
		return "", fmt.Errorf("map key: %w", err)
	}
	return string(b), nil
}

// appendFloat writes finite numbers as JSON numbers and NaN/±Inf, which
// JSON cannot hold, as the strings "NaN", "Infinity", "-Infinity" (Java's
// spelling, what Jackson writes with non-numeric numbers allowed).
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
// Unlike encoding/json it leaves <, > and & alone: the line is for people
// and tools, not for HTML.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\\ufffd"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
