package convert

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/record"
)

// ToRecord is JsonConverter.toConnectData.
func (c *JSONConverter) ToRecord(topic string, data []byte) (*record.Schema, any, error) {
	if data == nil {
		return nil, nil, nil // a tombstone
	}
	if len(bytes.TrimSpace(data)) == 0 && !c.schemasEnabled {
		return nil, nil, nil // Kafka's emptyBytesToConnect
	}
	if !c.schemasEnabled {
		node, err := parseJSON(data)
		if err != nil {
			return nil, nil, err
		}
		v, err := c.toValue(nil, node)
		return nil, v, err
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil || len(env) != 2 || env["schema"] == nil || env["payload"] == nil {
		return nil, nil, dataErr(`JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.`)
	}
	schema, err := c.parseSchema(env["schema"])
	if err != nil {
		return nil, nil, err
	}
	payload, err := parseJSON(env["payload"])
	if err != nil {
		return nil, nil, err
	}
	v, err := c.toValue(schema, payload)
	if err != nil {
		return nil, nil, err
	}
	return schema, v, nil
}

// parseJSON decodes one JSON value, numbers as json.Number.
func parseJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, dataErr("converting byte[] to Kafka Connect data failed due to serialization error: %v", err)
	}
	if len(bytes.TrimSpace(data[d.InputOffset():])) != 0 {
		return nil, dataErr("converting byte[] to Kafka Connect data failed: data after the JSON value")
	}
	return v, nil
}

// parseSchema is asConnectSchema with a cache keyed by the schema's JSON
// text (equal text gives the same *Schema, so record batches intern it).
func (c *JSONConverter) parseSchema(raw json.RawMessage) (*record.Schema, error) {
	key := string(raw)
	if s, ok := c.cachedSchema(key); ok {
		return s, nil
	}
	node, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	s, err := c.toSchema(node, 0)
	if err != nil {
		return nil, at(err, "(schema)")
	}
	c.cacheSchema(key, s)
	return s, nil
}

func (c *JSONConverter) toSchema(node any, depth int) (*record.Schema, error) {
	if node == nil {
		return nil, nil
	}
	if depth > record.MaxDepth {
		return nil, dataErr("schema nested deeper than %d", record.MaxDepth)
	}
	obj, ok := node.(map[string]any)
	if !ok {
		return nil, dataErr("schema must be a JSON object")
	}
	tn, ok := obj["type"].(string)
	if !ok {
		return nil, dataErr("Schema must contain 'type' field")
	}
	var t record.Type
	switch tn {
	case "float":
		t = record.Float32
	case "double":
		t = record.Float64
	case "float32", "float64":
		return nil, dataErr("Unknown schema type: %s", tn)
	default:
		if t, ok = record.ParseType(tn); !ok {
			return nil, dataErr("Unknown schema type: %s", tn)
		}
	}
	b := record.NewSchemaBuilder(t)
	switch t {
	case record.Array:
		items := obj["items"]
		if items == nil {
			return nil, dataErr("Array schema did not specify the element type")
		}
		elem, err := c.toSchema(items, depth+1)
		if err != nil {
			return nil, at(err, "items")
		}
		b = record.NewArraySchema(elem)
	case record.Map:
		kn, hasK := obj["keys"]
		vn, hasV := obj["values"]
		if !hasK || kn == nil {
			return nil, dataErr("Map schema did not specify the key type")
		}
		if !hasV || vn == nil {
			return nil, dataErr("Map schema did not specify the value type")
		}
		ks, err := c.toSchema(kn, depth+1)
		if err != nil {
			return nil, at(err, "keys")
		}
		vs, err := c.toSchema(vn, depth+1)
		if err != nil {
			return nil, at(err, "values")
		}
		b = record.NewMapSchema(ks, vs)
	case record.StructType:
		fields, ok := obj["fields"].([]any)
		if !ok {
			return nil, dataErr(`Struct schema's "fields" argument is not an array.`)
		}
		for _, f := range fields {
			fo, _ := f.(map[string]any)
			name, ok := fo["field"].(string)
			if !ok {
				return nil, dataErr("Struct schema's field name not specified properly")
			}
			fs, err := c.toSchema(fo, depth+1)
			if err != nil {
				return nil, at(err, name)
			}
			b.Field(name, fs)
		}
	}
	if opt, _ := obj["optional"].(bool); opt {
		b.Optional()
	}
	if name, ok := obj["name"].(string); ok {
		b.Name(name)
	}
	if v, ok := obj["version"].(json.Number); ok && isIntegral(v) {
		n, err := strconv.ParseInt(string(v), 10, 32)
		if err != nil {
			return nil, dataErr("schema version %s out of range", v)
		}
		b.Version(int32(n))
	}
	if doc, ok := obj["doc"].(string); ok {
		b.Doc(doc)
	}
	if params, ok := obj["parameters"].(map[string]any); ok {
		b.Parameters(map[string]string{}) // present, even if empty
		for k, v := range params {
			s, ok := v.(string)
			if !ok {
				return nil, dataErr("Schema parameters must have string values.")
			}
			b.Parameter(k, s)
		}
	}
	if dn, ok := obj["default"]; ok {
		partial, err := b.TryBuild()
		if err != nil {
			return nil, dataErr("%v", err)
		}
		def, err := c.toValue(partial, dn)
		if err != nil {
			return nil, at(err, "default")
		}
		b.Default(def)
	}
	s, err := b.TryBuild()
	if err != nil {
		return nil, dataErr("%v", err)
	}
	return s, nil
}

