package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// replayer is one run of Replay. Its fields are owned by the goroutine
// that called Replay; the progress reporter reads only the atomics, which
// change when a chunk is committed.
type replayer struct {
	in      *Inspector
	o       ReplayOptions
	m       *matcher
	group   string
	tm      topicMeta
	prod    *kgo.Client // nil in a dry run
	limit   *limiter
	started time.Time
	res     ReplayResult
	parts   []*PartitionProgress
	targets map[string]*TargetCount

	replayed, skipped, dropped, remaining atomic.Int64

	// chunk is what has been read since the last commit: in a real run,
	// the open transaction.
	chunk struct {
		began     time.Time
		txnOpen   bool
		pending   map[int32]int64 // DLQ partition → position to commit
		replayed  int64
		skipped   int64
		dropped   int64
		refused   int64
		targets   map[string]int64
		produceMu sync.Mutex
		produceEr error // first produce failure, set by kgo's promise goroutines
	}
}

// cleanStop wraps an error found before a record was produced: what was
// read before it is committed before the replay returns.
type cleanStop struct{ error }

func (c cleanStop) Unwrap() error { return c.error }

func (r *replayer) run(ctx context.Context) error {
	o := &r.o
	var err error
	if r.tm, err = describe(ctx, r.in.cl, o.Topic); err != nil {
		return err
	}
	if err := r.m.validate(r.tm); err != nil {
		return err
	}
	if o.To != "" {
		if _, err := r.target(ctx, o.To); err != nil {
			return err
		}
	}
	if !o.DryRun {
		r.prod, err = kgo.NewClient(append(slices.Clone(r.in.opts),
			kgo.ClientID("sluice-dlq-replay"),
			kgo.TransactionalID(r.group),
			kgo.RecordPartitioner(replayPartitioner()),
		)...)
		if err != nil {
			return fmt.Errorf("replay %q: producer: %w", o.Name, err)
		}
		defer r.prod.Close()
		// InitProducerId fences an earlier producer with this
		// transactional id and aborts its open transaction, so the
		// progress read next is final.
		if _, _, err := r.prod.ProducerID(ctx); err != nil {
			return fmt.Errorf("replay %q: init transactional producer %q: %w", o.Name, r.group, err)
		}
	}
	committed, err := fetchProgress(ctx, r.in.adm, r.group, o.Topic, !o.DryRun)
	if err != nil {
		return fmt.Errorf("replay %q: %w", o.Name, err)
	}
	bs, err := listBounds(ctx, r.in.adm, o.Topic)
	if err != nil {
		return err
	}
	for _, p := range r.m.partitions(r.tm) {
		b := bs[p]
		start := max(b.start, committed[p])
		start, end := r.m.window(start, b.end)
		r.parts = append(r.parts, &PartitionProgress{Partition: p, Start: start, Position: start, End: end, LogStart: b.start})
		r.remaining.Add(end - start)
	}
	defer func() {
		r.res.Partitions = nil
		for _, pp := range r.parts {
			r.res.Partitions = append(r.res.Partitions, *pp)
		}
	}()
	if o.Progress != nil {
		stop := r.report()
		defer stop()
	}

	for _, pp := range r.parts {
		cur := pp.Position
		_, err := readRange(ctx, r.in.cl, r.in.adm, r.tm, pp.Partition, pp.Start, pp.End,
			func(rec *kgo.Record) (bool, error) {
				err := r.record(ctx, pp.Partition, rec)
				if err == nil {
					cur = rec.Offset + 1
					r.advance(pp.Partition, cur)
					err = r.maybeCommit(ctx)
				}
				return err == nil, err
			},
			func(pos int64) error {
				if pos > cur {
					cur = pos
					r.advance(pp.Partition, cur)
				}
				return r.maybeCommit(ctx)
			})
		if err != nil {
			if cs := (cleanStop{}); errors.As(err, &cs) {
				if cerr := r.commit(ctx); cerr != nil {
					return errors.Join(cs.error, r.abort(ctx, cerr))
				}
				return cs.error
			}
			return r.abort(ctx, err)
		}
	}
	if err := r.commit(ctx); err != nil {
		return r.abort(ctx, err)
	}
	if o.Purge && !o.DryRun {
		return r.purge(ctx)
	}
	return nil
}

