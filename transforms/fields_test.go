package transforms

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

func TestExtractField(t *testing.T) {
	s := userSchema()
	out := apply(t, mk(t, "ExtractField$Value", map[string]string{"field": "name"}), valueRec(s, user(s, 1, "ann", 30)))
	if out.Value != "ann" || out.ValueSchema != s.Field("name").Schema {
		t.Fatalf("got %v %v", out.ValueSchema, out.Value)
	}
	out = apply(t, mk(t, "ExtractField$Value", map[string]string{"field": "name"}), valueRec(s, nil))
	if out.Value != nil || out.ValueSchema.Type != record.String {
		t.Fatalf("null: got %v", out.Value)
	}
	out = apply(t, mk(t, "ExtractField$Key", map[string]string{"field": "id"}), record.Record{Key: map[string]any{"id": int64(7)}})
	equalValues(t, out.Key, int64(7))
	// V2 nested paths, schema and schemaless.
	addr := record.NewStructSchema("").Field("zip", record.StringSchema()).Build()
	outer := record.NewStructSchema("").Field("address", addr).Build()
	v := record.NewStruct(outer).Put("address", record.NewStruct(addr).Put("zip", "0150"))
	tr := mk(t, "ExtractField$Value", map[string]string{"field": "address.zip", "field.syntax.version": "V2"})
	if out := apply(t, tr, valueRec(outer, v)); out.Value != "0150" {
		t.Fatalf("V2: %v", out.Value)
	}
	if out := apply(t, tr, valueRec(nil, map[string]any{"address": map[string]any{"zip": "x"}})); out.Value != "x" {
		t.Fatalf("V2 schemaless: %v", out.Value)
	}
	tr = mk(t, "ExtractField$Value", map[string]string{"field": "`a.b`", "field.syntax.version": "V2"})
	if out := apply(t, tr, valueRec(nil, map[string]any{"a.b": 1})); out.Value != 1 {
		t.Fatalf("backticks: %v", out.Value)
	}
	// Errors.
	for _, r := range []record.Record{valueRec(s, "x"), valueRec(record.StringSchema(), "x"), valueRec(nil, "x")} {
		if _, _, err := safeApply(mk(t, "ExtractField$Value", map[string]string{"field": "id"}), r); err == nil {
			t.Errorf("no error for %v", r.Value)
		}
	}
	if _, _, err := safeApply(mk(t, "ExtractField$Value", map[string]string{"field": "nope"}), valueRec(s, user(s, 1, "a", 1))); err == nil ||
		!strings.Contains(err.Error(), "unknown field") {
		t.Errorf("unknown field: %v", err)
	}
}

func TestHoistField(t *testing.T) {
	out := apply(t, mk(t, "HoistField$Value", map[string]string{"field": "line"}), valueRec(record.StringSchema(), "hello"))
	checkValid(t, out)
	if out.Value.(*record.Struct).Get("line") != "hello" || out.ValueSchema.Fields[0].Schema.Type != record.String {
		t.Fatalf("got %v", out.Value)
	}
	out = apply(t, mk(t, "HoistField$Key", map[string]string{"field": "k"}), record.Record{Key: int64(1)})
	equalValues(t, out.Key, map[string]any{"k": int64(1)})
	if _, _, err := safeApply(mk(t, "HoistField$Value", map[string]string{"field": "f"}), valueRec(record.StringSchema(), nil)); err == nil {
		t.Error("null into a required field: no error")
	}
}

func TestValueToKey(t *testing.T) {
	s := userSchema()
	tr := mk(t, "ValueToKey", map[string]string{"fields": "id,name"})
	out := apply(t, tr, valueRec(s, user(s, 9, "bo", 3)))
	checkValid(t, out)
	k := out.Key.(*record.Struct)
	if k.Get("id") != int64(9) || k.Get("name") != "bo" || len(out.KeySchema.Fields) != 2 {
		t.Fatalf("key %v", k)
	}
	out2 := apply(t, tr, valueRec(s, user(s, 10, "cy", 3)))
	if out2.KeySchema != out.KeySchema {
		t.Error("key schema not cached")
	}
	out = apply(t, tr, valueRec(nil, map[string]any{"id": 1, "name": "x", "other": true}))
	equalValues(t, out.Key, map[string]any{"id": 1, "name": "x"})
	for _, r := range []record.Record{valueRec(s, nil), valueRec(nil, "x")} {
		if _, _, err := safeApply(tr, r); err == nil {
			t.Errorf("no error for %v", r.Value)
		}
	}
	if _, _, err := safeApply(mk(t, "ValueToKey", map[string]string{"fields": "zz"}), valueRec(s, user(s, 1, "", 1))); err == nil {
		t.Error("missing field: no error")
	}
}

