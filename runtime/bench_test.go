package runtime

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkSourceInProcess measures the source loop end to end with an
// in-process connector: Read, string conversion, produce to the bundled
// broker (acks=all, idempotent), offsets file write per acknowledged batch.
// Figure: records/s, from start until every offset is committed.
func BenchmarkSourceInProcess(b *testing.B) {
	for _, batch := range []int{100, 1000} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			addr := startBroker(b)
			n := max(b.N, 1000)
			src := newCountingSource()
			start := time.Now()
			w := startWorker(b, workerProps(b, addr), NewInProcess(src), sourceProps(
				"count", strconv.Itoa(n), "batch", strconv.Itoa(batch), "topic.creation.default.partitions", "1"))
			src.waitCommitted(b, 0, int64(n))
			elapsed := time.Since(start)
			w.stop(b)
			b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
		})
	}
}

// BenchmarkSinkInProcess measures the sink loop: fetch from the bundled
// broker, conversion, Write to an in-process sink. Figure: records/s from
// the worker's start until the sink wrote every record.
func BenchmarkSinkInProcess(b *testing.B) {
	addr := startBroker(b)
	n := max(b.N, 1000)
	src := newCountingSource()
	w := startWorker(b, workerProps(b, addr), NewInProcess(src), sourceProps("count", strconv.Itoa(n), "batch", "1000", "topic.creation.default.partitions", "1"))
	src.waitCommitted(b, 0, int64(n))
	w.stop(b)

	b.ResetTimer()
	sink := newCollectingSink()
	start := time.Now()
	w2 := startWorker(b, workerProps(b, addr), NewInProcess(sink), map[string]string{"name": "snk", "connector.class": "collecting-sink", "topics": "numbers"})
	sink.waitCount(b, n)
	elapsed := time.Since(start)
	w2.stop(b)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
}