// record handles one DLQ record: filter, target, fix-up, produce.
func (r *replayer) record(ctx context.Context, p int32, rec *kgo.Record) error {
	o := &r.o
	r.openChunk()
	e := matchEntry(rec)
	if !r.m.match(&e) {
		r.chunk.skipped++
		return nil
	}
	target, part := o.To, int32(-1)
	if target == "" {
		if e.Context.Topic == "" {
			if o.DryRun {
				r.chunk.refused++
				return nil
			}
			return cleanStop{fmt.Errorf("replay %q: %s/%d offset %d: %w: give a target topic (--to), or a filter that leaves it out",
				o.Name, o.Topic, p, rec.Offset, ErrNoTarget)}
		}
		target, part = e.Context.Topic, max(e.Context.Partition, -1)
	}
	out := &kgo.Record{Topic: target, Partition: part, Key: rec.Key, Value: rec.Value, Timestamp: rec.Timestamp}
	for _, h := range rec.Headers {
		if !IsContextHeader(h.Key) {
			out.Headers = append(out.Headers, h)
		}
	}
	if o.Fixer != nil {
		fixed, keep, err := o.Fixer(out)
		if err != nil {
			return cleanStop{fmt.Errorf("replay %q: fix-up of %s/%d offset %d: %w", o.Name, o.Topic, p, rec.Offset, err)}
		}
		if !keep || fixed == nil {
			r.chunk.dropped++
			return nil
		}
		if fixed.Topic == "" {
			fixed.Topic = target
		}
		out = fixed
	}
	if _, err := r.target(ctx, out.Topic); err != nil {
		return err
	}
	r.chunk.targets[out.Topic]++
	r.chunk.replayed++
	if o.DryRun {
		return nil
	}
	if err := r.limit.take(ctx); err != nil {
		return err
	}
	if !r.chunk.txnOpen {
		if err := r.prod.BeginTransaction(); err != nil {
			return fmt.Errorf("replay %q: begin transaction: %w", o.Name, err)
		}
		r.chunk.txnOpen = true
	}
	r.prod.Produce(ctx, out, func(_ *kgo.Record, err error) {
		if err != nil {
			r.chunk.produceMu.Lock()
			if r.chunk.produceEr == nil {
				r.chunk.produceEr = err
			}
			r.chunk.produceMu.Unlock()
		}
	})
	return nil
}

// advance records that partition p's records below pos are handled in the
// current chunk.
func (r *replayer) advance(p int32, pos int64) {
	r.openChunk()
	r.chunk.pending[p] = pos
}

// openChunk starts a chunk if none is open.
func (r *replayer) openChunk() {
	if r.chunk.pending == nil {
		r.chunk.pending = map[int32]int64{}
		r.chunk.targets = map[string]int64{}
		r.chunk.began = time.Now()
	}
}

// maybeCommit commits the chunk when it is full or old enough.
func (r *replayer) maybeCommit(ctx context.Context) error {
	n := r.chunk.replayed + r.chunk.skipped + r.chunk.dropped
	if len(r.chunk.pending) > 0 && (n >= int64(r.o.BatchSize) || time.Since(r.chunk.began) >= r.o.CommitInterval) {
		return r.commit(ctx)
	}
	return nil
}

// commit makes the chunk durable: in a real run, its records and the new
// positions in one transaction (or the positions alone when nothing was
// produced); then adds it to the counts.
func (r *replayer) commit(ctx context.Context) error {
	c := &r.chunk
	if len(c.pending) == 0 && !c.txnOpen {
		return nil
	}
	if !r.o.DryRun {
		if c.txnOpen {
			if err := r.prod.Flush(ctx); err != nil {
				return fmt.Errorf("replay %q: flush: %w", r.o.Name, err)
			}
			c.produceMu.Lock()
			perr := c.produceEr
			c.produceMu.Unlock()
			if perr != nil {
				return fmt.Errorf("replay %q: produce: %w", r.o.Name, perr)
			}
			if err := commitTxnOffsets(ctx, r.prod, r.group, r.group, r.o.Topic, c.pending); err != nil {
				return fmt.Errorf("replay %q: %w", r.o.Name, err)
			}
			if err := r.prod.EndTransaction(ctx, kgo.TryCommit); err != nil {
				return fmt.Errorf("replay %q: commit transaction: %w", r.o.Name, err)
			}
			c.txnOpen = false
		} else if err := commitPlain(ctx, r.in.adm, r.group, r.o.Topic, c.pending); err != nil {
			return fmt.Errorf("replay %q: %w", r.o.Name, err)
		}
	}
	for _, pp := range r.parts {
		if pos, ok := c.pending[pp.Partition]; ok {
			r.remaining.Add(-(pos - pp.Position))
			pp.Position = pos
		}
	}
	for t, n := range c.targets {
		r.targets[t].Records += n
	}
	r.res.Refused += c.refused
	r.replayed.Add(c.replayed)
	r.skipped.Add(c.skipped)
	r.dropped.Add(c.dropped)
	c.pending, c.targets = nil, nil
	c.replayed, c.skipped, c.dropped, c.refused = 0, 0, 0, 0
	return nil
}

