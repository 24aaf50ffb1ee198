package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

// workload is one produce-then-consume run against a fresh broker.
type workload struct {
	broker     string // name in the output
	bin        string // executable; "" is the broker under test (SLUICE_BIN)
	size       int    // bytes per record value
	partitions int
	records    int
	flushOnAck bool
}

type workloadResult struct {
	w                        workload
	produceRate, produceMBps float64
	p50, p99                 time.Duration
	consumeRate, consumeMBps float64
	rss                      int64
}

func (w workload) label() string {
	size := strconv.Itoa(w.size) + "B"
	if w.size%1000 == 0 {
		size = strconv.Itoa(w.size/1000) + "KB"
	}
	return fmt.Sprintf("%s p=%d", size, w.partitions)
}

func (w workload) metric(unit string) string {
	return fmt.Sprintf("%dB-p%d-%s", w.size, w.partitions, unit)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// run produces w.records records, paced at rate records/s when rate > 0,
// then (unpaced runs only) consumes them back.
func (w workload) run(b *testing.B, rate float64) workloadResult {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp(b.TempDir(), w.broker+"-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir) // a 1 KB workload leaves ~1 GB behind
	brk, err := brokerproc.Start(brokerproc.Options{Bin: w.bin, DataDir: filepath.Join(dir, "data")})
	if err != nil {
		b.Fatalf("%s %s: %v", w.broker, w.label(), err)
	}
	defer func() {
		if err := brk.Stop(30 * time.Second); err != nil {
			b.Errorf("%s %s: %v", w.broker, w.label(), err)
		}
	}()
	topic := "bench"
	configs := map[string]*string{}
	if w.flushOnAck {
		v := "true"
		configs["sluice.flush.on.ack"] = &v
	}

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brk.Addr),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()), // idempotence is kgo's default
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, int32(w.partitions), 1, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		b.Fatalf("%s %s: create topic: %v", w.broker, w.label(), err)
	}

	res := workloadResult{w: w}
	res.produceRate, res.p50, res.p99 = w.produce(ctx, b, cl, rate)
	res.produceMBps = res.produceRate * float64(w.size) / 1e6
	if rate == 0 {
		res.consumeRate = w.consume(ctx, b, brk.Addr, topic)
		res.consumeMBps = res.consumeRate * float64(w.size) / 1e6
	}
	if res.rss, err = brk.PeakRSS(); err != nil {
		b.Fatal(err)
	}
	return res
}

// produce returns records/s and the p50 and p99 per-record latency.
func (w workload) produce(ctx context.Context, b *testing.B, cl *kgo.Client, rate float64) (float64, time.Duration, time.Duration) {
	value := make([]byte, w.size)
	rand.Read(value)                        // incompressible
	lat := make([]time.Duration, w.records) // each index written by one promise
	var errs struct {
		sync.Mutex
		n     int
		first error
	}
	produce := func(i int) {
		t0 := time.Now()
		cl.Produce(ctx, &kgo.Record{Value: value}, func(_ *kgo.Record, err error) {
			lat[i] = time.Since(t0)
			if err != nil {
				errs.Lock()
				if errs.n++; errs.first == nil {
					errs.first = err
				}
				errs.Unlock()
			}
		})
	}

	start := time.Now()
	if rate <= 0 {
		for i := range w.records {
			produce(i)
		}
	} else {
		// Pace by the clock: each tick releases the records due by then.
		tick := time.NewTicker(time.Millisecond)
		for i := 0; i < w.records; {
			due := min(w.records, int(rate*time.Since(start).Seconds())+1)
			for ; i < due; i++ {
				produce(i)
			}
			<-tick.C
		}
		tick.Stop()
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatalf("%s %s: flush: %v", w.broker, w.label(), err)
	}
	elapsed := time.Since(start)
	if errs.n > 0 {
		b.Fatalf("%s %s: %d of %d records failed, first: %v", w.broker, w.label(), errs.n, w.records, errs.first)
	}
	slices.Sort(lat)
	return float64(w.records) / elapsed.Seconds(), lat[len(lat)/2], lat[len(lat)*99/100]
}

// consume reads every record of topic from the start and returns records/s.
func (w workload) consume(ctx context.Context, b *testing.B, addr, topic string) float64 {
	start := time.Now()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	for got := 0; got < w.records; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			b.Fatalf("%s %s: consumed %d of %d records: %v", w.broker, w.label(), got, w.records, err)
		}
		fs.EachError(func(t string, p int32, err error) {
			b.Fatalf("%s %s: fetch %s/%d: %v", w.broker, w.label(), t, p, err)
		})
		got += fs.NumRecords()
	}
	return float64(w.records) / time.Since(start).Seconds()
}
