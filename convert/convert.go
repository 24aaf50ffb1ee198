package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/record"
)

// Converter translates between record values and bytes, like Kafka
// Connect's org.apache.kafka.connect.storage.Converter.
type Converter interface {
	// FromRecord is fromConnectData: the bytes for value (nil bytes for a
	// null that Kafka would also turn into a null, a tombstone).
	FromRecord(topic string, schema *record.Schema, value any) ([]byte, error)
	// ToRecord is toConnectData: the schema (nil: schemaless) and value.
	ToRecord(topic string, data []byte) (*record.Schema, any, error)
}

// Class names and aliases.
const (
	JSONClass      = "org.apache.kafka.connect.json.JsonConverter"
	StringClass    = "org.apache.kafka.connect.storage.StringConverter"
	ByteArrayClass = "org.apache.kafka.connect.converters.ByteArrayConverter"
)

// New returns the converter called class — a fully qualified Kafka class
// name, its simple name ("JsonConverter") or an alias ("json", "string",
// "bytes") — configured with props, the converter's own properties (e.g.
// "schemas.enable"). isKey says whether it converts record keys.
func New(class string, isKey bool, props map[string]string) (Converter, error) {
	switch canonicalClass(class) {
	case JSONClass:
		return newJSONConverter(isKey, props)
	case StringClass:
		return newStringConverter(props)
	case ByteArrayClass:
		return byteArrayConverter{schema: record.OptionalBytesSchema()}, nil
	}
	return nil, fmt.Errorf("convert: unknown converter class %q (known: %s, %s, %s)", class, JSONClass, StringClass, ByteArrayClass)
}

func canonicalClass(class string) string {
	switch strings.ToLower(strings.TrimSpace(class)) {
	case strings.ToLower(JSONClass), "jsonconverter", "json":
		return JSONClass
	case strings.ToLower(StringClass), "stringconverter", "string":
		return StringClass
	case strings.ToLower(ByteArrayClass), "bytearrayconverter", "bytearray", "bytes":
		return ByteArrayClass
	}
	return ""
}

// ConfigKey declares one converter property; Config lists them, and the
// same declaration drives the parsing in New.
type ConfigKey struct {
	Name       string
	Type       string // BOOLEAN, INT, STRING (Kafka's ConfigDef.Type)
	Default    string
	Importance string // HIGH, MEDIUM, LOW
	Doc        string
	Valid      []string // for STRING: the allowed values, case-insensitive; nil: any
}

// Config returns the properties the converter class understands.
func Config(class string) ([]ConfigKey, error) {
	switch canonicalClass(class) {
	case JSONClass:
		return jsonConfig, nil
	case StringClass:
		return stringConfig, nil
	case ByteArrayClass:
		return nil, nil
	}
	return nil, fmt.Errorf("convert: unknown converter class %q", class)
}

// parseConfig checks props against keys and returns every key's value,
// defaults filled in. Properties not in keys are ignored.
func parseConfig(keys []ConfigKey, props map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		v, ok := props[k.Name]
		if !ok {
			v = k.Default
		}
		v = strings.TrimSpace(v)
		switch k.Type {
		case "BOOLEAN":
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return nil, fmt.Errorf("convert: invalid value %q for configuration %s: expected true or false", v, k.Name)
			}
			v = strings.ToLower(v)
		case "INT":
			if _, err := strconv.ParseInt(v, 10, 32); err != nil {
				return nil, fmt.Errorf("convert: invalid value %q for configuration %s: not a number of type INT", v, k.Name)
			}
		case "STRING":
			if k.Valid != nil {
				found := false
				for _, a := range k.Valid {
					if strings.EqualFold(a, v) {
						v, found = a, true
						break
					}
				}
				if !found {
					return nil, fmt.Errorf("convert: invalid value %q for configuration %s: must be one of %s", v, k.Name, strings.Join(k.Valid, ", "))
				}
			}
		}
		out[k.Name] = v
	}
	return out, nil
}

// DataError is a conversion failure (Kafka's DataException). Path names the
// offending value inside the converted one ("" for the value itself).
type DataError struct {
	Path string
	Msg  string
}

func (e *DataError) Error() string {
	if e.Path == "" {
		return "convert: " + e.Msg
	}
	return "convert: " + e.Path + ": " + e.Msg
}

func dataErr(format string, args ...any) error {
	return &DataError{Msg: fmt.Sprintf(format, args...)}
}

// at prefixes the path of a *DataError with p (a field name, or an index
// or key in brackets).
func at(err error, p string) error {
	if de, ok := err.(*DataError); ok {
		switch {
		case de.Path == "":
			de.Path = p
		case de.Path[0] == '[':
			de.Path = p + de.Path
		default:
			de.Path = p + "." + de.Path
		}
	}
	return err
}
