package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/record"
)

type dbz struct {
	row, source, env *record.Schema
}

func newDbz() dbz {
	row := record.NewStructSchema("srv.public.users.Value").Optional().
		Field("id", record.Int32Schema()).Field("name", record.OptionalStringSchema()).Build()
	source := record.NewStructSchema("io.debezium.connector.postgresql.Source").
		Field("version", record.StringSchema()).Field("connector", record.StringSchema()).
		Field("ts_ms", record.Int64Schema()).Field("db", record.StringSchema()).
		Field("table", record.StringSchema()).Field("lsn", record.OptionalInt64Schema()).Build()
	env := record.NewStructSchema("srv.public.users.Envelope").
		Field("before", row).Field("after", row).Field("source", source).
		Field("op", record.StringSchema()).Field("ts_ms", record.OptionalInt64Schema()).Build()
	return dbz{row, source, env}
}

func (d dbz) event(op string, before, after *record.Struct) record.Record {
	src := record.NewStruct(d.source).Put("version", "3.0").Put("connector", "postgresql").
		Put("ts_ms", int64(1000)).Put("db", "app").Put("table", "users").Put("lsn", int64(77))
	v := record.NewStruct(d.env).Put("op", op).Put("ts_ms", int64(2000)).Put("source", src)
	if before != nil {
		v.Put("before", before)
	}
	if after != nil {
		v.Put("after", after)
	}
	return record.Record{Topic: "srv.public.users", KeySchema: record.Int32Schema(), Key: int32(1), ValueSchema: d.env, Value: v}
}

func (d dbz) rowOf(id int32, name string) *record.Struct {
	return record.NewStruct(d.row).Put("id", id).Put("name", name)
}

func TestExtractNewRecordStateModes(t *testing.T) {
	d := newDbz()
	create := d.event("c", nil, d.rowOf(1, "ann"))
	update := d.event("u", d.rowOf(1, "ann"), d.rowOf(1, "bo"))
	del := d.event("d", d.rowOf(1, "bo"), nil)
	tomb := record.Record{Topic: "srv.public.users", KeySchema: record.Int32Schema(), Key: int32(1)}

	// result: "drop", "null" (value null, schema kept), "tomb" (value and
	// schema null), "row" (row state), "deleted=X" (row + __deleted=X).
	tests := []struct {
		cfg                       map[string]string
		create, delete, tombstone string
	}{
		{map[string]string{}, "row", "drop", "drop"}, // legacy defaults
		{map[string]string{"drop.tombstones": "false"}, "row", "drop", "keep"},
		{map[string]string{"delete.handling.mode": "rewrite"}, "deleted=false", "deleted=true", "drop"},
		{map[string]string{"delete.handling.mode": "none", "drop.tombstones": "false"}, "row", "null", "keep"},
		{map[string]string{"delete.tombstone.handling.mode": "drop"}, "row", "drop", "drop"},
		{map[string]string{"delete.tombstone.handling.mode": "tombstone", "drop.tombstones": "false"}, "row", "null", "drop"},
		{map[string]string{"delete.tombstone.handling.mode": "rewrite"}, "deleted=false", "deleted=true", "drop"},
		{map[string]string{"delete.tombstone.handling.mode": "rewrite-with-tombstone"}, "deleted=false", "deleted=true", "keep"},
		{map[string]string{"delete.tombstone.handling.mode": "delete-to-tombstone"}, "row", "tomb", "drop"},
	}
	for _, tc := range tests {
		tr := mk(t, "io.debezium.transforms.ExtractNewRecordState", tc.cfg)
		for _, c := range []struct {
			what string
			r    record.Record
			want string
			name string
		}{{"create", create, tc.create, "ann"}, {"update", update, tc.create, "bo"}, {"delete", del, tc.delete, "bo"}, {"tombstone", tomb, tc.tombstone, ""}} {
			out, keep, err := safeApply(tr, c.r)
			if err != nil {
				t.Fatalf("%v %s: %v", tc.cfg, c.what, err)
			}
			got := "?"
			switch {
			case !keep:
				got = "drop"
			case c.what == "tombstone" && out.Value == nil && out.ValueSchema == nil:
				got = "keep"
			case out.Value == nil && out.ValueSchema == nil:
				got = "tomb"
			case out.Value == nil && out.ValueSchema == d.row:
				got = "null"
			default:
				checkValid(t, out)
				st := out.Value.(*record.Struct)
				if st.Get("name") != c.name || st.Get("id") != int32(1) || out.Key != int32(1) {
					t.Errorf("%v %s: row %v", tc.cfg, c.what, st)
				}
				got = "row"
				if v, ok := st.Lookup(deletedField); ok {
					got = "deleted=" + v.(string)
				}
			}
			if got != c.want {
				t.Errorf("%v %s: got %s, want %s", tc.cfg, c.what, got, c.want)
			}
		}
	}
}

