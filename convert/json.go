package convert

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sluicehq/sluice/record"
)

var jsonConfig = []ConfigKey{
	{Name: "schemas.enable", Type: "BOOLEAN", Default: "true", Importance: "HIGH",
		Doc: "Include schemas within each of the serialized values and keys."},
	{Name: "schemas.cache.size", Type: "INT", Default: "1000", Importance: "HIGH",
		Doc: "The maximum number of schemas that can be cached in this converter instance."},
	{Name: "decimal.format", Type: "STRING", Default: "BASE64", Importance: "LOW", Valid: []string{"BASE64", "NUMERIC"},
		Doc: "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'"},
	{Name: "replace.null.with.default", Type: "BOOLEAN", Default: "true", Importance: "LOW",
		Doc: "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."},
}

// JSONConverter is org.apache.kafka.connect.json.JsonConverter. Its output
// is byte-for-byte Kafka's (Jackson's compact form: no spaces, schema keys
// in the order type, items|keys|values|fields, optional, name, version, doc,
// parameters, default, and "field" last in a struct field) with these
// exceptions:
//   - map entries, which Kafka writes in its java.util.Map's iteration order,
//     are written in the order a java.util.HashMap of default capacity
//     iterates them (what Kafka's own toConnectData builds), ties broken by
//     key; schema parameters, a LinkedHashMap in Kafka, are sorted by key;
//   - doubles are formatted with the shortest round-trip digits, as
//     Double.toString does from Java 19 on (older JVMs sometimes print one
//     more digit);
//   - a schema's empty Name and zero Version count as unset.
//
// ToRecord is stricter than Kafka: a JSON value of the wrong kind (a string
// for an int32, 1.5 for an int8, an integer beyond int64) is an error naming
// the field rather than a silent 0, false, null or wrap-around; JSON with
// leading zeros in numbers or trailing garbage is rejected; a NUMERIC decimal
// is rescaled to the schema's scale (an error if that would round) where
// Kafka keeps the literal's scale.
type JSONConverter struct {
	isKey          bool
	schemasEnabled bool
	numericDecimal bool
	replaceNull    bool
	cacheSize      int
	// lastSize is the length of the last value FromRecord wrote: the next
	// one's buffer is allocated for it at once instead of growing from
	// nothing (a 1 KB value took ten allocations and copies).
	lastSize atomic.Int64
	keys     *keyCache // nil when schemas.cache.size is 0

	mu struct {
		sync.Mutex
		toJSON   map[*record.Schema][]byte // schema → its JSON
		toSchema map[string]*record.Schema // schema JSON → schema
	}
}

func newJSONConverter(isKey bool, props map[string]string) (*JSONConverter, error) {
	cfg, err := parseConfig(jsonConfig, props)
	if err != nil {
		return nil, err
	}
	size, _ := strconv.Atoi(cfg["schemas.cache.size"])
	c := &JSONConverter{
		isKey:          isKey,
		schemasEnabled: cfg["schemas.enable"] == "true",
		numericDecimal: cfg["decimal.format"] == "NUMERIC",
		replaceNull:    cfg["replace.null.with.default"] == "true",
		cacheSize:      max(size, 0),
	}
	if c.cacheSize > 0 {
		c.keys = &keyCache{max: int64(c.cacheSize)}
	}
	c.mu.toJSON = make(map[*record.Schema][]byte)
	c.mu.toSchema = make(map[string]*record.Schema)
	return c, nil
}

// FromRecord is JsonConverter.fromConnectData.
func (c *JSONConverter) FromRecord(topic string, schema *record.Schema, value any) ([]byte, error) {
	if schema == nil && value == nil {
		return nil, nil // a tombstone stays a tombstone
	}
	last := int(c.lastSize.Load())
	w := jsonWriter{numericDecimal: c.numericDecimal, replaceNull: c.replaceNull, keys: c.keys, buf: make([]byte, 0, last+last/8+16)}
	defer func() { c.lastSize.Store(int64(len(w.buf))) }()
	if !c.schemasEnabled {
		if err := w.value(schema, value); err != nil {
			return nil, err
		}
		return w.buf, nil
	}
	w.buf = append(w.buf, `{"schema":`...)
	if schema == nil {
		w.buf = append(w.buf, "null"...)
	} else {
		js, err := c.schemaJSON(schema)
		if err != nil {
			return nil, err
		}
		w.buf = append(w.buf, js...)
	}
	w.buf = append(w.buf, `,"payload":`...)
	if err := w.value(schema, value); err != nil {
		return nil, err
	}
	w.buf = append(w.buf, '}')
	return w.buf, nil
}

// schemaJSON returns the JSON of s, cached by pointer.
func (c *JSONConverter) schemaJSON(s *record.Schema) ([]byte, error) {
	c.mu.Lock()
	js, ok := c.mu.toJSON[s]
	c.mu.Unlock()
	if ok {
		return js, nil
	}
	w := jsonWriter{numericDecimal: c.numericDecimal, replaceNull: c.replaceNull}
	if err := w.schema(s, ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.mu.toJSON) >= c.cacheSize {
		clear(c.mu.toJSON)
	}
	if c.cacheSize > 0 {
		c.mu.toJSON[s] = w.buf
	}
	return w.buf, nil
}

func (c *JSONConverter) cachedSchema(raw string) (*record.Schema, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.mu.toSchema[raw]
	return s, ok
}

func (c *JSONConverter) cacheSchema(raw string, s *record.Schema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.mu.toSchema) >= c.cacheSize {
		clear(c.mu.toSchema)
	}
	if c.cacheSize > 0 {
		c.mu.toSchema[raw] = s
	}
}