func TestInsertField(t *testing.T) {
	s := userSchema()
	cfg := map[string]string{"topic.field": "t!", "partition.field": "p", "offset.field": "o?",
		"timestamp.field": "ts", "static.field": "src", "static.value": "sluice"}
	tr := mk(t, "InsertField$Value", cfg)
	out := apply(t, tr, valueRec(s, user(s, 1, "a", 2)))
	checkValid(t, out)
	v := out.Value.(*record.Struct)
	if v.Get("t") != "users" || v.Get("p") != int32(3) || v.Get("o") != int64(42) || v.Get("src") != "sluice" ||
		!v.Get("ts").(time.Time).Equal(time.UnixMilli(1700000000123)) || v.Get("id") != int64(1) {
		t.Fatalf("got %v", v)
	}
	if out.ValueSchema.Field("t").Schema.Optional || !out.ValueSchema.Field("o").Schema.Optional ||
		record.LogicalOf(out.ValueSchema.Field("ts").Schema) != record.LogicalTimestamp || out.ValueSchema.Name != s.Name {
		t.Fatalf("schema %v", out.ValueSchema)
	}
	// Tombstone passes; schemaless map gets the fields.
	if out := apply(t, tr, valueRec(s, nil)); out.Value != nil || out.ValueSchema != s {
		t.Fatal("tombstone changed")
	}
	out = apply(t, tr, valueRec(nil, map[string]any{"a": 1}))
	m := out.Value.(map[string]any)
	if m["t"] != "users" || m["p"] != int32(3) || m["src"] != "sluice" || m["a"] != 1 {
		t.Fatalf("schemaless %v", m)
	}
	if _, _, err := safeApply(tr, valueRec(record.StringSchema(), "x")); err == nil {
		t.Error("non-struct: no error")
	}
	if _, _, err := safeApply(mk(t, "InsertField$Value", map[string]string{"topic.field": "id"}), valueRec(s, user(s, 1, "", 1))); err == nil {
		t.Error("duplicate field: no error")
	}
}

func TestReplaceField(t *testing.T) {
	s := userSchema()
	tests := []struct {
		cfg    map[string]string
		fields string
	}{
		{map[string]string{"exclude": "age"}, "id,name"},
		{map[string]string{"include": "id,age", "exclude": "age"}, "id"},
		{map[string]string{"blacklist": "name", "renames": "id:user_id"}, "user_id,age"},
		{map[string]string{"whitelist": "name"}, "name"},
		{map[string]string{"renames": "name:n,age:a"}, "id,n,a"},
	}
	for _, tc := range tests {
		tr := mk(t, "ReplaceField$Value", tc.cfg)
		out := apply(t, tr, valueRec(s, user(s, 5, "x", 6)))
		checkValid(t, out)
		var names []string
		for _, f := range out.ValueSchema.Fields {
			names = append(names, f.Name)
		}
		if strings.Join(names, ",") != tc.fields {
			t.Errorf("%v: fields %v, want %s", tc.cfg, names, tc.fields)
		}
		// Schemaless gives the same keys.
		mo := apply(t, tr, valueRec(nil, map[string]any{"id": 5, "name": "x", "age": 6})).Value.(map[string]any)
		if len(mo) != len(names) {
			t.Errorf("%v: schemaless %v", tc.cfg, mo)
		}
		for _, n := range names {
			if _, ok := mo[n]; !ok {
				t.Errorf("%v: schemaless lacks %s", tc.cfg, n)
			}
		}
	}
	if _, _, err := safeApply(mk(t, "ReplaceField$Value", map[string]string{"exclude": "a"}), valueRec(nil, []any{1})); err == nil {
		t.Error("array: no error")
	}
}

func TestSetSchemaMetadata(t *testing.T) {
	s := userSchema()
	out := apply(t, mk(t, "SetSchemaMetadata$Value", map[string]string{"schema.name": "x.Y", "schema.version": "3"}), valueRec(s, user(s, 1, "a", 1)))
	checkValid(t, out)
	if out.ValueSchema.Name != "x.Y" || out.ValueSchema.Version != 3 || s.Name != "com.example.User" {
		t.Fatalf("schema %v", out.ValueSchema)
	}
	out = apply(t, mk(t, "SetSchemaMetadata$Key", map[string]string{"schema.version": "2"}), record.Record{KeySchema: record.StringSchema(), Key: "k"})
	if out.KeySchema.Version != 2 || out.Key != "k" {
		t.Fatalf("key %v", out.KeySchema)
	}
	if _, _, err := safeApply(mk(t, "SetSchemaMetadata$Value", map[string]string{"schema.name": "a"}), valueRec(nil, "x")); err == nil {
		t.Error("schemaless: no error")
	}
}

