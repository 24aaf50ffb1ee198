package sdktest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// SinkOptions tune RunSink.
type SinkOptions struct {
	// Records are the input, written in this order. The kit sets Offset
	// (0, 1, … per topic partition, in order), a Topic of "sdktest" where
	// empty and Partition 0 where negative. At least 4 are needed.
	Records []record.Record
	// Errant are records the sink must report to the ErrantReporter instead
	// of writing them or failing (bad data for this sink); the kit mixes them
	// into the first batch. May be empty.
	Errant []record.Record
	// ReadBack returns what landed in the target so far, one record per
	// write, in any order. Required.
	ReadBack func(ctx context.Context) ([]record.Record, error)
	// ID names a record's data, equal for an input record and its landed
	// form; default fmt.Sprint of the value ([]byte as a string).
	ID func(record.Record) string
	// BatchSize is the number of records per Write; default 10.
	BatchSize int
	// MaxTasks is passed to TaskConfigs; default 1. The kit runs the first
	// task configuration.
	MaxTasks int
	// Timeout bounds each call; default 30s.
	Timeout time.Duration
}

func (o *SinkOptions) defaults() {
	if o.ID == nil {
		o.ID = func(r record.Record) string {
			if b, ok := r.Value.([]byte); ok {
				return string(b)
			}
			return fmt.Sprint(r.Value)
		}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 10
	}
	if o.MaxTasks == 0 {
		o.MaxTasks = 1
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
}

// RunSink runs the sink acceptance checks (see the package documentation)
// against c configured with cfg.
func RunSink(t *testing.T, c sdk.SinkConnector, cfg map[string]string, opts SinkOptions) {
	t.Helper()
	runSink(t, c, cfg, opts)
}

// reporter is the kit's ErrantReporter; a sink may call it from any goroutine.
type reporter struct {
	mu      sync.Mutex
	reports []record.Record
}

func (r *reporter) Report(rec record.Record, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, rec)
}

func (r *reporter) reported() []record.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reports)
}

func runSink(t tb, c sdk.SinkConnector, cfg map[string]string, opts SinkOptions) {
	t.Helper()
	if len(opts.Records) < 4 || opts.ReadBack == nil {
		t.Fatalf("sdktest: SinkOptions: need at least 4 Records (got %d) and a ReadBack", len(opts.Records))
	}
	opts.defaults()
	ctx := context.Background()
	spec := c.Spec()
	checkSpec(t, spec, sdk.Sink)
	taskCfg := checkConfig(ctx, t, c, spec, cfg, opts.MaxTasks)[0]

	// The input: the first half with the errant records mixed in, then the rest.
	n := len(opts.Records)
	half, threeQuarters := n/2, n/2+(n-n/2)/2
	input := slices.Concat(opts.Records[:1], opts.Errant, opts.Records[1:])
	half += len(opts.Errant)
	threeQuarters += len(opts.Errant)
	next := map[sdk.TopicPartition]int64{}
	errant := map[sdk.TopicPartition]map[int64]bool{}
	ids := map[string]int{} // input ID → index in input + 1
	for i := range input {
		r := &input[i]
		if r.Topic == "" {
			r.Topic = "sdktest"
		}
		if r.Partition < 0 {
			r.Partition = 0
		}
		tp := sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		r.Offset = next[tp]
		next[tp]++
		if i >= 1 && i < 1+len(opts.Errant) {
			if errant[tp] == nil {
				errant[tp] = map[int64]bool{}
			}
			errant[tp][r.Offset] = true
			continue
		}
		if id := opts.ID(*r); ids[id] > 0 {
			t.Fatalf("sdktest: SinkOptions: records %d and %d have the same ID %q", ids[id]-1, i, id)
		} else {
			ids[id] = i + 1
		}
	}
	partitions := slices.Collect(maps.Keys(next))
	slices.SortFunc(partitions, func(a, b sdk.TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	rep := &reporter{}
	call := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, opts.Timeout) }

	// First task: write and flush the first half, write a quarter more, stop.
	task := c.NewTask()
	openSink(call, t, task, taskCfg, partitions)
	written := map[sdk.TopicPartition]int64{}
	writeBatches(call, t, task, input[:half], opts.BatchSize, rep, written)
	committed := flush(call, t, task, written, nil)
	checkLanded(ctx, t, opts, input, ids, committed, committed, "after the first Flush")
	writeBatches(call, t, task, input[half:threeQuarters], opts.BatchSize, rep, written)
	stopTwice(ctx, t, task, "first task")

	// Restart: a fresh task gets everything from the committed offsets on.
	task2 := c.NewTask()
	openSink(call, t, task2, taskCfg, partitions)
	var again []record.Record
	for _, r := range input {
		if r.Offset >= committed[sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}] {
			again = append(again, r)
		}
	}
	written = map[sdk.TopicPartition]int64{}
	writeBatches(call, t, task2, again, opts.BatchSize, rep, written)
	final := flush(call, t, task2, written, committed)
	stopTwice(ctx, t, task2, "restarted task")
	dups := checkLanded(ctx, t, opts, input, ids, final, committed, "after the restart")
	for tp, end := range next {
		if final[tp] < end {
			t.Logf("sdktest: %s: %v committed up to %d of %d: the rest would be redelivered", spec.Name, tp, final[tp], end)
		}
	}

	// Errant records were reported, nothing else was.
	reported := map[sdk.TopicPartition]map[int64]bool{}
	for _, r := range rep.reported() {
		tp := sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		if !errant[tp][r.Offset] {
			t.Errorf("record %v@%d was reported errant but is good input", tp, r.Offset)
			continue
		}
		if reported[tp] == nil {
			reported[tp] = map[int64]bool{}
		}
		reported[tp][r.Offset] = true
	}
	for tp, offs := range errant {
		for off := range offs {
			if !reported[tp][off] {
				t.Errorf("errant record %v@%d was not reported to the ErrantReporter", tp, off)
			}
		}
	}
	t.Logf("sdktest: %s: wrote %d records (%d errant), flushed after %d; %d duplicates landed from the unflushed window",
		spec.Name, len(input), len(opts.Errant), half, dups)
}

