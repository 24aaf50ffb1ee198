package transforms

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

func TestCastValues(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 10e6, time.UTC)
	tests := []struct {
		in     *record.Schema
		v      any
		target record.Type
		want   any
		err    bool
	}{
		{nil, int64(300), record.Int8, int8(44), false},
		{nil, 3.9, record.Int32, int32(3), false},
		{nil, 1e20, record.Int32, int32(2147483647), false},
		{nil, "42", record.Int16, int16(42), false},
		{nil, "4x", record.Int16, nil, true},
		{nil, "1.5", record.Float32, float32(1.5), false},
		{nil, true, record.Int64, int64(1), false},
		{nil, int32(0), record.Boolean, false, false},
		{nil, "TRUE", record.Boolean, true, false},
		{nil, 2.0, record.String, "2.0", false},
		{nil, float32(1e7), record.String, "1.0E7", false},
		{nil, []byte("hi"), record.String, "aGk=", false},
		{nil, []byte("hi"), record.Int32, nil, true},
		{nil, []any{1}, record.String, nil, true},
		{record.DecimalSchema(2), record.NewDecimal(-1299, 2), record.Int32, int32(-12), false},
		{record.DecimalSchema(2), record.NewDecimal(-1299, 2), record.String, "-12.99", false},
		{record.DecimalSchema(2), record.NewDecimal(150, 2), record.Float64, 1.5, false},
		{record.TimestampSchema(), ts, record.Int64, ts.UnixMilli(), false},
		{record.TimestampSchema(), ts, record.String, "2024-05-06T07:08:09.010Z", false},
		{record.DateSchema(), time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), record.String, "2024-05-06", false},
		{record.DateSchema(), time.Date(1970, 1, 3, 0, 0, 0, 0, time.UTC), record.Int32, int32(2), false},
		{nil, nil, record.Int8, nil, false},
	}
	for _, tc := range tests {
		got, err := castValue(tc.in, tc.v, tc.target)
		if (err != nil) != tc.err || (!tc.err && !record.ValuesEqual(got, tc.want)) {
			t.Errorf("cast %v (%T) to %s = %v (%T), %v; want %v", tc.v, tc.v, tc.target, got, got, err, tc.want)
		}
	}
}

func TestCast(t *testing.T) {
	s := record.NewStructSchema("U").Field("id", record.Int64Schema()).
		Field("score", record.NewSchemaBuilder(record.Float64).Optional().Default(1.5).Build()).
		Field("tags", record.ArraySchema(record.StringSchema())).Build()
	v := record.NewStruct(s).Put("id", int64(7)).Put("score", 2.5).Put("tags", []any{})
	tr := mk(t, "Cast$Value", map[string]string{"spec": "id:string,score:int32"})
	out := apply(t, tr, valueRec(s, v))
	checkValid(t, out)
	o := out.Value.(*record.Struct)
	if o.Get("id") != "7" || o.Get("score") != int32(2) || out.ValueSchema.Name != "U" {
		t.Fatalf("got %v", o)
	}
	if f := out.ValueSchema.Field("score").Schema; !f.Optional || f.Default != int32(1) {
		t.Fatalf("score schema %v default %v", f, f.Default)
	}
	if out2 := apply(t, tr, valueRec(s, v)); out2.ValueSchema != out.ValueSchema {
		t.Error("schema not cached")
	}
	if out := apply(t, tr, valueRec(s, nil)); out.Value != nil || out.ValueSchema.Field("id").Schema.Type != record.String {
		t.Fatal("null value")
	}
	out = apply(t, tr, valueRec(nil, map[string]any{"id": int64(7), "score": "3", "x": 1}))
	equalValues(t, out.Value, map[string]any{"id": "7", "score": int32(3), "x": 1})
	out = apply(t, mk(t, "Cast$Key", map[string]string{"spec": "int16"}), record.Record{KeySchema: record.OptionalInt64Schema(), Key: int64(5)})
	if out.Key != int16(5) || out.KeySchema.Type != record.Int16 || !out.KeySchema.Optional {
		t.Fatalf("whole key %v %v", out.KeySchema, out.Key)
	}
	for _, tc := range []struct {
		spec string
		r    record.Record
	}{
		{"tags:string", valueRec(s, v)},
		{"int8", valueRec(s, v)},
		{"id:int8", valueRec(record.StringSchema(), "x")},
		{"a:int32", valueRec(nil, map[string]any{"a": "nope"})},
	} {
		if _, _, err := safeApply(mk(t, "Cast$Value", map[string]string{"spec": tc.spec}), tc.r); err == nil {
			t.Errorf("spec %s on %v: no error", tc.spec, tc.r.Value)
		}
	}
}

