package convert

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

func mustNew(t testing.TB, class string, props map[string]string) Converter {
	t.Helper()
	c, err := New(class, false, props)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Cases from Kafka's JsonConverterTest *ToConnect tests (named after them).
func TestJSONToRecord(t *testing.T) {
	epoch := time.Unix(0, 0).UTC()
	dec := func(u int64, s int32) record.Decimal { return record.Decimal{Unscaled: big.NewInt(u), Scale: s} }
	hp, _ := record.ParseDecimal("1.23456789123456789")
	struct2 := record.NewStructSchema("").Field("field1", record.BooleanSchema()).Field("field2", record.StringSchema()).Build()
	optStruct := record.NewStructSchema("").Field("optional", record.OptionalStringSchema()).Field("required", record.StringSchema()).Build()
	tests := []struct {
		name   string
		props  map[string]string
		in     string
		schema *record.Schema
		value  any
	}{
		{"booleanToConnect", nil, `{ "schema": { "type": "boolean" }, "payload": true }`, record.BooleanSchema(), true},
		{"testConnectSchemaMetadataTranslation/optional", nil, `{ "schema": { "type": "boolean", "optional": true }, "payload": null }`, record.OptionalBooleanSchema(), nil},
		{"testConnectSchemaMetadataTranslation/default", nil, `{ "schema": { "type": "boolean", "default": true }, "payload": null }`,
			record.NewSchemaBuilder(record.Boolean).Default(true).Build(), true},
		{"testConnectSchemaMetadataTranslation/metadata", nil,
			`{ "schema": { "type": "boolean", "optional": false, "name": "bool", "version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}, "payload": true }`,
			record.NewSchemaBuilder(record.Boolean).Name("bool").Version(2).Doc("the documentation").Parameter("foo", "bar").Build(), true},
		{"byteToConnect", nil, `{ "schema": { "type": "int8" }, "payload": 12 }`, record.Int8Schema(), int8(12)},
		{"shortToConnect", nil, `{ "schema": { "type": "int16" }, "payload": 12 }`, record.Int16Schema(), int16(12)},
		{"intToConnect", nil, `{ "schema": { "type": "int32" }, "payload": 12 }`, record.Int32Schema(), int32(12)},
		{"longToConnect", nil, `{ "schema": { "type": "int64" }, "payload": 4398046511104 }`, record.Int64Schema(), int64(4398046511104)},
		{"floatToConnect", nil, `{ "schema": { "type": "float" }, "payload": 12.34 }`, record.Float32Schema(), float32(12.34)},
		{"doubleToConnect", nil, `{ "schema": { "type": "double" }, "payload": 12.34 }`, record.Float64Schema(), 12.34},
		{"bytesToConnect", nil, `{ "schema": { "type": "bytes" }, "payload": "dGVzdC1zdHJpbmc=" }`, record.BytesSchema(), []byte("test-string")},
		{"stringToConnect", nil, `{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }`, record.StringSchema(), "foo-bar-baz"},
		{"arrayToConnect", nil, `{ "schema": { "type": "array", "items": { "type" : "int32" } }, "payload": [1, 2, 3] }`,
			record.ArraySchema(record.Int32Schema()), []any{int32(1), int32(2), int32(3)}},
		{"mapToConnectStringKeys", nil, `{ "schema": { "type": "map", "keys": { "type" : "string" }, "values": { "type" : "int32" } }, "payload": { "key1": 12, "key2": 15} }`,
			record.MapSchema(record.StringSchema(), record.Int32Schema()), map[any]any{"key1": int32(12), "key2": int32(15)}},
		{"mapToConnectNonStringKeys", nil, `{ "schema": { "type": "map", "keys": { "type" : "int32" }, "values": { "type" : "int32" } }, "payload": [ [1, 12], [2, 15] ] }`,
			record.MapSchema(record.Int32Schema(), record.Int32Schema()), map[any]any{int32(1): int32(12), int32(2): int32(15)}},
		{"structToConnect", nil, `{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string" }] }, "payload": { "field1": true, "field2": "string" } }`,
			struct2, record.NewStruct(struct2).Put("field1", true).Put("field2", "string")},
		{"structWithOptionalFieldToConnect", nil, `{ "schema": { "type": "struct", "fields": [{ "field":"optional", "type": "string", "optional": true }, {  "field": "required", "type": "string" }] }, "payload": { "required": "required" } }`,
			optStruct, record.NewStruct(optStruct).Put("required", "required")},
		{"emptyBytesToConnect", map[string]string{"schemas.enable": "false"}, ``, nil, nil},
		{"schemalessWithEmptyFieldValueToConnect", map[string]string{"schemas.enable": "false"}, `{ "a": "", "b": null}`, nil, map[string]any{"a": "", "b": nil}},
		{"nullSchemaPrimitiveToConnect/null", nil, `{ "schema": null, "payload": null }`, nil, nil},
		{"nullSchemaPrimitiveToConnect/bool", nil, `{ "schema": null, "payload": true }`, nil, true},
		{"nullSchemaPrimitiveToConnect/int", nil, `{ "schema": null, "payload": 12 }`, nil, int64(12)},
		{"nullSchemaPrimitiveToConnect/float", nil, `{ "schema": null, "payload": 12.24 }`, nil, 12.24},
		{"nullSchemaPrimitiveToConnect/string", nil, `{ "schema": null, "payload": "a string" }`, nil, "a string"},
		{"nullSchemaPrimitiveToConnect/array", nil, `{ "schema": null, "payload": [1, "2", 3] }`, nil, []any{int64(1), "2", int64(3)}},
		{"nullSchemaPrimitiveToConnect/map", nil, `{ "schema": null, "payload": { "field1": 1, "field2": 2} }`, nil, map[string]any{"field1": int64(1), "field2": int64(2)}},
		{"decimalToConnect", nil, `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": "AJw=" }`,
			record.DecimalSchema(2), dec(156, 2)},
		{"decimalToConnectOptional", nil, `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "optional": true, "parameters": { "scale": "2" } }, "payload": null }`,
			record.OptionalDecimalSchema(2), nil},
		{"decimalToConnectWithDefaultValue", nil, `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "default": "AJw=", "parameters": { "scale": "2" } }, "payload": null }`,
			record.BuilderFrom(record.DecimalSchema(2)).Default(dec(156, 2)).Build(), dec(156, 2)},
		{"numericDecimalToConnect", nil, `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": 1.56 }`,
			record.DecimalSchema(2), dec(156, 2)},
		{"numericDecimalWithTrailingZerosToConnect", nil, `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "4" } }, "payload": 1.5600 }`,
			record.DecimalSchema(4), dec(15600, 4)},
		{"highPrecisionNumericDecimalToConnect", nil, `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "17" } }, "payload": 1.23456789123456789 }`,
			record.DecimalSchema(17), hp},
		{"dateToConnect", nil, `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 }, "payload": 10000 }`,
			record.DateSchema(), epoch.AddDate(0, 0, 10000)},
		{"dateToConnectWithDefaultValue", nil, `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1, "default": 0 }, "payload": null }`,
			record.BuilderFrom(record.DateSchema()).Default(epoch).Build(), epoch},
		{"timeToConnect", nil, `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 }, "payload": 14400000 }`,
			record.TimeSchema(), epoch.Add(4 * time.Hour)},
		{"timestampToConnect", nil, `{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1 }, "payload": 4000000000 }`,
			record.TimestampSchema(), epoch.Add(4000000000 * time.Millisecond)},
		{"timestampToConnectOptionalWithDefaultValue", nil, `{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1,  "optional": true, "default": 42 }, "payload": null }`,
			record.BuilderFrom(record.OptionalTimestampSchema()).Default(epoch.Add(42 * time.Millisecond)).Build(), epoch.Add(42 * time.Millisecond)},
		{"noSchemaToConnect", map[string]string{"schemas.enable": "false"}, `true`, nil, true},
		{"deserializeNullToDefault", map[string]string{"replace.null.with.default": "true"}, `{"schema":{"type":"string","optional":true,"default":"default"},"payload":null}`,
			record.NewSchemaBuilder(record.String).Optional().Default("default").Build(), "default"},
		{"deserializeNullToNull", map[string]string{"replace.null.with.default": "false"}, `{"schema":{"type":"string","optional":true,"default":"default"},"payload":null}`,
			record.NewSchemaBuilder(record.String).Optional().Default("default").Build(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v, err := mustNew(t, "json", tt.props).ToRecord("topic", []byte(tt.in))
			if err != nil {
				t.Fatalf("ToRecord: %v", err)
			}
			if !s.Equal(tt.schema) {
				t.Errorf("schema %s, want %s", s, tt.schema)
			}
			if !record.ValuesEqual(v, tt.value) {
				t.Errorf("value %#v, want %#v", v, tt.value)
			}
		})
	}
}

func TestJSONNulls(t *testing.T) {
	for _, enabled := range []string{"true", "false"} {
		c := mustNew(t, "json", map[string]string{"schemas.enable": enabled})
		// nullSchemaAndNullValueToJson, nullValueToJson: a tombstone stays one.
		if b, err := c.FromRecord("t", nil, nil); b != nil || err != nil {
			t.Errorf("schemas.enable=%s: FromRecord(nil, nil) = %q, %v", enabled, b, err)
		}
		// nullToConnect
		if s, v, err := c.ToRecord("t", nil); s != nil || v != nil || err != nil {
			t.Errorf("schemas.enable=%s: ToRecord(nil) = %v, %v, %v", enabled, s, v, err)
		}
	}
	c := mustNew(t, "json", map[string]string{"schemas.enable": "false"})
	if b, err := c.FromRecord("t", record.OptionalInt32Schema(), nil); string(b) != "null" || err != nil {
		t.Errorf("optional null without envelope = %q, %v", b, err)
	}
}

func TestJSONErrorsNamePath(t *testing.T) {
	inner := record.NewStructSchema("In").Field("zip", record.Int32Schema()).Build()
	outer := record.NewStructSchema("Out").Field("addr", inner).Field("list", record.ArraySchema(record.StringSchema())).Build()
	c := mustNew(t, "json", nil)
	for _, tt := range []struct {
		name   string
		schema *record.Schema
		value  any
		path   string
	}{
		// mismatchSchemaJson
		{"mismatch", record.Float64Schema(), true, ""},
		{"nested field", outer, record.NewStruct(outer).Put("addr", record.NewStruct(inner).Put("zip", "x")).Put("list", []any{}), "addr.zip"},
		{"required null", outer, record.NewStruct(outer).Put("addr", record.NewStruct(inner)).Put("list", []any{}), "addr.zip"},
		{"array elem", outer, record.NewStruct(outer).Put("addr", record.NewStruct(inner).Put("zip", int32(1))).Put("list", []any{"a", 1}), "list[1]"},
		// decimalToJsonWithoutSchema
		{"decimal without schema", nil, record.NewDecimal(1, 0), ""},
		{"struct without schema", nil, record.NewStruct(inner), ""},
		{"decimal scale", record.DecimalSchema(2), record.NewDecimal(1, 3), ""},
	} {
		_, err := c.FromRecord("t", tt.schema, tt.value)
		var de *DataError
		if !errors.As(err, &de) || de.Path != tt.path {
			t.Errorf("%s: FromRecord error %v, want path %q", tt.name, err, tt.path)
		}
	}
	for _, tt := range []struct {
		in, path string
	}{
		{`{"schema":{"type":"struct","fields":[{"field":"a","type":"struct","fields":[{"field":"b","type":"int8"}]}]},"payload":{"a":{"b":300}}}`, "a.b"},
		{`{"schema":{"type":"array","items":{"type":"int32"}},"payload":[1,"x"]}`, "[1]"},
		{`{"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"boolean"}},"payload":{"k":1}}`, `["k"]`},
		{`{"schema":{"type":"struct","fields":[{"field":"a","type":"string"}]},"payload":{}}`, "a"},
		{`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time"},"payload":-1}`, ""},
		{`{"schema":{"type":"nope"},"payload":1}`, "(schema)"},
		{`{"schema":{"type":"int32"},"payload":1,"extra":2}`, ""},
		{`{"schema":null,"payload":1} x`, ""},
	} {
		_, _, err := c.ToRecord("t", []byte(tt.in))
		var de *DataError
		if !errors.As(err, &de) || de.Path != tt.path {
			t.Errorf("ToRecord(%s) error %v, want path %q", tt.in, err, tt.path)
		}
	}
}

func TestJSONSchemaCache(t *testing.T) {
	c := mustNew(t, "json", nil).(*JSONConverter)
	in := []byte(`{"schema":{"type":"struct","fields":[{"field":"a","type":"int64"}]},"payload":{"a":1}}`)
	s1, _, err := c.ToRecord("t", in)
	if err != nil {
		t.Fatal(err)
	}
	s2, _, _ := c.ToRecord("t", in)
	if s1 != s2 {
		t.Error("the same schema JSON gave two *Schema")
	}
	small := mustNew(t, "json", map[string]string{"schemas.cache.size": "1"}).(*JSONConverter)
	for i := range 5 {
		in := []byte(`{"schema":{"type":"int32","version":` + string(rune('1'+i)) + `},"payload":1}`)
		if _, _, err := small.ToRecord("t", in); err != nil {
			t.Fatal(err)
		}
		if _, err := small.FromRecord("t", record.NewSchemaBuilder(record.Int32).Version(int32(i+1)).Build(), int32(1)); err != nil {
			t.Fatal(err)
		}
	}
	small.mu.Lock()
	defer small.mu.Unlock()
	if len(small.mu.toSchema) > 1 || len(small.mu.toJSON) > 1 {
		t.Errorf("cache grew past schemas.cache.size: %d, %d", len(small.mu.toSchema), len(small.mu.toJSON))
	}
}

// TestJSONFieldKeys: struct values are written the same with the field-key
// cache as without it (schemas.cache.size=0), for names that need escaping
// too, and the cache stays within schemas.cache.size.
func TestJSONFieldKeys(t *testing.T) {
	inner := record.NewStructSchema("in").Field(`q"uote`, record.StringSchema()).Field("é\n\t", record.Int64Schema()).Build()
	outer := record.NewStructSchema("out").Field("in", inner).Field("\u0001", record.OptionalStringSchema()).Build()
	v := record.NewStruct(outer).Put("in", record.NewStruct(inner).Put(`q"uote`, "x").Put("é\n\t", int64(5))).Put("\u0001", "y")
	for _, schemas := range []string{"true", "false"} {
		cached := mustNew(t, "json", map[string]string{"schemas.enable": schemas, "schemas.cache.size": "1"}).(*JSONConverter)
		plain := mustNew(t, "json", map[string]string{"schemas.enable": schemas, "schemas.cache.size": "0"}).(*JSONConverter)
		want, err := plain.FromRecord("t", outer, v)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			got, err := cached.FromRecord("t", outer, v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("schemas.enable=%s: with the key cache\n%s\nwithout\n%s", schemas, got, want)
			}
		}
		if n := cached.keys.n.Load(); n > 1 {
			t.Errorf("key cache holds %d schemas, schemas.cache.size is 1", n)
		}
	}
}

