package dlq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkReplay measures replay throughput against the broker's produce
// throughput in the same run: the same in-process broker, the same records
// (200-byte values with the full Kafka Connect context headers), produced
// once by a plain idempotent franz-go producer (acks=all, linger 5 ms) into
// the dead-letter topic, then replayed from it to their original topic
// (transactions of BatchSize records, each committing its progress).
//
//	go test -run '^$' -bench Replay -benchtime 1x ./dlq/
//
// Reported: produce-rec/s, replay-rec/s and replay/produce (%).
func BenchmarkReplay(b *testing.B) {
	const n = 200_000
	for range b.N {
		addr := startBroker(b)
		createTopic(b, addr, "orders", 4)
		createTopic(b, addr, "orders-dlq", 4)
		cl := newClient(b, addr, kgo.ProducerLinger(5*time.Millisecond), kgo.ProducerBatchCompression(kgo.NoCompression()))
		value := make([]byte, 200)
		for i := range value {
			value[i] = 'a' + byte(i%26)
		}
		recs := make([]*kgo.Record, n)
		for i := range recs {
			ec := ErrorContext{Connector: "orders-sink", Stage: StageValueConverter, ClassName: "org.apache.kafka.connect.json.JsonConverter",
				Topic: "orders", Partition: int32(i % 4), Offset: int64(i), Err: errors.New("malformed JSON at " + strconv.Itoa(i))}
			recs[i] = &kgo.Record{Topic: "orders-dlq", Partition: int32(i % 4), Key: []byte("key-" + strconv.Itoa(i)), Value: value, Headers: Headers(ec)}
		}
		start := time.Now()
		errs := make(chan error, 1)
		for _, r := range recs {
			cl.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			})
		}
		if err := cl.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
		produceRate := float64(n) / time.Since(start).Seconds()

		in := newInspector(b, addr)
		start = time.Now()
		res, err := in.Replay(context.Background(), ReplayOptions{Topic: "orders-dlq"})
		if err != nil {
			b.Fatal(err)
		}
		replayRate := float64(n) / time.Since(start).Seconds()
		if res.Replayed != n {
			b.Fatalf("replayed %d of %d", res.Replayed, n)
		}
		b.ReportMetric(produceRate, "produce-rec/s")
		b.ReportMetric(replayRate, "replay-rec/s")
		b.ReportMetric(replayRate/produceRate*100, "replay/produce-%")
		fmt.Printf("dlq replay: %d records, produce %.0f rec/s, replay %.0f rec/s (%.0f%% of produce)\n", n, produceRate, replayRate, replayRate/produceRate*100)
	}
}
