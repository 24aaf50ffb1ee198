package convert

import (
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/record"
)

var stringConfig = []ConfigKey{
	{Name: "converter.encoding", Type: "STRING", Default: "UTF-8", Importance: "HIGH", Valid: []string{"UTF-8", "UTF8", "ISO-8859-1", "ISO8859_1", "Latin1"},
		Doc: "The name of the Java character set to use for encoding strings as byte arrays."},
}

// StringConverter is org.apache.kafka.connect.storage.StringConverter:
// FromRecord writes value.toString() in the configured encoding (UTF-8 or
// ISO-8859-1), ToRecord returns an optional string schema and the decoded
// string. Values are formatted as Java's toString would format the Java
// value Kafka Connect holds (numbers, Double.toString, "[a, b]" lists,
// "{k=v}" maps, Struct{...}); the exceptions are []byte, written as is
// (Java would write "[B@<hash>"), and time.Time, written in
// java.util.Date.toString's layout in UTC.
type StringConverter struct {
	latin1 bool
	schema *record.Schema
}

func newStringConverter(props map[string]string) (*StringConverter, error) {
	cfg, err := parseConfig(stringConfig, props)
	if err != nil {
		return nil, err
	}
	enc := cfg["converter.encoding"]
	return &StringConverter{
		latin1: !strings.EqualFold(enc, "UTF-8") && !strings.EqualFold(enc, "UTF8"),
		schema: record.OptionalStringSchema(),
	}, nil
}

// FromRecord is StringConverter.fromConnectData.
func (c *StringConverter) FromRecord(topic string, schema *record.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	var b []byte
	if raw, ok := value.([]byte); ok {
		b = raw
	} else {
		b = appendJavaString(nil, value)
	}
	if !c.latin1 {
		return b, nil
	}
	out := make([]byte, 0, len(b))
	for _, r := range string(b) {
		if r > 0xFF {
			r = '?' // Java's replacement for unmappable characters
		}
		out = append(out, byte(r))
	}
	return out, nil
}

// ToRecord is StringConverter.toConnectData.
func (c *StringConverter) ToRecord(topic string, data []byte) (*record.Schema, any, error) {
	if data == nil {
		return c.schema, nil, nil
	}
	if !c.latin1 {
		return c.schema, string(data), nil
	}
	var b strings.Builder
	for _, x := range data {
		b.WriteRune(rune(x))
	}
	return c.schema, b.String(), nil
}

// appendJavaString appends the Java toString of the value Kafka Connect
// would hold for v.
func appendJavaString(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return append(dst, x...)
	case []byte:
		return append(dst, x...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int8:
		return strconv.AppendInt(dst, int64(x), 10)
	case int16:
		return strconv.AppendInt(dst, int64(x), 10)
	case int32:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case float32:
		return appendJavaDouble(dst, float64(x), 32)
	case float64:
		return appendJavaDouble(dst, x, 64)
	case record.Decimal:
		if x.Unscaled == nil {
			return append(dst, "null"...)
		}
		return appendJavaBigDecimal(dst, x.Unscaled, x.Scale)
	case *big.Int:
		return append(dst, x.String()...)
	case time.Time:
		return x.UTC().AppendFormat(dst, "Mon Jan 02 15:04:05 UTC 2006")
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJavaString(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sortJavaHashMapOrder(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, k.(string)...)
			dst = append(dst, '=')
			dst = appendJavaString(dst, x[k.(string)])
		}
		return append(dst, '}')
	case map[any]any:
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sortJavaHashMapOrder(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJavaString(dst, k)
			dst = append(dst, '=')
			dst = appendJavaString(dst, x[k])
		}
		return append(dst, '}')
	case *record.Struct:
		dst = append(dst, "Struct{"...)
		first := true
		for i, f := range x.Schema().Fields {
			fv := x.RawAt(i)
			if fv == nil {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, f.Name...)
			dst = append(dst, '=')
			dst = appendJavaString(dst, fv)
		}
		return append(dst, '}')
	}
	return utf8.AppendRune(dst, utf8.RuneError)
}
