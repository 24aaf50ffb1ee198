package runtime

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/broker/brokertest"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// waitTimeout bounds every wait on a signal in these tests.
const waitTimeout = 30 * time.Second

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("RUNTIME_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startBroker runs a Sluice broker in-process, as broker/broker_test.go does.
func startBroker(t testing.TB) string {
	t.Helper()
	return brokertest.Start(t)
}

func newClient(t testing.TB, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// workerProps returns a valid worker config for addr, with overrides.
func workerProps(t testing.TB, addr string, kv ...string) map[string]string {
	p := map[string]string{
		"bootstrap.servers":               addr,
		"key.converter":                   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                 "org.apache.kafka.connect.storage.StringConverter",
		"offset.storage.file.filename":    filepath.Join(t.TempDir(), "offsets.json"),
		"offset.flush.interval.ms":        "20",
		"task.restart.backoff.initial.ms": "10",
		"task.restart.backoff.max.ms":     "100",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

// runningWorker is a Worker running in the background until stop.
type runningWorker struct {
	*Worker
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned err
	err    error
}

func (r *runningWorker) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		if r.err != nil {
			t.Fatalf("worker: %v", r.err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("worker did not stop")
	}
}

// startWorker validates the connector configs and runs a worker.
func startWorker(t testing.TB, wprops map[string]string, plugins Plugins, connProps ...map[string]string) *runningWorker {
	t.Helper()
	wc, warnings, err := ParseWorkerConfig(wprops)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Log(w)
	}
	w, err := NewWorker(Options{Config: wc, Plugins: plugins, Logger: testLogger(t), ProgressInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	var conns []*ConnectorConfig
	for _, p := range connProps {
		c, err := w.ValidateConnector(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningWorker{Worker: w, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = w.Run(ctx, conns)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// consumeAll reads topic from the start until n records arrived.
func consumeAll(t testing.TB, addr, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := newClient(t, addr, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records of %s", len(out), n, topic)
		}
		out = append(out, f.Records()...)
	}
	return out
}

// endOffsets sums the end offsets of topic's partitions: the records in it.
func endOffsets(t testing.TB, addr, topic string) int64 {
	t.Helper()
	adm := kadm.NewClient(newClient(t, addr))
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// --- counting source -------------------------------------------------------

// countingSource emits records "0", "1", … up to count per task, to the
// topics in source.topics round-robin, with source partition {"task": N}
// and offset {"pos": next}. Shared state lets tests watch and steer it.
type countingSource struct {
	mu struct {
		sync.Mutex
		committed map[int]int64 // task → last committed pos
		opened    map[int][]sdk.SourceOffset
		failAt    map[int64]bool // Read fails once when reaching this pos
		starts    int
	}
	commits chan struct{} // a signal per Commit
	opens   chan struct{} // a signal per Open
}

func newCountingSource() *countingSource {
	s := &countingSource{commits: make(chan struct{}, 1), opens: make(chan struct{}, 1)}
	s.mu.committed = map[int]int64{}
	s.mu.opened = map[int][]sdk.SourceOffset{}
	s.mu.failAt = map[int64]bool{}
	return s
}

func (s *countingSource) Spec() sdk.Spec {
	return sdk.Spec{Name: "counting-source", Kind: sdk.Source, Aliases: []string{"test.CountingSource"},
		Config: sdk.NewConfigDef().
			Define(sdk.Key{Name: "count", Type: sdk.Long, Required: true}).
			Define(sdk.Key{Name: "batch", Type: sdk.Int, Default: "100"}).
			Define(sdk.Key{Name: "source.topics", Type: sdk.List, Required: true})}
}

func (s *countingSource) Validate(_ context.Context, cfg map[string]string) map[string][]string {
	if cfg["count"] == "-7" {
		return map[string][]string{"count": {"seven is unlucky"}}
	}
	return nil
}

func (s *countingSource) TaskConfigs(_ context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	var out []map[string]string
	for range maxTasks {
		out = append(out, cfg)
	}
	return out, nil
}

func (s *countingSource) NewTask() sdk.SourceTask { return &countingTask{src: s} }

// waitCommitted waits until task's committed position reaches pos.
func (s *countingSource) waitCommitted(t testing.TB, task int, pos int64) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		s.mu.Lock()
		got := s.mu.committed[task]
		s.mu.Unlock()
		if got >= pos {
			return
		}
		select {
		case <-s.commits:
		case <-timeout:
			t.Fatalf("task %d committed %d, want %d", task, got, pos)
		}
	}
}

type countingTask struct {
	src    *countingSource
	task   int
	pos    int64
	count  int64
	batch  int
	topics []string
	part   int32 // -1: the producer chooses
}

func (c *countingTask) Configure(_ context.Context, cfg map[string]string) error {
	c.task, _ = strconv.Atoi(cfg["task.id"])
	c.count, _ = strconv.ParseInt(cfg["count"], 10, 64)
	c.batch = 100
	if v, ok := cfg["batch"]; ok {
		c.batch, _ = strconv.Atoi(v)
	}
	c.topics = splitList(cfg["source.topics"])
	c.part = -1
	if v, ok := cfg["partition"]; ok {
		p, _ := strconv.Atoi(v)
		c.part = int32(p)
	}
	return nil
}

func (c *countingTask) Open(_ context.Context, committed []sdk.SourceOffset) error {
	defer func() {
		select {
		case c.src.opens <- struct{}{}:
		default:
		}
	}()
	c.src.mu.Lock()
	defer c.src.mu.Unlock()
	c.src.mu.starts++
	c.src.mu.opened[c.task] = committed
	for _, o := range committed {
		if o.Partition["task"] == int64(c.task) {
			c.pos = o.Offset["pos"].(int64)
		}
	}
	return nil
}

func (c *countingTask) Read(ctx context.Context) ([]record.Record, error) {
	if c.pos >= c.count {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	c.src.mu.Lock()
	fail := c.src.mu.failAt[c.pos]
	delete(c.src.mu.failAt, c.pos)
	c.src.mu.Unlock()
	if fail {
		return nil, fmt.Errorf("injected failure at %d", c.pos)
	}
	var recs []record.Record
	for i := 0; i < c.batch && c.pos < c.count; i++ {
		recs = append(recs, record.Record{
			Topic:           c.topics[int(c.pos)%len(c.topics)],
			Partition:       c.part,
			Key:             fmt.Sprintf("t%d", c.task),
			Value:           strconv.FormatInt(c.pos, 10),
			Headers:         []record.Header{{Key: "task", Value: int64(c.task)}},
			SourcePartition: map[string]any{"task": int64(c.task)},
			SourceOffset:    map[string]any{"pos": c.pos + 1},
		})
		c.pos++
	}
	return recs, nil
}

func (c *countingTask) Commit(_ context.Context, offsets []sdk.SourceOffset) error {
	c.src.mu.Lock()
	for _, o := range offsets {
		if p, ok := o.Offset["pos"].(int64); ok && p > c.src.mu.committed[c.task] {
			c.src.mu.committed[c.task] = p
		}
	}
	c.src.mu.Unlock()
	select {
	case c.src.commits <- struct{}{}:
	default:
	}
	return nil
}

func (c *countingTask) Stop(context.Context) error { return nil }

// --- collecting sink -------------------------------------------------------

// collectingSink keeps what its tasks wrote; Flush reports durable at most
// up to limit (per partition), so tests can make flushes lag.
type collectingSink struct {
	mu struct {
		sync.Mutex
		written map[sdk.TopicPartition][]int64 // offsets written, in order
		values  []string
		limit   int64 // -1: everything written is durable
		flushes int
	}
	flushed chan struct{} // a signal per Flush
	wrote   chan struct{} // a signal per Write
}

func newCollectingSink() *collectingSink {
	s := &collectingSink{flushed: make(chan struct{}, 1), wrote: make(chan struct{}, 1)}
	s.mu.written = map[sdk.TopicPartition][]int64{}
	s.mu.limit = -1
	return s
}

func (s *collectingSink) Spec() sdk.Spec {
	return sdk.Spec{Name: "collecting-sink", Kind: sdk.Sink, Config: sdk.NewConfigDef()}
}
func (s *collectingSink) Validate(context.Context, map[string]string) map[string][]string { return nil }
func (s *collectingSink) TaskConfigs(_ context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	var out []map[string]string
	for range maxTasks {
		out = append(out, cfg)
	}
	return out, nil
}
func (s *collectingSink) NewTask() sdk.SinkTask { return &collectingTask{sink: s} }

func (s *collectingSink) setLimit(n int64) {
	s.mu.Lock()
	s.mu.limit = n
	s.mu.Unlock()
}

func (s *collectingSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mu.values)
}

// waitFlushes waits for n more Flush calls.
func (s *collectingSink) waitFlushes(t testing.TB, n int) {
	t.Helper()
	s.mu.Lock()
	target := s.mu.flushes + n
	s.mu.Unlock()
	timeout := time.After(waitTimeout)
	for {
		s.mu.Lock()
		got := s.mu.flushes
		s.mu.Unlock()
		if got >= target {
			return
		}
		select {
		case <-s.flushed:
		case <-timeout:
			t.Fatalf("%d flushes, want %d", got, target)
		}
	}
}

// waitCount waits until the sink wrote n records.
func (s *collectingSink) waitCount(t testing.TB, n int) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for s.count() < n {
		select {
		case <-s.wrote:
		case <-timeout:
			t.Fatalf("sink wrote %d records, want %d", s.count(), n)
		}
	}
}

type collectingTask struct {
	sdk.UnimplementedSinkTask
	sink *collectingSink
}

func (c *collectingTask) Write(_ context.Context, recs []record.Record, _ sdk.ErrantReporter) error {
	c.sink.mu.Lock()
	defer c.sink.mu.Unlock()
	for _, r := range recs {
		tp := sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		c.sink.mu.written[tp] = append(c.sink.mu.written[tp], r.Offset)
		v, _ := r.Value.(string)
		c.sink.mu.values = append(c.sink.mu.values, v)
	}
	select {
	case c.sink.wrote <- struct{}{}:
	default:
	}
	return nil
}

func (c *collectingTask) Flush(context.Context) (map[sdk.TopicPartition]int64, error) {
	c.sink.mu.Lock()
	out := map[sdk.TopicPartition]int64{}
	for tp, offs := range c.sink.mu.written {
		next := offs[len(offs)-1] + 1
		if c.sink.mu.limit >= 0 && next > c.sink.mu.limit {
			next = c.sink.mu.limit
		}
		out[tp] = next
	}
	c.sink.mu.flushes++
	c.sink.mu.Unlock()
	select {
	case c.sink.flushed <- struct{}{}:
	default:
	}
	return out, nil
}

type (
	sdkSourceTask = sdk.SourceTask
	recsT         = []record.Record
)
