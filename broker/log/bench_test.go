package log

import (
	"fmt"
	"testing"
)

// BenchmarkAppend appends ~16 KB batches of 1 KB and of 100 B records
// (uncompressed) and reports MB/s of batch bytes written. No fsync: the
// default flush policy leaves durability to replication.
func BenchmarkAppend(b *testing.B) {
	for _, tc := range []struct {
		name      string
		valueSize int
		records   int
	}{
		{"1KB-records", 1000, 16},
		{"100B-records", 100, 140},
	} {
		b.Run(tc.name, func(b *testing.B) {
			recs := make([]rec, tc.records)
			for i := range recs {
				recs[i] = rec{key: fmt.Appendf(nil, "key-%d", i), value: make([]byte, tc.valueSize)}
			}
			batch := makeBatch(b, batchSpec{baseTs: 1}, recs...)
			cfg := DefaultConfig()
			cfg.RetentionMs = -1
			l := openTest(b, b.TempDir(), cfg, nil)
			defer l.Close()
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := l.Append(batch, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendSync appends ~16 KB batches from parallel producers that
// each wait for an fsync covering their batch (FsyncOnAck), showing how
// group commit shares fsyncs; it reports batches per fsync.
func BenchmarkAppendSync(b *testing.B) {
	recs := make([]rec, 16)
	for i := range recs {
		recs[i] = rec{key: fmt.Appendf(nil, "key-%d", i), value: make([]byte, 1000)}
	}
	batch := makeBatch(b, batchSpec{baseTs: 1}, recs...)
	cfg := DefaultConfig()
	cfg.RetentionMs = -1
	cfg.FsyncOnAck = true
	l := openTest(b, b.TempDir(), cfg, nil)
	defer l.Close()
	b.SetBytes(int64(len(batch)))
	b.SetParallelism(16)
	start := l.fsyncs.Load()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		own := append([]byte(nil), batch...)
		for pb.Next() {
			res, err := l.Append(own, 0)
			if err == nil {
				err = l.Sync(res.LastOffset)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	if n := l.fsyncs.Load() - start; n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "batches/fsync")
	}
}
