package record

import (
	"testing"
	"time"
)

// benchBatch is 1000 records whose value is a struct of about 100 bytes
// encoded (see b.ReportMetric "B/record").
func benchBatch() []Record {
	s := NewStructSchema("com.example.Order").
		Field("id", Int64Schema()).
		Field("customer", StringSchema()).
		Field("email", OptionalStringSchema()).
		Field("sku", StringSchema()).
		Field("quantity", Int32Schema()).
		Field("price", Float64Schema()).
		Field("paid", BooleanSchema()).
		Field("created", TimestampSchema()).
		Build()
	ks := Int64Schema()
	recs := make([]Record, 1000)
	for i := range recs {
		recs[i] = Record{
			Topic: "orders", Partition: -1, KeySchema: ks, Key: int64(i),
			ValueSchema: s,
			Value: NewStruct(s).Put("id", int64(1_000_000+i)).Put("customer", "Grace Brewster Hopper").
				Put("email", "grace.hopper@example.com").Put("sku", "SKU-000123-BLUE-XL").
				Put("quantity", int32(i%10)).Put("price", 12.5).Put("paid", true).
				Put("created", time.UnixMilli(1_700_000_000_000+int64(i)).UTC()),
			Timestamp:       time.UnixMilli(1_700_000_000_000 + int64(i)),
			SourcePartition: map[string]any{"table": "orders"},
			SourceOffset:    map[string]any{"lsn": int64(1000 + i)},
		}
	}
	return recs
}

func BenchmarkEncodeBatch(b *testing.B) {
	recs := benchBatch()
	buf, err := EncodeBatch(nil, recs)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if buf, err = EncodeBatch(buf[:0], recs); err != nil {
			b.Fatal(err)
		}
	}
	perRec(b, len(recs), len(buf))
}

func BenchmarkDecodeBatch(b *testing.B) {
	recs := benchBatch()
	buf, err := EncodeBatch(nil, recs)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := DecodeBatch(buf); err != nil {
			b.Fatal(err)
		}
	}
	perRec(b, len(recs), len(buf))
}

func perRec(b *testing.B, n, size int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
	b.ReportMetric(float64(size)/float64(n), "B/record")
}
