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

// datagenBatch is 1000 records shaped like DatagenSource's: a small struct
// value with a bytes payload, one SourcePartition map shared by every record
// ({"task": 0}) and a fresh SourceOffset per record ({"seq": n}). fresh
// gives every record its own, equal, SourcePartition map instead.
func datagenBatch(fresh bool) []Record {
	s := NewStructSchema("sluice.datagen.Event").
		Field("seq", Int64Schema()).
		Field("name", StringSchema()).
		Field("payload", BytesSchema()).
		Build()
	payload := make([]byte, 64*1000)
	ks := StringSchema()
	part := map[string]any{"task": int64(0)}
	recs := make([]Record, 1000)
	for i := range recs {
		p := part
		if fresh {
			p = map[string]any{"task": int64(0)}
		}
		recs[i] = Record{
			Topic: "datagen", Partition: -1, KeySchema: ks, Key: "key-" + string(rune('a'+i%26)),
			ValueSchema: s,
			Value: NewStruct(s).Put("seq", int64(i)).Put("name", "event").
				Put("payload", payload[i*64:(i+1)*64:(i+1)*64]),
			SourcePartition: p,
			SourceOffset:    map[string]any{"seq": int64(i + 1)},
		}
	}
	return recs
}

func BenchmarkEncodeBatchDatagen(b *testing.B) {
	for _, fresh := range []bool{false, true} {
		name := "sharedPartition"
		if fresh {
			name = "equalPartitions"
		}
		b.Run(name, func(b *testing.B) {
			recs := datagenBatch(fresh)
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
		})
	}
}

func BenchmarkDecodeBatchDatagen(b *testing.B) {
	recs := datagenBatch(false)
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

// BenchmarkDecodeBatchOwnedDatagen is the worker's decoding of a source
// task's batch: owned, eagerly or with LazySourceOffsets (then building
// the last record's offset, as the worker does for a batch of one source
// partition).
func BenchmarkDecodeBatchOwnedDatagen(b *testing.B) {
	recs := datagenBatch(false)
	buf, err := EncodeBatch(nil, recs)
	if err != nil {
		b.Fatal(err)
	}
	for _, lazy := range []bool{false, true} {
		name, opts := "eager", []DecodeOption(nil)
		if lazy {
			name, opts = "lazySourceOffsets", []DecodeOption{LazySourceOffsets}
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				got, err := DecodeBatchOwned(buf, opts...)
				if err != nil {
					b.Fatal(err)
				}
				if got[len(got)-1].SourceOffsetMap() == nil {
					b.Fatal("no source offset")
				}
			}
			perRec(b, len(recs), len(buf))
		})
	}
}
