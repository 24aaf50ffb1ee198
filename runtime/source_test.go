package runtime

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

func sourceProps(kv ...string) map[string]string {
	p := map[string]string{
		"name":                              "src",
		"connector.class":                   "test.CountingSource",
		"count":                             "1000",
		"batch":                             "100",
		"source.topics":                     "numbers",
		"topic.creation.default.partitions": "3",
		"topic.creation.default.replication.factor": "1",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

// values returns the record values as numbers, sorted.
func checkExactly(t *testing.T, addr, topic string, n int) {
	t.Helper()
	recs := consumeAll(t, addr, topic, n)
	if got := endOffsets(t, addr, topic); got != int64(n) {
		t.Fatalf("%s holds %d records, want exactly %d", topic, got, n)
	}
	var got []int
	for _, r := range recs {
		v, err := strconv.Atoi(string(r.Value))
		if err != nil {
			t.Fatalf("value %q", r.Value)
		}
		got = append(got, v)
		if len(r.Headers) != 1 || r.Headers[0].Key != "task" || string(r.Headers[0].Value) != "0" {
			t.Fatalf("headers %v", r.Headers)
		}
	}
	slices.Sort(got)
	for i, v := range got {
		if v != i {
			t.Fatalf("record %d has value %d: lost or duplicated records", i, v)
		}
	}
}

type offsetsDoc struct {
	Format  string `json:"format"`
	Offsets []struct {
		Key   []any          `json:"key"`
		Value map[string]any `json:"value"`
	} `json:"offsets"`
}

func readOffsetsFile(t *testing.T, path string) offsetsDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc offsetsDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("offsets file: %v\n%s", err, data)
	}
	return doc
}

func TestSourceDeliversExactlyAndStoresOffsets(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	wp := workerProps(t, addr)
	w := startWorker(t, wp, NewInProcess(src), sourceProps())
	src.waitCommitted(t, 0, 1000)
	w.stop(t)

	checkExactly(t, addr, "numbers", 1000)
	doc := readOffsetsFile(t, wp[OffsetFileConfig])
	if doc.Format != "sluice.offsets.v1" || len(doc.Offsets) != 1 {
		t.Fatalf("offsets file %+v", doc)
	}
	e := doc.Offsets[0]
	if len(e.Key) != 2 || e.Key[0] != "src" || e.Key[1].(map[string]any)["task"] != float64(0) || e.Value["pos"] != float64(1000) {
		t.Fatalf("offsets entry %+v", e)
	}
	if read, written := w.Counts("src"); read != 1000 || written != 1000 {
		t.Fatalf("counts read=%d written=%d", read, written)
	}
	// The topic was created by the worker with the default group's settings.
	adm := kadm.NewClient(newClient(t, addr))
	td, err := adm.ListTopics(context.Background(), "numbers")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(td["numbers"].Partitions); n != 3 {
		t.Fatalf("numbers has %d partitions, want 3", n)
	}
}

func TestSourceRestartResumesFromOffsetsFile(t *testing.T) {
	addr := startBroker(t)
	wp := workerProps(t, addr)

	src := newCountingSource()
	w := startWorker(t, wp, NewInProcess(src), sourceProps("count", "500"))
	src.waitCommitted(t, 0, 500)
	w.stop(t)

	// A new worker process: same offsets file, more records to read.
	src2 := newCountingSource()
	w2 := startWorker(t, wp, NewInProcess(src2), sourceProps("count", "1200"))
	src2.waitCommitted(t, 0, 1200)
	w2.stop(t)

	src2.mu.Lock()
	opened := src2.mu.opened[0]
	src2.mu.Unlock()
	if len(opened) != 1 || opened[0].Offset["pos"] != int64(500) {
		t.Fatalf("second run opened with %+v, want pos 500", opened)
	}
	checkExactly(t, addr, "numbers", 1200)
}

func TestSourceTaskFailureRestartsWithBackoff(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	src.mu.failAt[300] = true
	src.mu.failAt[700] = true
	w := startWorker(t, workerProps(t, addr), NewInProcess(src), sourceProps())
	src.waitCommitted(t, 0, 1000)
	st := w.Status("src")
	w.stop(t)

	if len(st) != 1 || st[0].Restarts != 2 || st[0].State != Running {
		t.Fatalf("status %+v, want RUNNING after 2 restarts", st)
	}
	// A Read error does not lose acknowledged batches' offsets: the
	// restarted task resumes exactly where the broker's data ends.
	checkExactly(t, addr, "numbers", 1000)
}

