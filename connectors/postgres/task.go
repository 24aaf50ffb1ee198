package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// task is the source task. Configure and Open run before anything else;
// after Open the reader goroutine owns the connections and the decoding
// state, Read takes records from its queue, Commit (concurrently with
// Read) only touches prog, and Stop ends the goroutine and waits for it.
type task struct {
	cfg  *config
	prog *progress
	out  chan record.Record
	// ready carries the reader's wake-ups (capacity 1): records are
	// queued in out, a whole transaction of them or a full queue.
	ready chan struct{}

	cancel   context.CancelFunc
	done     chan struct{} // closed when the reader goroutine returned
	sigDone  chan struct{} // closed when the kafka signal consumer returned; nil: none
	err      error         // the reader's result, readable once done is closed
	stopOnce sync.Once
	stopErr  error
}

func newTask() *task { return &task{} }

var _ sdk.SourceTask = (*task)(nil)

// Configure implements sdk.SourceTask.
func (t *task) Configure(_ context.Context, cfg map[string]string) error {
	c, err := parseConfig(cfg)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	t.cfg = c
	return nil
}

// Open implements sdk.SourceTask: it resumes from the committed offset of
// this server's partition, or starts as snapshot.mode says.
func (t *task) Open(ctx context.Context, committed []sdk.SourceOffset) error {
	if t.cfg == nil {
		return fmt.Errorf("postgres: Open before Configure: %w", sdk.ErrFatal)
	}
	var resume *resumePoint
	var inc *incResume
	for _, o := range committed {
		if s, _ := o.Partition[PartitionServer].(string); s != t.cfg.prefix {
			continue
		}
		rp, err := parseOffset(o.Offset)
		if err == nil {
			inc, err = parseIncOffset(o.Offset)
		}
		if err != nil {
			return fmt.Errorf("postgres: committed offset %v: %v: %w", o.Offset, err, sdk.ErrFatal)
		}
		resume = &rp
	}
	t.prog = newProgress()
	t.out, t.ready = make(chan record.Record, t.cfg.queueSize), make(chan struct{}, 1)
	r := &reader{
		cfg: t.cfg, prog: t.prog, out: t.out, ready: t.ready, tables: map[uint32]*table{}, streams: map[uint32]*spill{}, signalOffset: -1,
		emit: newEmitter(t.cfg, func() int64 { return time.Now().UnixMicro() }),
	}
	if resume != nil {
		r.signalOffset = resume.signal
	}
	if inc != nil && t.cfg.signalTable != "" { // without the table there are no window markers
		r.inc = restoreIncremental(inc)
	}
	var sc *signalConsumer
	if t.cfg.kafkaSignals != nil {
		var err error
		if sc, err = newSignalConsumer(t.cfg, r.signalOffset); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		r.signals = sc.out
	}
	if err := r.setup(ctx, resume); err != nil {
		if sc != nil {
			sc.cl.Close()
		}
		return fmt.Errorf("postgres: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	t.cancel, t.done = cancel, make(chan struct{})
	if sc != nil {
		t.sigDone = make(chan struct{})
		go func() {
			defer close(t.sigDone)
			sc.run(rctx)
		}()
	}
	go func() {
		defer close(t.done)
		t.err = r.run(rctx)
	}()
	return nil
}

// Read implements sdk.SourceTask: up to max.batch.size records, or none
// after poll.interval.ms. It waits for the reader's wake-up (see
// reader.wake), sent per transaction rather than per record, so a batch
// holds whole transactions and a trickle of changes does not cost a Read
// per record. Once the reader failed, the records it queued are returned
// first, then its error.
func (t *task) Read(ctx context.Context) ([]record.Record, error) {
	if t.out == nil {
		return nil, fmt.Errorf("postgres: Read before Open: %w", sdk.ErrFatal)
	}
	timer := time.NewTimer(t.cfg.pollInterval)
	defer timer.Stop()
	for {
		select {
		case <-t.ready:
			if batch := t.take(); batch != nil {
				return batch, nil
			}
			// the wake-up for records an earlier Read took: wait on
		case <-t.done:
			if batch := t.take(); batch != nil {
				return batch, nil
			}
			if t.err != nil {
				return nil, fmt.Errorf("postgres: %w", t.err)
			}
			select { // finished (initial_only) or stopped: idle like an empty source
			case <-ctx.Done():
			case <-timer.C:
			}
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return t.take(), nil // what is queued: a transaction still arriving, or a missed wake-up
		}
	}
}

// take returns up to max.batch.size queued records, or nil. Read is the
// queue's only receiver, so the records counted are there; when more stay
// queued, the next Read finds a wake-up at once.
func (t *task) take() []record.Record {
	n := min(len(t.out), t.cfg.batchSize)
	if n == 0 {
		return nil
	}
	batch := make([]record.Record, n)
	for i := range batch {
		batch[i] = <-t.out
	}
	if len(t.out) > 0 {
		select {
		case t.ready <- struct{}{}:
		default:
		}
	}
	return batch
}

// Commit implements sdk.SourceTask: the slot may confirm up to the commit
// LSN of the last durable record (see progress.commit).
func (t *task) Commit(_ context.Context, offsets []sdk.SourceOffset) error {
	if t.prog == nil || t.cfg == nil {
		return nil
	}
	for _, o := range offsets {
		if s, _ := o.Partition[PartitionServer].(string); s != t.cfg.prefix {
			continue
		}
		rp, err := parseOffset(o.Offset)
		if err != nil {
			return fmt.Errorf("postgres: commit offset %v: %w", o.Offset, err)
		}
		if rp.snapshotDone {
			t.prog.commit(rp.pos)
		}
	}
	return nil
}

// Stop implements sdk.SourceTask: it ends the reader and closes its
// connections; with slot.drop.on.stop it drops the slot. Idempotent.
func (t *task) Stop(ctx context.Context) error {
	t.stopOnce.Do(func() {
		if t.cancel != nil {
			t.cancel()
			<-t.done
			if t.sigDone != nil {
				<-t.sigDone
			}
		}
		if t.cfg != nil && t.cfg.dropSlotOnStop && t.done != nil {
			t.stopErr = dropSlotNow(ctx, t.cfg)
		}
	})
	return t.stopErr
}

func dropSlotNow(ctx context.Context, cfg *config) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	repl, err := cfg.connectReplication(ctx)
	if err != nil {
		return fmt.Errorf("postgres: drop slot on stop: %w", err)
	}
	defer repl.Close(context.Background())
	if err := dropSlot(ctx, repl, cfg.slot); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}