func isIntegral(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// toValue is convertToConnect.
func (c *JSONConverter) toValue(s *record.Schema, node any) (any, error) {
	if s == nil {
		return c.schemaless(node, 0)
	}
	if node == nil {
		switch {
		case s.Default != nil && c.replaceNull:
			return s.Default, nil
		case s.Optional:
			return nil, nil
		}
		return nil, dataErr("invalid null value for required %s field", kafkaTypeName(s.Type))
	}
	switch record.LogicalOf(s) {
	case record.LogicalDecimal:
		return toDecimal(s, node)
	case record.LogicalDate, record.LogicalTime:
		n, ok := node.(json.Number)
		if !ok || !isIntegral(n) {
			return nil, dataErr("invalid type for %s, underlying representation should be integer but was %s", s.Name, jsonKind(node))
		}
		x, err := strconv.ParseInt(string(n), 10, 32)
		if err != nil {
			return nil, dataErr("invalid value for %s: %s is not an int32", s.Name, n)
		}
		v, err := record.ToLogical(s, int32(x))
		if err != nil {
			return nil, dataErr("%v", err)
		}
		return v, nil
	case record.LogicalTimestamp:
		n, ok := node.(json.Number)
		if !ok || !isIntegral(n) {
			return nil, dataErr("invalid type for %s, underlying representation should be integral but was %s", s.Name, jsonKind(node))
		}
		x, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, dataErr("invalid value for %s: %s is not an int64", s.Name, n)
		}
		v, _ := record.ToLogical(s, x)
		return v, nil
	}
	switch s.Type {
	case record.Int8, record.Int16, record.Int32, record.Int64:
		n, ok := node.(json.Number)
		if !ok || !isIntegral(n) {
			return nil, dataErr("expected an integer for %s, found %s", kafkaTypeName(s.Type), jsonKind(node))
		}
		bits := map[record.Type]int{record.Int8: 8, record.Int16: 16, record.Int32: 32, record.Int64: 64}[s.Type]
		x, err := strconv.ParseInt(string(n), 10, bits)
		if err != nil {
			return nil, dataErr("%s out of range for %s", n, kafkaTypeName(s.Type))
		}
		switch s.Type {
		case record.Int8:
			return int8(x), nil
		case record.Int16:
			return int16(x), nil
		case record.Int32:
			return int32(x), nil
		}
		return x, nil
	case record.Float32, record.Float64:
		bits := 64
		if s.Type == record.Float32 {
			bits = 32
		}
		f, err := toFloat(node, bits)
		if err != nil {
			return nil, err
		}
		if bits == 32 {
			return float32(f), nil
		}
		return f, nil
	case record.Boolean:
		b, ok := node.(bool)
		if !ok {
			return nil, dataErr("expected a boolean, found %s", jsonKind(node))
		}
		return b, nil
	case record.String:
		str, ok := node.(string)
		if !ok {
			return nil, dataErr("expected a string, found %s", jsonKind(node))
		}
		return str, nil
	case record.Bytes:
		str, ok := node.(string)
		if !ok {
			return nil, dataErr("expected base64 bytes, found %s", jsonKind(node))
		}
		b, err := decodeBase64(str)
		if err != nil {
			return nil, dataErr("invalid bytes field: %v", err)
		}
		return b, nil
	case record.Array:
		arr, ok := node.([]any)
		if !ok {
			return nil, dataErr("expected an array, found %s", jsonKind(node))
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			v, err := c.toValue(s.ValueSchema, e)
			if err != nil {
				return nil, at(err, "["+strconv.Itoa(i)+"]")
			}
			out[i] = v
		}
		return out, nil
	case record.Map:
		out := make(map[any]any)
		if s.KeySchema.Type == record.String {
			obj, ok := node.(map[string]any)
			if !ok {
				return nil, dataErr("Maps with string fields should be encoded as JSON objects, but found %s", jsonKind(node))
			}
			for k, e := range obj {
				v, err := c.toValue(s.ValueSchema, e)
				if err != nil {
					return nil, at(err, "["+strconv.Quote(k)+"]")
				}
				out[k] = v
			}
			return out, nil
		}
		arr, ok := node.([]any)
		if !ok {
			return nil, dataErr("Maps with non-string fields should be encoded as JSON array of tuples, but found %s", jsonKind(node))
		}
		for i, e := range arr {
			pair, ok := e.([]any)
			if !ok || len(pair) != 2 {
				return nil, at(dataErr("invalid map entry, expected an array of length 2"), "["+strconv.Itoa(i)+"]")
			}
			k, err := c.toValue(s.KeySchema, pair[0])
			if err != nil {
				return nil, at(err, "["+strconv.Itoa(i)+"]")
			}
			if err := checkMapKey(k); err != nil {
				return nil, at(err, "["+strconv.Itoa(i)+"]")
			}
			v, err := c.toValue(s.ValueSchema, pair[1])
			if err != nil {
				return nil, at(err, "["+strconv.Itoa(i)+"]")
			}
			out[k] = v
		}
		return out, nil
	case record.StructType:
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, dataErr("Structs should be encoded as JSON objects, but found %s", jsonKind(node))
		}
		st := record.NewStruct(s)
		for i, f := range s.Fields {
			v, err := c.toValue(f.Schema, obj[f.Name])
			if err != nil {
				return nil, at(err, f.Name)
			}
			st.PutAt(i, v)
		}
		return st, nil
	}
	return nil, dataErr("unknown schema type %d", s.Type)
}