// abort drops the chunk (aborting its transaction) after err.
func (r *replayer) abort(ctx context.Context, err error) error {
	c := &r.chunk
	if c.txnOpen {
		// Not under ctx: it may be what ended the replay.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		aerr := r.prod.AbortBufferedRecords(actx)
		if aerr == nil {
			aerr = r.prod.EndTransaction(actx, kgo.TryAbort)
		}
		if aerr != nil {
			// The broker aborts it when the transaction times out,
			// or when the next run with this name starts.
			err = errors.Join(err, fmt.Errorf("replay %q: abort transaction: %w", r.o.Name, aerr))
		}
		c.txnOpen = false
	}
	c.pending, c.targets = nil, nil
	c.replayed, c.skipped, c.dropped, c.refused = 0, 0, 0, 0
	c.produceEr = nil
	return err
}

// target checks that topic exists (creating it with CreateTopic) the first
// time a replay sends to it.
func (r *replayer) target(ctx context.Context, topic string) (*TargetCount, error) {
	if tc, ok := r.targets[topic]; ok {
		return tc, nil
	}
	tc := &TargetCount{Topic: topic, Exists: true}
	if _, err := describe(ctx, r.in.cl, topic); errors.Is(err, ErrUnknownTopic) {
		tc.Exists = false
	} else if err != nil {
		return nil, fmt.Errorf("replay %q: %w", r.o.Name, err)
	}
	if !tc.Exists && !r.o.DryRun {
		if !r.o.CreateTopic {
			return nil, cleanStop{fmt.Errorf("replay %q: target topic %q: %w (create it, or ask for --create-topic)", r.o.Name, topic, ErrTargetMissing)}
		}
		resp, err := r.in.adm.CreateTopic(ctx, -1, -1, nil, topic)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			return nil, cleanStop{fmt.Errorf("replay %q: create target topic %q: %w", r.o.Name, topic, err)}
		}
		tc.Created = true
	}
	r.targets[topic] = tc
	return tc, nil
}

// purge deletes the DLQ records below each partition's progress.
func (r *replayer) purge(ctx context.Context) error {
	os := make(kadm.Offsets)
	for _, pp := range r.parts {
		if pp.Position > pp.LogStart {
			os.Add(kadm.Offset{Topic: r.o.Topic, Partition: pp.Partition, At: pp.Position, LeaderEpoch: -1})
		}
	}
	r.res.Purged = true
	if len(os) == 0 {
		return nil
	}
	resps, err := r.in.adm.DeleteRecords(ctx, os)
	if err != nil {
		return fmt.Errorf("replay %q: purge %q: %w", r.o.Name, r.o.Topic, err)
	}
	for _, pp := range r.parts {
		if d, ok := resps.Lookup(r.o.Topic, pp.Partition); ok {
			if d.Err != nil {
				return fmt.Errorf("replay %q: purge %s/%d below %d: %w", r.o.Name, r.o.Topic, pp.Partition, pp.Position, d.Err)
			}
			pp.LogStart = d.LowWatermark
		}
	}
	return nil
}

// report calls Progress periodically until the returned stop is called.
func (r *replayer) report() (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(r.o.ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.o.Progress(r.snapshot())
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func (r *replayer) snapshot() Progress {
	return Progress{
		Replayed:  r.replayed.Load(),
		Skipped:   r.skipped.Load(),
		Dropped:   r.dropped.Load(),
		Remaining: r.remaining.Load(),
		Elapsed:   time.Since(r.started),
	}
}
