package host_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSourceRead measures records/s of a trivial source (the counting
// test plugin, batches of 500) through the process boundary: the plugin
// builds and encodes batches, gRPC carries them over a unix socket, the host
// decodes them.
func BenchmarkSourceRead(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("value=%dB", size), func(b *testing.B) {
			p := launch(b, "good", "count-source", "bench", nil)
			ctx := context.Background()
			task := p.SourceTask()
			if err := task.Configure(ctx, map[string]string{"topic": "t", "batch": "500", "size": strconv.Itoa(size)}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			n := 0
			for n < b.N {
				recs, err := task.Read(ctx)
				if err != nil {
					b.Fatal(err)
				}
				n += len(recs)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "records/s")
		})
	}
}
