package convert

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

func benchOrder() (*record.Schema, *record.Struct) {
	s := record.NewStructSchema("com.example.Order").
		Field("id", record.Int64Schema()).
		Field("customer", record.StringSchema()).
		Field("email", record.OptionalStringSchema()).
		Field("quantity", record.Int32Schema()).
		Field("price", record.Float64Schema()).
		Field("paid", record.BooleanSchema()).
		Field("created", record.TimestampSchema()).
		Build()
	v := record.NewStruct(s).Put("id", int64(1000001)).Put("customer", "Grace Brewster Hopper").
		Put("email", "grace.hopper@example.com").Put("quantity", int32(3)).Put("price", 12.5).
		Put("paid", true).Put("created", time.UnixMilli(1700000000000).UTC())
	return s, v
}

func BenchmarkJSONFromRecord(b *testing.B) {
	s, v := benchOrder()
	c := mustNew(b, "json", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.FromRecord("t", s, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONToRecord(b *testing.B) {
	s, v := benchOrder()
	c := mustNew(b, "json", nil)
	data, err := c.FromRecord("t", s, v)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := c.ToRecord("t", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONString is the string escaper on text that needs no escape
// (the common case: the fast path) and on text that does.
func BenchmarkJSONString(b *testing.B) {
	plain := strings.Repeat("The quick brown fox jumps over the lazy dog 0123456789. ", 18) // ~1 KB
	mixed := strings.Repeat("quote \" back \\ tab \t é ", 40)
	for _, c := range []struct{ name, s string }{{"plain-1KB", plain}, {"mixed", mixed}} {
		b.Run(c.name, func(b *testing.B) {
			var w jsonWriter
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				w.buf = w.buf[:0]
				w.string(c.s)
			}
		})
	}
}