func TestTimestampConverter(t *testing.T) {
	at := time.Date(2024, 2, 3, 4, 5, 6, 789e6, time.UTC)
	s := record.NewStructSchema("").Field("id", record.Int32Schema()).Field("at", record.OptionalStringSchema()).Build()
	v := record.NewStruct(s).Put("id", int32(1)).Put("at", "2024-02-03 04:05:06.789")
	cfg := map[string]string{"field": "at", "format": "yyyy-MM-dd HH:mm:ss.SSS", "target.type": "Timestamp"}
	out := apply(t, mk(t, "TimestampConverter$Value", cfg), valueRec(s, v))
	checkValid(t, out)
	fs := out.ValueSchema.Field("at").Schema
	if record.LogicalOf(fs) != record.LogicalTimestamp || !fs.Optional {
		t.Fatalf("schema %v", fs)
	}
	equalValues(t, out.Value.(*record.Struct).Get("at"), at)
	tests := []struct {
		cfg  map[string]string
		in   any
		want any
	}{
		{map[string]string{"target.type": "unix"}, at, at.UnixMilli()},
		{map[string]string{"target.type": "unix", "unix.precision": "seconds"}, at, at.Unix()},
		{map[string]string{"target.type": "Timestamp", "unix.precision": "microseconds"}, at.UnixMicro(), at},
		{map[string]string{"target.type": "Date"}, at.UnixMilli(), time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC)},
		{map[string]string{"target.type": "Time"}, at, time.Date(1970, 1, 1, 4, 5, 6, 789e6, time.UTC)},
		{map[string]string{"target.type": "string", "format": "yyyyMMdd'T'HHmmss"}, at, "20240203T040506"},
		{map[string]string{"target.type": "unix"}, float64(5), int64(5)},
		{map[string]string{"target.type": "unix"}, nil, nil},
	}
	for _, tc := range tests {
		out := apply(t, mk(t, "TimestampConverter$Value", tc.cfg), valueRec(nil, tc.in))
		if !record.ValuesEqual(out.Value, tc.want) {
			t.Errorf("%v on %v = %v, want %v", tc.cfg, tc.in, out.Value, tc.want)
		}
	}
	// Whole value with a schema; schemaless map field.
	out = apply(t, mk(t, "TimestampConverter$Value", map[string]string{"target.type": "unix"}), valueRec(record.TimestampSchema(), at))
	if out.Value != at.UnixMilli() || out.ValueSchema.Type != record.Int64 || out.ValueSchema.Name != "" {
		t.Fatalf("whole: %v %v", out.ValueSchema, out.Value)
	}
	out = apply(t, mk(t, "TimestampConverter$Value", map[string]string{"field": "t", "target.type": "Date"}), valueRec(nil, map[string]any{"t": at}))
	equalValues(t, out.Value, map[string]any{"t": time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC)})
	// Errors: unparseable string, unsupported type, missing field.
	for _, tc := range []struct {
		cfg map[string]string
		r   record.Record
	}{
		{cfg, valueRec(s, record.NewStruct(s).Put("id", int32(1)).Put("at", "yesterday"))},
		{map[string]string{"target.type": "unix"}, valueRec(record.BooleanSchema(), true)},
		{map[string]string{"target.type": "unix", "field": "nope"}, valueRec(s, v)},
		{map[string]string{"target.type": "unix"}, valueRec(nil, "2024")},
	} {
		if _, _, err := safeApply(mk(t, "TimestampConverter$Value", tc.cfg), tc.r); err == nil {
			t.Errorf("%v on %v: no error", tc.cfg, tc.r.Value)
		}
	}
}

func TestJavaLayout(t *testing.T) {
	good := map[string]string{
		"yyyyMMdd": "20060102", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX": "2006-01-02T15:04:05.000Z07:00",
		"dd MMM yy hh:mm a": "02 Jan 06 03:04 PM", "EEE, d MMMM yyyy": "Mon, 2 January 2006", "''HH": "'15",
	}
	for in, want := range good {
		if got, err := javaLayout(in); err != nil || got != want {
			t.Errorf("javaLayout(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"yyyy'", "SSS", "yyyy 'at 5'", "GGG", "yyyy_MM"} {
		if _, err := javaLayout(bad); err == nil {
			t.Errorf("javaLayout(%q): no error", bad)
		}
	}
}