func TestExtractNewRecordStateAddFieldsAndHeaders(t *testing.T) {
	d := newDbz()
	tr := mk(t, "ExtractNewRecordState", map[string]string{
		"add.fields": "op,table,lsn,source.ts_ms,ts_ms:event_ms", "add.headers": "op,db", "add.headers.prefix": "dbz.",
		"delete.tombstone.handling.mode": "rewrite-with-tombstone", "route.by.field": "name",
	})
	out := apply(t, tr, d.event("u", d.rowOf(1, "ann"), d.rowOf(1, "bo")))
	checkValid(t, out)
	st := out.Value.(*record.Struct)
	var names []string
	for _, f := range out.ValueSchema.Fields {
		names = append(names, f.Name)
	}
	want := []string{"id", "name", "__op", "__table", "__lsn", "__source_ts_ms", "__event_ms", "__deleted"}
	if len(names) != len(want) {
		t.Fatalf("fields %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("fields %v, want %v", names, want)
		}
	}
	if st.Get("__op") != "u" || st.Get("__table") != "users" || st.Get("__lsn") != int64(77) ||
		st.Get("__source_ts_ms") != int64(1000) || st.Get("__event_ms") != int64(2000) || st.Get("__deleted") != "false" {
		t.Fatalf("value %v", st)
	}
	if out.Topic != "bo" {
		t.Errorf("route.by.field: topic %s", out.Topic)
	}
	if len(out.Headers) != 2 || out.Headers[0].Key != "dbz.op" || out.Headers[0].Value != "u" || out.Headers[1].Value != "app" ||
		!out.Headers[0].Schema.Optional {
		t.Fatalf("headers %+v", out.Headers)
	}
	// A delete is rewritten from before, with the same added fields.
	out = apply(t, tr, d.event("d", d.rowOf(1, "cy"), nil))
	checkValid(t, out)
	if st := out.Value.(*record.Struct); st.Get("__op") != "d" || st.Get("__deleted") != "true" || st.Get("name") != "cy" {
		t.Fatalf("delete %v", st)
	}
	// The kept tombstone carries only the op header, "d".
	out = apply(t, tr, record.Record{Key: int32(1)})
	if len(out.Headers) != 1 || out.Headers[0].Key != "dbz.op" || out.Headers[0].Value != "d" {
		t.Fatalf("tombstone headers %+v", out.Headers)
	}
}

func TestExtractNewRecordStatePassThroughAndSchemaless(t *testing.T) {
	d := newDbz()
	tr := mk(t, "ExtractNewRecordState", map[string]string{"add.fields": "op", "delete.handling.mode": "rewrite"})
	hb := record.NewStructSchema("io.debezium.connector.common.Heartbeat").Field("ts_ms", record.Int64Schema()).Build()
	r := record.Record{Topic: "__debezium-heartbeat", ValueSchema: hb, Value: record.NewStruct(hb).Put("ts_ms", int64(1))}
	if out := apply(t, tr, r); out.Value != r.Value || out.ValueSchema != hb {
		t.Fatal("heartbeat changed")
	}
	if out := apply(t, tr, record.Record{Value: "schema change"}); out.Value != "schema change" {
		t.Fatal("string changed")
	}
	// Truncate: dropped.
	if _, keep, err := safeApply(tr, d.event("t", nil, nil)); keep || err != nil {
		t.Fatalf("truncate kept=%v err=%v", keep, err)
	}
	// Schemaless envelopes (JsonConverter with schemas.enable=false).
	env := map[string]any{"op": "c", "before": nil, "after": map[string]any{"id": int64(1)}, "source": map[string]any{"table": "t"}}
	out := apply(t, tr, record.Record{Value: env})
	equalValues(t, out.Value, map[string]any{"id": int64(1), "__op": "c", "__deleted": "false"})
	env = map[string]any{"op": "d", "before": map[string]any{"id": int64(1)}, "after": nil}
	out = apply(t, tr, record.Record{Value: env})
	equalValues(t, out.Value, map[string]any{"id": int64(1), "__op": "d", "__deleted": "true"})
}

func TestExtractNewRecordStateDropFields(t *testing.T) {
	d := newDbz()
	rec := d.event("u", nil, d.rowOf(1, "x"))
	rec.Headers = []record.Header{{Key: "drop", Value: []any{"name", "id"}}}
	out := apply(t, mk(t, "ExtractNewRecordState", map[string]string{"drop.fields.header.name": "drop"}), rec)
	checkValid(t, out)
	if out.ValueSchema.Field("name") != nil || out.ValueSchema.Field("id") == nil {
		t.Fatalf("compatible drop: %v", out.ValueSchema)
	}
	out = apply(t, mk(t, "ExtractNewRecordState", map[string]string{"drop.fields.header.name": "drop",
		"drop.fields.keep.schema.compatible": "false"}), rec)
	if len(out.ValueSchema.Fields) != 0 {
		t.Fatalf("drop all: %v", out.ValueSchema)
	}
}