func TestNew(t *testing.T) {
	for _, class := range []string{JSONClass, "JsonConverter", "json", StringClass, "string", ByteArrayClass, "bytes", "ByteArrayConverter"} {
		if _, err := New(class, true, nil); err != nil {
			t.Errorf("New(%q): %v", class, err)
		}
	}
	if _, err := New("com.example.Avro", false, nil); err == nil || !strings.Contains(err.Error(), "com.example.Avro") {
		t.Errorf("unknown class: %v", err)
	}
	for _, props := range []map[string]string{
		{"schemas.enable": "yes"}, {"decimal.format": "HEX"}, {"schemas.cache.size": "x"}, {"replace.null.with.default": ""},
	} {
		if _, err := New("json", false, props); err == nil {
			t.Errorf("New(json, %v) accepted", props)
		}
	}
	if _, err := New("json", false, map[string]string{"schemas.enable": "FALSE", "decimal.format": "numeric", "unknown.key": "x"}); err != nil {
		t.Errorf("case-insensitive values, unknown keys: %v", err)
	}
	if keys, err := Config("json"); err != nil || len(keys) != 4 {
		t.Errorf("Config(json) = %v, %v", keys, err)
	}
}

func TestStringConverter(t *testing.T) {
	s := record.NewStructSchema("S").Field("a", record.Int32Schema()).Field("b", record.OptionalStringSchema()).Field("c", record.ArraySchema(record.Float64Schema())).Build()
	c := mustNew(t, "string", nil)
	for _, tt := range []struct {
		v    any
		want string
	}{
		{"héllo", "héllo"}, {int32(42), "42"}, {int64(-1), "-1"}, {1.0, "1.0"}, {float32(0.1), "0.1"}, {true, "true"},
		{record.NewDecimal(156, 2), "1.56"}, {[]any{int64(1), "a", nil}, "[1, a, null]"},
		{map[string]any{"key1": int64(1), "key2": "x"}, "{key1=1, key2=x}"},
		{record.NewStruct(s).Put("a", int32(1)).Put("c", []any{2.5}), "Struct{a=1,c=[2.5]}"},
		{[]byte("raw"), "raw"},
	} {
		b, err := c.FromRecord("t", nil, tt.v)
		if err != nil || string(b) != tt.want {
			t.Errorf("FromRecord(%#v) = %q, %v; want %q", tt.v, b, err, tt.want)
		}
	}
	if b, err := c.FromRecord("t", record.StringSchema(), nil); b != nil || err != nil {
		t.Errorf("FromRecord(nil) = %q, %v", b, err)
	}
	schema, v, err := c.ToRecord("t", []byte("héllo"))
	if err != nil || v != "héllo" || !schema.Equal(record.OptionalStringSchema()) {
		t.Errorf("ToRecord = %v, %v, %v", schema, v, err)
	}
	if schema, v, _ := c.ToRecord("t", nil); v != nil || schema == nil {
		t.Errorf("ToRecord(nil) = %v, %v", schema, v)
	}
	latin := mustNew(t, "string", map[string]string{"converter.encoding": "ISO-8859-1"})
	if b, _ := latin.FromRecord("t", nil, "é€"); string(b) != "\xe9?" {
		t.Errorf("latin1 FromRecord = %q", b)
	}
	if _, v, _ := latin.ToRecord("t", []byte("\xe9")); v != "é" {
		t.Errorf("latin1 ToRecord = %q", v)
	}
	if _, err := New("string", false, map[string]string{"converter.encoding": "EBCDIC"}); err == nil {
		t.Error("unsupported encoding accepted")
	}
}

func TestByteArrayConverter(t *testing.T) {
	c := mustNew(t, "bytes", nil)
	if b, err := c.FromRecord("t", record.BytesSchema(), []byte{1, 2}); err != nil || string(b) != "\x01\x02" {
		t.Errorf("FromRecord = %v, %v", b, err)
	}
	if b, err := c.FromRecord("t", nil, nil); b != nil || err != nil {
		t.Errorf("FromRecord(nil) = %v, %v", b, err)
	}
	if _, err := c.FromRecord("t", record.StringSchema(), "x"); err == nil || !strings.Contains(err.Error(), "STRING") {
		t.Errorf("string schema: %v", err)
	}
	if _, err := c.FromRecord("t", nil, "x"); err == nil {
		t.Error("string value accepted")
	}
	s, v, err := c.ToRecord("t", []byte{3})
	if err != nil || !s.Equal(record.OptionalBytesSchema()) || !record.ValuesEqual(v, []byte{3}) {
		t.Errorf("ToRecord = %v, %v, %v", s, v, err)
	}
	if _, v, _ := c.ToRecord("t", nil); v != nil {
		t.Errorf("ToRecord(nil) value %#v", v)
	}
}