func TestSourcePanicIsATaskFailure(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	p := &panicking{countingSource: src}
	w := startWorker(t, workerProps(t, addr), NewInProcess(p), sourceProps("count", "200"))
	src.waitCommitted(t, 0, 200)
	st := w.Status("src")
	w.stop(t)
	if st[0].Restarts < 1 {
		t.Fatalf("status %+v, want a restart", st)
	}
	checkExactly(t, addr, "numbers", 200)
}

// panicking is a counting source whose first task instance panics in Read.
type panicking struct {
	*countingSource
	panicked bool
}

func (p *panicking) NewTask() sdkSourceTask {
	t := &countingTask{src: p.countingSource}
	if !p.panicked {
		p.panicked = true
		return &panicTask{countingTask: t}
	}
	return t
}

type panicTask struct{ *countingTask }

func (p *panicTask) Read(context.Context) (recsT, error) { panic("boom") }

func TestSourceExplicitPartition(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	w := startWorker(t, workerProps(t, addr), NewInProcess(src), sourceProps("count", "300", "partition", "2"))
	src.waitCommitted(t, 0, 300)
	w.stop(t)
	for _, r := range consumeAll(t, addr, "numbers", 300) {
		if r.Partition != 2 {
			t.Fatalf("record %s in partition %d, want 2", r.Value, r.Partition)
		}
	}
}

func TestSourceBadPartitionFailsTask(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	w := startWorker(t, workerProps(t, addr), NewInProcess(src), sourceProps("count", "10", "partition", "7"))
	// Each run fails on produce; wait for the second start.
	timeout := time.After(waitTimeout)
	for {
		src.mu.Lock()
		starts := src.mu.starts
		src.mu.Unlock()
		if starts >= 2 {
			break
		}
		select {
		case <-src.opens:
		case <-timeout:
			t.Fatal("the task was not restarted")
		}
	}
	st := w.Status("src")
	w.stop(t)
	if st[0].Restarts < 1 && !strings.Contains(st[0].Trace, "invalid record partitioning") {
		t.Fatalf("status %+v, want a produce failure and a restart", st)
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.mu.committed[0] != 0 {
		t.Fatalf("committed %d after failed produces", src.mu.committed[0])
	}
}

// gatedSource is a countingSource whose task reads one batch per value
// on gate.
type gatedSource struct {
	*countingSource
	gate chan struct{}
}

func (g gatedSource) NewTask() sdk.SourceTask {
	return &gatedTask{countingTask{src: g.countingSource}, g.gate}
}

type gatedTask struct {
	countingTask
	gate chan struct{}
}

func (g *gatedTask) Read(ctx context.Context) ([]record.Record, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.countingTask.Read(ctx)
}

// TestSourceOffsetsStoredPerInterval: with source.offset.commit.interval.ms
// the offsets of acknowledged batches wait for the interval (the first
// store is at once), and a stop stores everything acknowledged.
func TestSourceOffsetsStoredPerInterval(t *testing.T) {
	addr := startBroker(t)
	src := gatedSource{newCountingSource(), make(chan struct{})}
	wp := workerProps(t, addr, SourceCommitIntervalConfig, "60000")
	w := startWorker(t, wp, NewInProcess(src), sourceProps("count", "30", "batch", "10"))
	written := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(waitTimeout)
		for _, got := w.Counts("src"); got < n; _, got = w.Counts("src") {
			if time.Now().After(deadline) {
				t.Fatalf("%d records acknowledged, want %d", got, n)
			}
			time.Sleep(5 * time.Millisecond) // the counts have no change signal
		}
	}
	src.gate <- struct{}{}
	src.waitCommitted(t, 0, 10) // the first store: at once
	src.gate <- struct{}{}
	written(20)
	src.gate <- struct{}{} // the loop handled batch 2 before batch 3
	written(30)
	src.mu.Lock()
	early := src.mu.committed[0]
	src.mu.Unlock()
	if early != 10 {
		t.Fatalf("committed %d within the interval, want 10 (the first batch)", early)
	}
	if e := readOffsetsFile(t, wp[OffsetFileConfig]).Offsets; len(e) != 1 || e[0].Value["pos"] != float64(10) {
		t.Fatalf("offsets file %+v, want pos 10", e)
	}
	w.stop(t)
	src.waitCommitted(t, 0, 30)
	if e := readOffsetsFile(t, wp[OffsetFileConfig]).Offsets; len(e) != 1 || e[0].Value["pos"] != float64(30) {
		t.Fatalf("offsets file after the stop %+v, want pos 30", e)
	}
}