func TestMaskField(t *testing.T) {
	s := record.NewStructSchema("").Field("i", record.Int32Schema()).Field("s", record.OptionalStringSchema()).
		Field("b", record.BooleanSchema()).Field("d", record.DecimalSchema(2)).Field("ts", record.TimestampSchema()).
		Field("arr", record.ArraySchema(record.Int32Schema())).Field("bin", record.BytesSchema()).Build()
	v := record.NewStruct(s).Put("i", int32(5)).Put("b", true).Put("d", record.NewDecimal(1234, 2)).
		Put("ts", time.UnixMilli(99).UTC()).Put("arr", []any{int32(1)}).Put("bin", []byte{1})
	out := apply(t, mk(t, "MaskField$Value", map[string]string{"fields": "i,s,b,d,ts,arr"}), valueRec(s, v))
	checkValid(t, out)
	o := out.Value.(*record.Struct)
	equalValues(t, o.Get("i"), int32(0))
	equalValues(t, o.Get("s"), nil) // null stays null
	equalValues(t, o.Get("b"), false)
	equalValues(t, o.Get("d"), record.NewDecimal(0, 2))
	equalValues(t, o.Get("ts"), time.UnixMilli(0))
	equalValues(t, o.Get("arr"), []any{})
	equalValues(t, v.Get("i"), int32(5)) // input untouched
	out = apply(t, mk(t, "MaskField$Value", map[string]string{"fields": "i,d", "replacement": "7"}), valueRec(s, v))
	equalValues(t, out.Value.(*record.Struct).Get("i"), int32(7))
	equalValues(t, out.Value.(*record.Struct).Get("d"), record.NewDecimal(700, 2))
	// Schemaless.
	out = apply(t, mk(t, "MaskField$Value", map[string]string{"fields": "a", "replacement": "***"}), valueRec(nil, map[string]any{"a": "secret", "b": 1}))
	equalValues(t, out.Value, map[string]any{"a": "***", "b": 1})
	if _, _, err := safeApply(mk(t, "MaskField$Value", map[string]string{"fields": "a,b", "replacement": "***"}),
		valueRec(nil, map[string]any{"a": "secret", "b": 1})); err == nil {
		t.Error("*** into an int: no error")
	}
	out = apply(t, mk(t, "MaskField$Value", map[string]string{"fields": "a"}), valueRec(nil, map[string]any{"a": "secret", "c": 2}))
	equalValues(t, out.Value, map[string]any{"a": "", "c": 2})
	// Errors.
	for _, cfg := range []map[string]string{{"fields": "bin"}, {"fields": "nope"}, {"fields": "b", "replacement": "x"}} {
		if _, _, err := safeApply(mk(t, "MaskField$Value", cfg), valueRec(s, v)); err == nil {
			t.Errorf("%v: no error", cfg)
		}
	}
}

func TestFlatten(t *testing.T) {
	addr := record.NewStructSchema("").Field("city", record.StringSchema()).Field("zip", record.OptionalStringSchema()).Build()
	optAddr := record.BuilderFrom(addr).Optional().Build()
	s := record.NewStructSchema("Person").Field("id", record.Int64Schema()).Field("home", addr).Field("work", optAddr).
		Field("tags", record.ArraySchema(record.StringSchema())).Build()
	v := record.NewStruct(s).Put("id", int64(1)).Put("home", record.NewStruct(addr).Put("city", "Oslo")).Put("tags", []any{"a"})
	tr := mk(t, "Flatten$Value", map[string]string{"delimiter": "_"})
	out := apply(t, tr, valueRec(s, v))
	checkValid(t, out)
	var names []string
	for _, f := range out.ValueSchema.Fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "id,home_city,home_zip,work_city,work_zip,tags" {
		t.Fatalf("fields %v", names)
	}
	if !out.ValueSchema.Field("work_city").Schema.Optional || out.ValueSchema.Field("home_city").Schema.Optional {
		t.Fatal("optionality not carried")
	}
	o := out.Value.(*record.Struct)
	if o.Get("home_city") != "Oslo" || o.Get("work_city") != nil {
		t.Fatalf("value %v", o)
	}
	if out := apply(t, tr, valueRec(s, nil)); out.Value != nil || out.ValueSchema.Field("home_city") == nil {
		t.Fatal("null value")
	}
	out = apply(t, mk(t, "Flatten$Value", nil), valueRec(nil, map[string]any{"a": map[string]any{"b": 1, "c": map[string]any{"d": "x"}}, "e": []any{1}}))
	equalValues(t, out.Value, map[string]any{"a.b": 1, "a.c.d": "x", "e": []any{1}})
	if _, _, err := safeApply(tr, valueRec(nil, "x")); err == nil {
		t.Error("schemaless string: no error")
	}
	dup := record.NewStructSchema("").Field("a", record.NewStructSchema("").Field("b", record.Int32Schema()).Build()).Field("a.b", record.Int32Schema()).Build()
	if _, _, err := safeApply(mk(t, "Flatten$Value", nil), valueRec(dup, record.NewStruct(dup))); err == nil {
		t.Error("colliding names: no error")
	}
}
