package transforms

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

// build returns the configured transformation called name.
func mk(t *testing.T, name string, cfg map[string]string) Transformation {
	t.Helper()
	p, ok := Lookup(Plugins(), name)
	if !ok || p.NewTransformation == nil {
		t.Fatalf("no transformation %q", name)
	}
	tr, err := p.NewTransformation(cfg)
	if err != nil {
		t.Fatalf("%s(%v): %v", name, cfg, err)
	}
	return tr
}

func apply(t *testing.T, tr Transformation, r record.Record) record.Record {
	t.Helper()
	out, keep, err := safeApply(tr, r)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !keep {
		t.Fatalf("Apply dropped the record")
	}
	return out
}

// userSchema: struct<id:int64, name:string?, age:int32?>
func userSchema() *record.Schema {
	return record.NewStructSchema("com.example.User").
		Field("id", record.Int64Schema()).
		Field("name", record.OptionalStringSchema()).
		Field("age", record.OptionalInt32Schema()).
		Build()
}

func user(s *record.Schema, id int64, name string, age int32) *record.Struct {
	return record.NewStruct(s).Put("id", id).Put("name", name).Put("age", age)
}

func valueRec(s *record.Schema, v any) record.Record {
	return record.Record{Topic: "users", Partition: 3, ValueSchema: s, Value: v,
		Timestamp: time.UnixMilli(1700000000123).UTC(), Offset: 42}
}

// checkValid fails when the record's key or value does not match its schema.
func checkValid(t *testing.T, r record.Record) {
	t.Helper()
	if err := r.Validate(); err != nil {
		t.Fatalf("invalid output record: %v", err)
	}
}

func equalValues(t *testing.T, got, want any) {
	t.Helper()
	if !record.ValuesEqual(got, want) {
		t.Fatalf("got %v (%T), want %v (%T)", got, got, want, want)
	}
}
