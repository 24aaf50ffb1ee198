package record

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
)

func userSchema() *Schema {
	addr := NewStructSchema("com.example.Address").Optional().
		Field("street", StringSchema()).
		Field("zip", OptionalInt32Schema()).
		Build()
	return NewStructSchema("com.example.User").Version(3).Doc("a user").
		Field("id", Int64Schema()).
		Field("name", StringSchema()).
		Field("email", OptionalStringSchema()).
		Field("age", Int32Schema()).
		Field("score", Float64Schema()).
		Field("active", BooleanSchema()).
		Field("created", TimestampSchema()).
		Field("address", addr).
		Build()
}

func user(id int64) *Struct {
	s := userSchema()
	addr := NewStruct(s.Field("address").Schema).Put("street", "1 Main St").Put("zip", int32(12345))
	return NewStruct(s).Put("id", id).Put("name", "Ada Lovelace").Put("email", "ada@example.com").
		Put("age", int32(36)).Put("score", 99.5).Put("active", true).
		Put("created", time.UnixMilli(1700000000123).UTC()).Put("address", addr)
}

func bigDec(s string, scale int32) Decimal {
	u, _ := new(big.Int).SetString(s, 10)
	return Decimal{Unscaled: u, Scale: scale}
}

func TestRoundTrip(t *testing.T) {
	withDefault := NewSchemaBuilder(Int32).Default(int32(7)).Build()
	structDefault := NewStructSchema("D").Field("a", Int8Schema()).Build()
	structDefault = BuilderFrom(structDefault).Default(NewStruct(structDefault).Put("a", int8(1))).Build()
	empty := NewStructSchema("Empty").Build()
	mapSchema := MapSchema(StringSchema(), OptionalInt64Schema())
	intKeyMap := MapSchema(Int32Schema(), ArraySchema(StringSchema()))
	nested := NewStructSchema("Outer").
		Field("inner", NewStructSchema("Inner").Field("x", Float32Schema()).Build()).
		Field("list", ArraySchema(NewStructSchema("Item").Field("n", Int16Schema()).Build())).
		Field("m", mapSchema).
		Build()
	nestedVal := NewStruct(nested).
		Put("inner", NewStruct(nested.Fields[0].Schema).Put("x", float32(1.5))).
		Put("list", []any{
			NewStruct(nested.Fields[1].Schema.ValueSchema).Put("n", int16(-3)),
			NewStruct(nested.Fields[1].Schema.ValueSchema).Put("n", int16(math.MaxInt16)),
		}).
		Put("m", map[any]any{"a": int64(1), "b": nil})

	tests := []struct {
		name   string
		schema *Schema
		value  any
	}{
		{"int8", Int8Schema(), int8(-128)},
		{"int16", Int16Schema(), int16(math.MinInt16)},
		{"int32", Int32Schema(), int32(math.MaxInt32)},
		{"int64", Int64Schema(), int64(math.MinInt64)},
		{"float32", Float32Schema(), float32(-3.25)},
		{"float64", Float64Schema(), math.Inf(-1)},
		{"float64 NaN", Float64Schema(), math.NaN()},
		{"boolean", BooleanSchema(), false},
		{"string", StringSchema(), "héllo\x00"},
		{"empty string", StringSchema(), ""},
		{"bytes", BytesSchema(), []byte{0, 1, 2, 255}},
		{"empty bytes", BytesSchema(), []byte{}},
		{"optional null", OptionalStringSchema(), nil},
		{"optional set", OptionalInt64Schema(), int64(5)},
		{"default null", withDefault, nil},
		{"default set", withDefault, int32(9)},
		{"struct default", structDefault, nil},
		{"array", ArraySchema(OptionalInt32Schema()), []any{int32(1), nil, int32(3)}},
		{"empty array", ArraySchema(Int32Schema()), []any{}},
		{"map string keys", mapSchema, map[any]any{"x": int64(1), "y": nil}},
		{"map int keys", intKeyMap, map[any]any{int32(1): []any{"a"}, int32(-2): []any{}}},
		{"struct", userSchema(), user(1)},
		{"struct with null optional", userSchema(), user(2).Put("email", nil).Put("address", nil)},
		{"empty struct", empty, NewStruct(empty)},
		{"nested", nested, nestedVal},
		{"decimal", DecimalSchema(2), NewDecimal(-12345, 2)},
		{"decimal zero", DecimalSchema(0), NewDecimal(0, 0)},
		{"decimal big", DecimalSchema(10), bigDec("-123456789012345678901234567890", 10)},
		{"optional decimal null", OptionalDecimalSchema(3), nil},
		{"date", DateSchema(), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"date before epoch", DateSchema(), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"time", TimeSchema(), time.UnixMilli(12*3600*1000 + 345).UTC()},
		{"timestamp", TimestampSchema(), time.UnixMilli(-1).UTC()},
		{"optional timestamp", OptionalTimestampSchema(), nil},
		{"named non-logical", NewSchemaBuilder(String).Name("x.y").Parameter("k", "v").Build(), "s"},
		{"schemaless nil", nil, nil},
		{"schemaless scalars", nil, []any{true, false, int8(1), int16(2), int32(3), int64(4), float32(5), 6.5, "s", []byte("b")}},
		{"schemaless map", nil, map[string]any{"a": []any{int64(1), map[string]any{"b": nil}}, "c": "d"}},
		{"schemaless any map", nil, map[any]any{int64(1): "one", "two": int64(2), true: nil}},
		{"schemaless struct", nil, user(3)},
		{"schemaless decimal", nil, bigDec("170141183460469231731687303715884105728", 5)},
		{"schemaless time", nil, time.Unix(1700000000, 123456789).UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Validate(tt.schema, tt.value); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			in := []Record{
				{Topic: "t", Partition: -1, ValueSchema: tt.schema, Value: tt.value},
				{Topic: "t", Partition: 7, KeySchema: tt.schema, Key: tt.value, ValueSchema: tt.schema, Value: tt.value,
					Headers: []Header{{Key: "h", Schema: tt.schema, Value: tt.value}}},
			}
			got := roundTrip(t, in)
			for i := range in {
				assertRecordEqual(t, in[i], got[i])
			}
			if got[1].ValueSchema != nil && got[0].ValueSchema != got[1].ValueSchema {
				t.Errorf("schema not interned: %p != %p", got[0].ValueSchema, got[1].ValueSchema)
			}
		})
	}
}

