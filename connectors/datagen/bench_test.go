package datagen

import (
	"context"
	"testing"

	"github.com/sluicehq/sluice/record"
)

func benchTask(b *testing.B, schema string) *task {
	b.Helper()
	task := newTask()
	ctx := context.Background()
	if err := task.Configure(ctx, map[string]string{"topic": "bench", "schema": schema}); err != nil {
		b.Fatal(err)
	}
	if err := task.Open(ctx, nil); err != nil {
		b.Fatal(err)
	}
	return task
}

// BenchmarkRead measures generation in process: one Read of batch.size
// (1000) records per op; the figure is records/s.
func BenchmarkRead(b *testing.B) {
	for _, schema := range schemaNames() {
		b.Run(schema, func(b *testing.B) {
			task, ctx := benchTask(b, schema), context.Background()
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				recs, err := task.Read(ctx)
				if err != nil {
					b.Fatal(err)
				}
				n += len(recs)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkReadEncodeDecode adds what the records cost at the plugin
// boundary besides gRPC: record.EncodeBatch in the plugin and
// record.DecodeBatch in the host. The figure is records/s.
func BenchmarkReadEncodeDecode(b *testing.B) {
	for _, schema := range schemaNames() {
		b.Run(schema, func(b *testing.B) {
			task, ctx := benchTask(b, schema), context.Background()
			b.ReportAllocs()
			var buf []byte
			n, size := 0, 0
			for b.Loop() {
				recs, err := task.Read(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if buf, err = record.EncodeBatch(buf[:0], recs); err != nil {
					b.Fatal(err)
				}
				out, err := record.DecodeBatch(buf)
				if err != nil || len(out) != len(recs) {
					b.Fatalf("DecodeBatch: %d records, %v", len(out), err)
				}
				n += len(recs)
				size += len(buf)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(size)/float64(n), "B/record")
		})
	}
}