// schemaless maps JSON to Go as Kafka does without a schema: integers to
// int64, other numbers to float64, objects to map[string]any.
func (c *JSONConverter) schemaless(node any, depth int) (any, error) {
	if depth > record.MaxDepth {
		return nil, dataErr("value nested deeper than %d", record.MaxDepth)
	}
	switch x := node.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		if isIntegral(x) {
			n, err := strconv.ParseInt(string(x), 10, 64)
			if err != nil {
				return nil, dataErr("integer %s out of range for int64", x)
			}
			return n, nil
		}
		return toFloat(x, 64)
	case []any:
		for i, e := range x {
			v, err := c.schemaless(e, depth+1)
			if err != nil {
				return nil, at(err, "["+strconv.Itoa(i)+"]")
			}
			x[i] = v
		}
		return x, nil
	case map[string]any:
		for k, e := range x {
			v, err := c.schemaless(e, depth+1)
			if err != nil {
				return nil, at(err, "["+strconv.Quote(k)+"]")
			}
			x[k] = v
		}
		return x, nil
	}
	return nil, dataErr("unexpected JSON value %T", node)
}

func toFloat(node any, bits int) (float64, error) {
	switch x := node.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), bits)
		if err != nil {
			return 0, dataErr("number %s out of range for a %d-bit float", x, bits)
		}
		return f, nil
	case string: // what Jackson writes for non-finite numbers
		switch x {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	return 0, dataErr("expected a number, found %s", jsonKind(node))
}