func TestRoundTripRecordFields(t *testing.T) {
	in := []Record{
		{Topic: "orders", Partition: 3, Timestamp: time.Unix(1700000000, 123456789), Offset: 42,
			SourcePartition: map[string]any{"filename": "/x", "shard": int64(2)},
			SourceOffset:    map[string]any{"position": int64(1234), "lsn": []any{"0/16B3748", 3.5}, "done": false, "n": nil},
			Headers: []Header{
				{Key: "trace", Value: []byte("abc")},
				{Key: "trace", Schema: StringSchema(), Value: "dup key"},
				{Key: "n", Schema: OptionalInt64Schema()},
			}},
		{Topic: "orders", Partition: 0, Timestamp: time.UnixMilli(-5), SourcePartition: map[string]any{}},
		{Topic: "", Partition: math.MinInt32, Offset: -1},
		{Topic: strings.Repeat("long", 100), Partition: math.MaxInt32, Timestamp: time.Unix(0, 1)},
	}
	got := roundTrip(t, in)
	for i := range in {
		assertRecordEqual(t, in[i], got[i])
	}
	if got[1].SourceOffset != nil || got[1].SourcePartition == nil {
		t.Errorf("nil vs empty source maps not preserved: %#v", got[1])
	}
}

func TestRoundTripIntBecomesInt64(t *testing.T) {
	got := roundTrip(t, []Record{{SourceOffset: map[string]any{"position": 1234}}})
	if v, ok := got[0].SourceOffset["position"].(int64); !ok || v != 1234 {
		t.Fatalf("got %#v", got[0].SourceOffset["position"])
	}
}