func openSink(call func() (context.Context, context.CancelFunc), t tb, task sdk.SinkTask, cfg map[string]string, parts []sdk.TopicPartition) {
	t.Helper()
	ctx, cancel := call()
	defer cancel()
	if err := task.Configure(ctx, cfg); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if err := task.Open(ctx, parts); err != nil {
		t.Fatalf("Open(%v): %v", parts, err)
	}
	if err := task.Write(ctx, nil, &reporter{}); err != nil {
		t.Errorf("Write of an empty batch: %v", err)
	}
}

func writeBatches(call func() (context.Context, context.CancelFunc), t tb, task sdk.SinkTask, recs []record.Record, size int, rep sdk.ErrantReporter, written map[sdk.TopicPartition]int64) {
	t.Helper()
	for len(recs) > 0 {
		b := recs[:min(size, len(recs))]
		recs = recs[len(b):]
		ctx, cancel := call()
		err := task.Write(ctx, slices.Clone(b), rep)
		cancel()
		if err != nil {
			t.Fatalf("Write of %d records: %v", len(b), err)
		}
		for _, r := range b {
			written[sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}] = r.Offset + 1
		}
	}
}

// flush checks the offsets Flush returns: only for written partitions, never
// beyond what was written, never behind prev.
func flush(call func() (context.Context, context.CancelFunc), t tb, task sdk.SinkTask, written, prev map[sdk.TopicPartition]int64) map[sdk.TopicPartition]int64 {
	t.Helper()
	ctx, cancel := call()
	defer cancel()
	offs, err := task.Flush(ctx)
	if err != nil {
		t.Fatalf("Flush: %v", err)
	}
	out := map[sdk.TopicPartition]int64{}
	for tp, o := range prev {
		out[tp] = o
	}
	for tp, o := range offs {
		w, ok := written[tp]
		switch {
		case !ok:
			t.Errorf("Flush returned offset %d for %v, which was not written", o, tp)
		case o > w:
			t.Errorf("Flush returned offset %d for %v beyond the last written + 1 (%d)", o, tp, w)
		case o < prev[tp]:
			t.Errorf("Flush returned offset %d for %v, behind the committed %d", o, tp, prev[tp])
		default:
			out[tp] = o
		}
	}
	return out
}

// checkLanded compares the target with the input: every record below the
// committed offsets landed, records below once (committed before the last
// restart) landed exactly once, and nothing landed that was not good input.
// It returns the number of duplicates.
func checkLanded(ctx context.Context, t tb, opts SinkOptions, input []record.Record, ids map[string]int, committed, once map[sdk.TopicPartition]int64, when string) int {
	t.Helper()
	landed, err := opts.ReadBack(ctx)
	if err != nil {
		t.Fatalf("ReadBack %s: %v", when, err)
	}
	count := map[string]int{}
	for _, r := range landed {
		id := opts.ID(r)
		if ids[id] == 0 {
			t.Errorf("%s: landed %q, which is not good input", when, id)
			continue
		}
		count[id]++
	}
	dups := 0
	for id, i := range ids {
		r := input[i-1]
		tp := sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		if r.Offset < committed[tp] && count[id] == 0 {
			t.Errorf("%s: record %v@%d (%q) is below the committed offset %d but did not land", when, tp, r.Offset, id, committed[tp])
		}
		if count[id] > 1 {
			dups += count[id] - 1
			if r.Offset < once[tp] {
				t.Errorf("%s: record %v@%d (%q) landed %d times though it was committed before the restart", when, tp, r.Offset, id, count[id])
			}
		}
	}
	return dups
}
