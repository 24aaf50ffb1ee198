package datagen

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// maxBoxedKeys bounds the table of pre-boxed keys; beyond it keys are
// formatted per record.
const maxBoxedKeys = 1 << 16

var errStopped = fmt.Errorf("datagen: task stopped: %w", sdk.ErrFatal)

// task generates one numbered stream. Configure, Open and Read run on the
// runtime's reading goroutine; Stop may come from another, so the state is
// under mu, which Read holds while generating but not while it waits.
type task struct {
	stop     chan struct{} // closed by Stop: wakes a waiting Read
	stopOnce sync.Once

	mu struct {
		sync.Mutex
		cfg        config
		configured bool
		stopped    bool
		gen        *generator
		keySchema  *record.Schema
		keys       []any          // "key-0" … boxed, when cardinality ≤ maxBoxedKeys
		partition  map[string]any // shared by all records of the task
		next       int64          // number of the next record
		// Pacing: the clock starts at the first Read.
		started   bool
		start     time.Time
		startNext int64 // next at start
	}
}

func newTask() *task { return &task{stop: make(chan struct{})} }

var _ sdk.SourceTask = (*task)(nil)

// Configure implements sdk.SourceTask.
func (t *task) Configure(_ context.Context, cfg map[string]string) error {
	c, err := parseConfig(cfg)
	if err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mu.cfg, t.mu.configured = c, true
	t.mu.gen = generators[c.schema]()
	t.mu.partition = map[string]any{PartitionTask: c.task}
	t.mu.keySchema, t.mu.keys = nil, nil
	if c.cardinality > 0 {
		t.mu.keySchema = record.StringSchema()
		if c.cardinality <= maxBoxedKeys {
			t.mu.keys = make([]any, c.cardinality)
			for i := range t.mu.keys {
				t.mu.keys[i] = "key-" + strconv.Itoa(i)
			}
		}
	}
	return nil
}

// Open implements sdk.SourceTask: it resumes after the committed record of
// this task's partition.
func (t *task) Open(_ context.Context, committed []sdk.SourceOffset) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.mu.configured {
		return fmt.Errorf("datagen: Open before Configure: %w", sdk.ErrFatal)
	}
	for _, o := range committed {
		if id, err := sdk.OffsetInt64(o.Partition[PartitionTask]); err != nil || id != t.mu.cfg.task {
			continue
		}
		seq, err := sdk.OffsetInt64(o.Offset[OffsetSeq])
		if err != nil || seq < 0 {
			return fmt.Errorf("datagen: committed offset %v of task %d: bad %q: %w", o.Offset, t.mu.cfg.task, OffsetSeq, sdk.ErrFatal)
		}
		t.mu.next = seq
	}
	return nil
}

// Read implements sdk.SourceTask.
func (t *task) Read(ctx context.Context) ([]record.Record, error) {
	recs, wait, err := t.generate(time.Now())
	if err != nil || len(recs) > 0 {
		return recs, err
	}
	t.idle(ctx, wait)
	if ctx.Err() != nil {
		return nil, nil
	}
	recs, _, err = t.generate(time.Now())
	return recs, err
}

func (t *task) idle(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-t.stop:
	case <-timer.C:
	}
}

// generate returns the records due at now; when there are none it says how
// long to wait for the next one.
func (t *task) generate(now time.Time) ([]record.Record, time.Duration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.mu.stopped:
		return nil, 0, errStopped
	case !t.mu.configured:
		return nil, 0, fmt.Errorf("datagen: Read before Configure: %w", sdk.ErrFatal)
	}
	n, wait := t.dueLocked(now)
	if n == 0 {
		return nil, wait, nil
	}
	return t.batchLocked(n), 0, nil
}

// dueLocked is how many records Read may return at now.
func (t *task) dueLocked(now time.Time) (int64, time.Duration) {
	c := &t.mu.cfg
	n := int64(c.batchSize)
	if c.count > 0 {
		n = min(n, c.count-t.mu.next)
		if n <= 0 {
			return 0, idleWait
		}
	}
	if c.rate <= 0 {
		return n, 0
	}
	if !t.mu.started {
		t.mu.started, t.mu.start, t.mu.startNext = true, now, t.mu.next
	}
	// Lag of more than a second's worth is forgiven, not caught up.
	maxLag := max(int64(c.rate), 1)
	allowed := t.mu.startNext + int64(now.Sub(t.mu.start).Seconds()*c.rate)
	if allowed-t.mu.next > maxLag {
		t.mu.startNext = t.mu.next + maxLag
		t.mu.start = now
		allowed = t.mu.startNext
	}
	if due := allowed - t.mu.next; due > 0 {
		return min(n, due), 0
	}
	// The next record is due when (next+1-startNext)/rate seconds have passed.
	at := t.mu.start.Add(time.Duration(float64(t.mu.next+1-t.mu.startNext) / c.rate * float64(time.Second)))
	return 0, min(max(at.Sub(now), time.Millisecond), idleWait)
}

// batchLocked generates records next … next+n-1.
func (t *task) batchLocked(n int64) []record.Record {
	c, g := &t.mu.cfg, t.mu.gen
	recs := make([]record.Record, n)
	var slab []byte
	if g.payload > 0 {
		slab = make([]byte, int(n)*g.payload)
	}
	for i := range recs {
		seq := t.mu.next + int64(i)
		r := newRNG(c.seed, c.task, seq)
		rec := &recs[i]
		rec.Topic = c.topic
		rec.Partition = -1
		if c.cardinality > 0 {
			rec.KeySchema = t.mu.keySchema
			k := r.intn(uint64(c.cardinality))
			if t.mu.keys != nil {
				rec.Key = t.mu.keys[k]
			} else {
				rec.Key = "key-" + strconv.FormatUint(k, 10)
			}
		}
		var payload []byte
		if g.payload > 0 {
			payload = slab[i*g.payload : (i+1)*g.payload : (i+1)*g.payload]
		}
		v := record.NewStruct(g.schema)
		g.fill(v, &r, seq, payload)
		rec.ValueSchema = g.schema
		rec.Value = v
		rec.SourcePartition = t.mu.partition
		rec.SourceOffset = map[string]any{OffsetSeq: seq + 1}
	}
	t.mu.next += n
	return recs
}

// Commit implements sdk.SourceTask; records are regenerated, not kept.
func (t *task) Commit(context.Context, []sdk.SourceOffset) error { return nil }

// Stop implements sdk.SourceTask: it wakes a waiting Read. Idempotent.
func (t *task) Stop(context.Context) error {
	t.stopOnce.Do(func() { close(t.stop) })
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mu.stopped = true
	return nil
}