func TestSchemasInternedStructurally(t *testing.T) {
	var in []Record
	for i := range 10 {
		in = append(in, Record{ValueSchema: userSchema(), Value: user(int64(i))}) // a new *Schema each time
	}
	one, err := EncodeBatch(nil, in[:1])
	if err != nil {
		t.Fatal(err)
	}
	all, err := EncodeBatch(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	perRecord := (len(all) - len(one)) / 9
	if perRecord >= len(one)/2 {
		t.Errorf("schema written per record: first %d bytes, then %d per record", len(one), perRecord)
	}
	got, err := DecodeBatch(all)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ValueSchema != got[9].ValueSchema {
		t.Error("equal schemas decode to different pointers")
	}
}

func TestEncodeErrorsNamePath(t *testing.T) {
	s := userSchema()
	tests := []struct {
		name string
		rec  Record
		want string
	}{
		{"wrong type", Record{ValueSchema: s, Value: user(1).Put("age", 36)}, "value.age: want int32, got int"},
		{"required null", Record{ValueSchema: s, Value: user(1).Put("name", nil)}, "value.name: null value for a required string"},
		{"nested", Record{ValueSchema: s, Value: user(1).Put("address",
			NewStruct(s.Field("address").Schema).Put("street", int64(1)))}, "value.address.street: want string"},
		{"array elem", Record{KeySchema: ArraySchema(Int32Schema()), Key: []any{int32(1), "x"}}, "key[1]: want int32"},
		{"decimal scale", Record{ValueSchema: DecimalSchema(2), Value: NewDecimal(1, 3)}, "value: decimal has scale 3, schema has scale 2"},
		{"date with time", Record{ValueSchema: DateSchema(), Value: time.UnixMilli(5)}, "value: date"},
		{"schemaless", Record{Value: map[string]any{"a": []any{uint(1)}}}, `value["a"][0]: unsupported schemaless value uint`},
		{"header", Record{Headers: []Header{{Key: "h", Schema: Int8Schema(), Value: "x"}}}, "headers.h: want int8"},
		{"struct schema mismatch", Record{ValueSchema: s, Value: NewStruct(NewStructSchema("other").Build())}, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodeBatch(nil, []Record{{}, tt.rec})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "record 1") {
				t.Fatalf("got %v, want it to name record 1 and contain %q", err, tt.want)
			}
			if verr := tt.rec.Validate(); verr == nil || !strings.Contains(verr.Error(), tt.want) {
				t.Fatalf("Validate: got %v, want %q", verr, tt.want)
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	valid, err := EncodeBatch(nil, []Record{{Topic: "t", ValueSchema: userSchema(), Value: user(1)}})
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(valid) {
		if _, err := DecodeBatch(valid[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated to %d: got %v", n, err)
		}
	}
	for _, in := range [][]byte{
		nil, []byte("SB"), []byte("SB\x03\x00"), []byte("XX\x01\x00"),
		// flags 12 (source partition and offset), topic "", partition 0,
		// schemaless null key and value, then the source maps:
		[]byte("SB\x02\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00"),                       // partition ref 1 undefined
		[]byte("SB\x02\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00"),                   // key set ref 1 undefined
		[]byte("SB\x02\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x01a\x01a\x00\x00"), // key set "a", "a"
		[]byte("SB\x02\x01\x08\x00\x00\x00\x00\x00\x00\x00\x00\x02\x01a\x01b\x00"),             // 2 keys, 1 value
		append(append([]byte{}, valid...), 0),
		[]byte("SB\x01\xff\xff\xff\xff\x0f"), // a huge record count
	} {
		if _, err := DecodeBatch(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: got %v", in, err)
		}
	}
}

func roundTrip(t *testing.T, in []Record) []Record {
	t.Helper()
	b, err := EncodeBatch([]byte("prefix"), in)
	if err != nil {
		t.Fatalf("EncodeBatch: %v", err)
	}
	if string(b[:6]) != "prefix" {
		t.Fatal("EncodeBatch did not append")
	}
	got, err := DecodeBatch(b[6:])
	if err != nil {
		t.Fatalf("DecodeBatch: %v", err)
	}
	if len(got) != len(in) {
		t.Fatalf("got %d records, want %d", len(got), len(in))
	}
	return got
}

func assertRecordEqual(t *testing.T, want, got Record) {
	t.Helper()
	ok := want.Topic == got.Topic && want.Partition == got.Partition && want.Offset == got.Offset &&
		want.Timestamp.Equal(got.Timestamp) &&
		want.KeySchema.Equal(got.KeySchema) && ValuesEqual(want.Key, got.Key) &&
		want.ValueSchema.Equal(got.ValueSchema) && ValuesEqual(want.Value, got.Value) &&
		ValuesEqual(mapOrNil(want.SourcePartition), mapOrNil(got.SourcePartition)) &&
		ValuesEqual(mapOrNil(want.SourceOffset), mapOrNil(got.SourceOffset)) &&
		len(want.Headers) == len(got.Headers)
	for i := 0; ok && i < len(want.Headers); i++ {
		w, g := want.Headers[i], got.Headers[i]
		ok = w.Key == g.Key && w.Schema.Equal(g.Schema) && ValuesEqual(w.Value, g.Value)
	}
	if !ok {
		t.Fatalf("round trip changed the record:\nwant %+v\n got %+v", want, got)
	}
}

func mapOrNil(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

func TestSourceMapsInterned(t *testing.T) {
	shared := map[string]any{"task": int64(0)}
	var in []Record
	for i := range 100 {
		p := shared
		if i%2 == 1 {
			p = map[string]any{"task": int64(0)} // equal, not the same map
		}
		in = append(in, Record{SourcePartition: p, SourceOffset: map[string]any{"seq": int64(i), "file": "f"}})
	}
	one, err := EncodeBatch(nil, in[:1])
	if err != nil {
		t.Fatal(err)
	}
	all, err := EncodeBatch(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	// flags, topic, partition, key, value (7 bytes), partition ref, key set
	// ref, 2 tagged values (5 bytes): 14 at most.
	if perRecord := (len(all) - len(one)) / 99; perRecord > 14 {
		t.Errorf("source maps written per record: first %d bytes, then %d per record", len(one), perRecord)
	}
	got := roundTrip(t, in)
	for i := range in {
		assertRecordEqual(t, in[i], got[i])
		if mapPtr(got[i].SourcePartition) != mapPtr(got[0].SourcePartition) {
			t.Fatalf("record %d: equal source partitions decode to different maps", i)
		}
		if i > 0 && mapPtr(got[i].SourceOffset) == mapPtr(got[i-1].SourceOffset) {
			t.Fatalf("record %d: source offsets share a map", i)
		}
	}
}

func TestSourceMapsNotMergedWhenDifferent(t *testing.T) {
	negZero := math.Copysign(0, -1)
	in := []Record{
		{SourcePartition: map[string]any{"a": 0.0}, SourceOffset: map[string]any{"a": int64(1)}},
		{SourcePartition: map[string]any{"a": negZero}, SourceOffset: map[string]any{"b": int64(1)}},
		{SourcePartition: map[string]any{"a": int64(0)}, SourceOffset: map[string]any{"a": int64(1), "b": int64(2)}},
		{SourcePartition: map[string]any{"a": int32(0)}, SourceOffset: map[string]any{}},
		{SourcePartition: map[string]any{"a": nil}, SourceOffset: map[string]any{"a": nil}},
		{SourcePartition: map[string]any{"a": []any{int64(1)}}, SourceOffset: map[string]any{"a": []any{int64(1)}}},
		{SourcePartition: map[string]any{"a": []any{int64(1)}}, SourceOffset: map[string]any{"b": int64(3), "a": int64(2)}},
		{SourcePartition: map[string]any{}, SourceOffset: map[string]any{}},
		{SourcePartition: map[string]any{"b": 0.0}, SourceOffset: map[string]any{"c": int64(1)}},
		{SourcePartition: map[string]any{"a": 0.0}, SourceOffset: map[string]any{"a": "x"}},
	}
	got := roundTrip(t, in)
	for i := range in {
		assertRecordEqual(t, in[i], got[i])
	}
	if v := got[1].SourcePartition["a"].(float64); !math.Signbit(v) {
		t.Error("-0.0 partition merged with 0.0")
	}
	if _, ok := got[3].SourcePartition["a"].(int32); !ok {
		t.Error("int32 partition merged with int64")
	}
	if mapPtr(got[0].SourcePartition) != mapPtr(got[9].SourcePartition) {
		t.Error("equal flat partitions not shared")
	}
}

func TestSourceMapsManyDistinct(t *testing.T) {
	// More partitions and key sets than the encoder remembers, interleaved.
	var in []Record
	for i := range 5 * maxInterned {
		k := "k" + strconv.Itoa(i%(2*maxInterned))
		in = append(in, Record{
			SourcePartition: map[string]any{"p": int64(i % (3 * maxInterned))},
			SourceOffset:    map[string]any{k: int64(i), "x": true},
		})
	}
	got := roundTrip(t, in)
	for i := range in {
		assertRecordEqual(t, in[i], got[i])
	}
}

func TestDecodeVersion1(t *testing.T) {
	// flags 12, topic "t", partition 0, schemaless null key and value,
	// source partition {"a": int64(2)}, source offset {"b": "x"}.
	v1 := []byte("SB\x01\x01\x0c\x00\x01t\x00\x00\x00\x00\x00\x01\x01a\x06\x04\x01\x01b\x09\x01x")
	got, err := DecodeBatch(v1)
	if err != nil {
		t.Fatal(err)
	}
	want := Record{Topic: "t", SourcePartition: map[string]any{"a": int64(2)}, SourceOffset: map[string]any{"b": "x"}}
	if len(got) != 1 {
		t.Fatalf("got %d records", len(got))
	}
	assertRecordEqual(t, want, got[0])
}

func TestDecodedBytesAliasInput(t *testing.T) {
	in := []Record{{Topic: "t", ValueSchema: BytesSchema(), Value: []byte("payload"), Key: "key"}}
	b, err := EncodeBatch(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	v := got[0].Value.([]byte)
	if cap(v) != len(v) {
		t.Errorf("decoded bytes have spare capacity %d > %d: appending would overwrite the batch", cap(v), len(v))
	}
	clear(b) // the documented contract forbids this; strings must survive it anyway
	if got[0].Topic != "t" || got[0].Key != "key" {
		t.Errorf("decoded strings alias the input: %q %q", got[0].Topic, got[0].Key)
	}
	if string(v) == "payload" {
		t.Error("decoded bytes were copied, not aliased (update the docs if this is intended)")
	}
}

// assertLazyEqual checks records decoded with LazySourceOffsets against
// the same batch decoded eagerly (want): nil SourceOffset fields, an
// equal re-encoding, and equal records once SourceOffsetMap built the
// offsets, which it builds once.
func assertLazyEqual(t *testing.T, want, lazy []Record) {
	t.Helper()
	if len(lazy) != len(want) {
		t.Fatalf("%d records decoded lazily, want %d", len(lazy), len(want))
	}
	for i := range lazy {
		if lazy[i].SourceOffset != nil {
			t.Fatalf("record %d: SourceOffset %v decoded eagerly", i, lazy[i].SourceOffset)
		}
	}
	// Encoding does not build the lazy offsets, and encodes them all the same.
	enc, err := EncodeBatch(nil, lazy)
	if err != nil {
		t.Fatalf("lazily decoded records do not re-encode: %v", err)
	}
	again, err := DecodeBatch(enc)
	if err != nil {
		t.Fatalf("lazily decoded records re-encode to a bad batch: %v", err)
	}
	for i := range lazy {
		if lazy[i].SourceOffset != nil {
			t.Fatalf("record %d: EncodeBatch stored the SourceOffset", i)
		}
		assertRecordEqual(t, want[i], again[i])
	}
	for i := range lazy {
		m := lazy[i].SourceOffsetMap()
		if (m == nil) != (want[i].SourceOffset == nil) {
			t.Fatalf("record %d: SourceOffsetMap %v, want %v", i, m, want[i].SourceOffset)
		}
		if m != nil && mapPtr(m) != mapPtr(lazy[i].SourceOffsetMap()) {
			t.Fatalf("record %d: SourceOffsetMap built the map twice", i)
		}
		assertRecordEqual(t, want[i], lazy[i])
	}
}

func TestLazySourceOffsets(t *testing.T) {
	in := []Record{
		{Topic: "t", SourcePartition: map[string]any{"f": "a"}, SourceOffset: map[string]any{"pos": int64(1), "lsn": []any{"0/1", 3.5}}},
		{Topic: "t", SourcePartition: map[string]any{"f": "a"}, SourceOffset: map[string]any{"pos": int64(2), "lsn": []any{"0/2", 4.5}}},
		{Topic: "t", SourcePartition: map[string]any{"f": "b"}},
		{Topic: "t", SourceOffset: map[string]any{}},
		{Topic: "t", SourceOffset: map[string]any{"u": user(7)}}, // defines schemas inside the offset
		{Topic: "t", ValueSchema: userSchema(), Value: user(8)},  // and uses them
	}
	buf, err := EncodeBatch(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := DecodeBatch(buf)
	if err != nil {
		t.Fatal(err)
	}
	lazy, err := DecodeBatchOwned(bytes.Clone(buf), LazySourceOffsets)
	if err != nil {
		t.Fatal(err)
	}
	assertLazyEqual(t, want, lazy)
	if m := lazy[3].SourceOffsetMap(); m == nil || len(m) != 0 {
		t.Errorf("empty source offset: SourceOffsetMap %#v, want an empty map", m)
	}

	// The field, when set, is the offset.
	lazy, err = DecodeBatchOwned(bytes.Clone(buf), LazySourceOffsets)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]any{"pos": int64(9)}
	lazy[0].SourceOffset = set
	if m := lazy[0].SourceOffsetMap(); mapPtr(m) != mapPtr(set) {
		t.Errorf("SourceOffsetMap %v, want the field %v", m, set)
	}
	built := Record{SourceOffset: set}
	if m := built.SourceOffsetMap(); mapPtr(m) != mapPtr(set) {
		t.Errorf("record built in Go: SourceOffsetMap %v, want the field", m)
	}
}

func TestLazySourceOffsetsMalformed(t *testing.T) {
	// A key set with a duplicate key is malformed in both modes.
	buf := []byte{magic0, magic1, batchVersion, 1, recSourceOffset, 0, 1, 't', 0, 0, 0, 0, 0, 0, 2, 1, 'k', 1, 'k', tagNull, tagNull}
	if _, err := DecodeBatch(buf); !errors.Is(err, ErrMalformed) {
		t.Fatalf("DecodeBatch: %v, want ErrMalformed", err)
	}
	if _, err := DecodeBatchOwned(bytes.Clone(buf), LazySourceOffsets); !errors.Is(err, ErrMalformed) {
		t.Fatalf("DecodeBatchOwned lazily: %v, want ErrMalformed", err)
	}
	buf[len(buf)-3] = 'j' // distinct keys: well-formed
	if _, err := DecodeBatchOwned(bytes.Clone(buf), LazySourceOffsets); err != nil {
		t.Fatalf("distinct keys: %v", err)
	}
}