func toDecimal(s *record.Schema, node any) (any, error) {
	scale, err := record.DecimalScale(s)
	if err != nil {
		return nil, dataErr("%v", err)
	}
	switch x := node.(type) {
	case json.Number:
		d, err := parseDecimalLiteral(string(x))
		if err != nil {
			return nil, err
		}
		return rescale(d, scale)
	case string:
		b, err := decodeBase64(x)
		if err != nil || len(b) == 0 {
			return nil, dataErr("invalid bytes for Decimal field")
		}
		u, _ := record.DecimalFromBytes(b)
		return record.Decimal{Unscaled: u, Scale: scale}, nil
	}
	return nil, dataErr("invalid type for Decimal, underlying representation should be numeric or bytes but was %s", jsonKind(node))
}

// parseDecimalLiteral parses a JSON number exactly: digits, an optional
// fraction and exponent.
func parseDecimalLiteral(s string) (record.Decimal, error) {
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return record.Decimal{}, dataErr("invalid decimal %s", s)
		}
		mant, exp = s[:i], e
	}
	d, err := record.ParseDecimal(mant)
	if err != nil {
		return record.Decimal{}, dataErr("invalid decimal %s", s)
	}
	sc := int64(d.Scale) - exp
	if sc < math.MinInt32 || sc > math.MaxInt32 {
		return record.Decimal{}, dataErr("decimal %s out of range", s)
	}
	d.Scale = int32(sc)
	return d, nil
}

// rescale returns d with the given scale, or an error if that would round.
func rescale(d record.Decimal, scale int32) (record.Decimal, error) {
	diff := int64(scale) - int64(d.Scale)
	switch {
	case diff == 0:
		return d, nil
	case diff > 0:
		if diff > 1000 {
			return record.Decimal{}, dataErr("decimal %s cannot take scale %d", d, scale)
		}
		m := new(big.Int).Exp(big.NewInt(10), big.NewInt(diff), nil)
		return record.Decimal{Unscaled: m.Mul(m, d.Unscaled), Scale: scale}, nil
	}
	if -diff > 1000 {
		return record.Decimal{}, dataErr("decimal %s cannot take scale %d without rounding", d, scale)
	}
	m := new(big.Int).Exp(big.NewInt(10), big.NewInt(-diff), nil)
	q, r := new(big.Int).QuoRem(d.Unscaled, m, new(big.Int))
	if r.Sign() != 0 {
		return record.Decimal{}, dataErr("decimal %s cannot take scale %d without rounding", d, scale)
	}
	return record.Decimal{Unscaled: q, Scale: scale}, nil
}

func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b2, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b2, nil
		}
	}
	return b, err
}

// jsonKind names a JSON value's kind as Jackson's JsonNodeType does.
func jsonKind(node any) string {
	switch node.(type) {
	case nil:
		return "NULL"
	case bool:
		return "BOOLEAN"
	case json.Number:
		return "NUMBER"
	case string:
		return "STRING"
	case []any:
		return "ARRAY"
	case map[string]any:
		return "OBJECT"
	}
	return "UNKNOWN"
}

// checkMapKey rejects keys a Go map cannot hold or find again.
func checkMapKey(k any) error {
	switch x := k.(type) {
	case []byte, []any, map[any]any:
		return dataErr("map key of type %T cannot be a Go map key", k)
	case float32:
		if math.IsNaN(float64(x)) {
			return dataErr("NaN map key")
		}
	case float64:
		if math.IsNaN(x) {
			return dataErr("NaN map key")
		}
	}
	return nil
}
