package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// maxInFlightBatches bounds the batches read but not yet committed; the
// reader waits (pushback) when it is reached.
const maxInFlightBatches = 32

// sourceBatch is one Read's records on their way to the broker. Its done
// channel closes when the broker answered every record.
type sourceBatch struct {
	offsets []sdk.SourceOffset // latest offset per source partition, first-seen order
	records int
	readAt  time.Time // when Read returned it
	pending atomic.Int64
	mu      sync.Mutex
	err     error // first produce error
	done    chan struct{}
}

func (b *sourceBatch) ack(_ *kgo.Record, err error) {
	if err != nil {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	if b.pending.Add(-1) == 0 {
		close(b.done)
	}
}

func (b *sourceBatch) failure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// latestOffsets returns the last offset of each source partition in recs.
// It builds the offset maps of only those records (and of records a run
// of the same partition ends at): the plugin host decodes offsets lazily.
func latestOffsets(recs []record.Record) ([]sdk.SourceOffset, error) {
	var out []sdk.SourceOffset
	index := map[string]int{}
	var prev map[string]any // the previous record's partition, at out[last]
	last := -1
	lastRec := -1 // the record whose offset out[last] is to get
	for i := range recs {
		r := &recs[i]
		if r.SourcePartition == nil {
			continue
		}
		// Records of a batch nearly always share their source partition:
		// skip the JSON key when it is the same as the previous record's.
		if last >= 0 && samePartition(prev, r.SourcePartition) {
			lastRec = i
			continue
		}
		if last >= 0 {
			out[last].Offset = recs[lastRec].SourceOffsetMap()
		}
		prev = r.SourcePartition
		k, err := json.Marshal(r.SourcePartition)
		if err != nil {
			return nil, fmt.Errorf("source partition %v: %w", r.SourcePartition, err)
		}
		lastRec = i
		if j, ok := index[string(k)]; ok {
			last = j
			continue
		}
		index[string(k)] = len(out)
		last = len(out)
		out = append(out, sdk.SourceOffset{Partition: r.SourcePartition})
	}
	if last >= 0 {
		out[last].Offset = recs[lastRec].SourceOffsetMap()
	}
	return out, nil
}

// samePartition reports whether two source partitions are equal: the same
// map (decoded batches share one), or equal JSON-like contents.
func samePartition(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	if reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() {
		return true
	}
	return maps.EqualFunc(a, b, sameScalar)
}

// sameScalar is a cheap, conservative equality for partition values: equal
// scalars of the same Go type. Anything else counts as different, and the
// caller falls back to comparing JSON keys.
func sameScalar(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

// mergeOffsets returns a with b's offsets applied: b is later, so its
// offset of a source partition replaces a's.
func mergeOffsets(a, b []sdk.SourceOffset) []sdk.SourceOffset {
	if len(a) == 0 {
		return b
	}
	out := slices.Clone(a)
	for _, o := range b {
		i := slices.IndexFunc(out, func(x sdk.SourceOffset) bool { return maps.EqualFunc(x.Partition, o.Partition, sameJSON) })
		if i < 0 {
			out = append(out, o)
		} else {
			out[i].Offset = o.Offset
		}
	}
	return out
}

// sameJSON compares two JSON-like values (source partition values).
func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// sourceRunner is one run of a source task: from Configure to Stop. The
// reader goroutine owns created and calls Read; the goroutine that called
// run owns everything else and is the only one storing offsets.
type sourceRunner struct {
	w       *Worker
	conn    *ConnectorConfig
	id      TaskID
	taskCfg map[string]string
	log     *slog.Logger
	stats   *connectorStats
	tm      *taskMetrics
	task    sdk.SourceTask
	conv    converters
	chain   transformChain
	errs    *errantHandler
	client  *kgo.Client
	admin   *kadm.Client
	created map[string]bool
}

// runSource runs one instance of a source task until ctx is cancelled (a
// graceful stop: nil) or the task fails (the error).
func (w *Worker) runSource(ctx context.Context, conn *ConnectorConfig, id TaskID, taskCfg map[string]string, log *slog.Logger) (err error) {
	r := &sourceRunner{w: w, conn: conn, id: id, taskCfg: taskCfg, log: log, stats: w.stats(conn.Name), tm: w.metrics.task(id), created: map[string]bool{}}
	if r.conv, err = newConverters(w.converters, conn); err != nil {
		return err
	}
	h, err := w.plugins.SourceTask(ctx, conn.Class, id)
	if err != nil {
		return fmt.Errorf("start task: %w", err)
	}
	r.task = h.Task
	// The runner reads few records' source offsets, and only through
	// SourceOffsetMap (latestOffsets, sourceErrorContext): a plugin host
	// may leave the others undecoded.
	if l, ok := r.task.(interface{ LazySourceOffsets() }); ok {
		l.LazySourceOffsets()
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.ShutdownTimeout)
		defer cancel()
		if rerr := h.Release(rctx); rerr != nil {
			log.Warn("release task instance", "err", rerr)
		}
	}()
	opts := []kgo.Opt{
		kgo.SeedBrokers(w.cfg.BootstrapServers...),
		kgo.ClientID(fmt.Sprintf("connector-producer-%s-%d", conn.Name, id.Task)),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5 * time.Millisecond),
		// Kafka's producer default is compression.type=none; kgo's is
		// snappy. producer.compression.type overrides it.
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordPartitioner(newSourcePartitioner()),
		kgo.MaxBufferedRecords(64 << 10),
	}
	if r.client, err = kgo.NewClient(append(opts, clientOpts(w.cfg.Producer, producerOverrides)...)...); err != nil {
		return fmt.Errorf("producer: %w", err)
	}
	defer r.client.Close()
	r.admin = kadm.NewClient(r.client)
	if r.chain, err = newTransformChain(conn.Props); err != nil {
		return err
	}
	r.errs = newErrantHandler(conn.Errors, conn, id, log, r.tm, r.stats, r.client)
	if conn.Errors.DLQTopic != "" {
		if err := r.errs.ensureTopic(ctx); err != nil {
			return err
		}
	}

	if err := r.task.Configure(ctx, taskCfg); err != nil {
		return fmt.Errorf("configure: %w", err)
	}
	committed, err := w.offsets.Load(conn.Name)
	if err != nil {
		return fmt.Errorf("load offsets: %w", err)
	}
	if err := r.task.Open(ctx, committed); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	log.Info("source task running", "committed_partitions", len(committed))
	err = r.loop(ctx, h.Exited)

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.ShutdownTimeout)
	defer cancel()
	if serr := r.task.Stop(sctx); serr != nil && err == nil && ctx.Err() == nil {
		err = fmt.Errorf("stop: %w", serr)
	} else if serr != nil {
		log.Warn("stop task", "err", serr)
	}
	return err
}

// loop reads, produces and commits until a stop or a failure. Batches are
// committed strictly in read order, each only when the broker acknowledged
// all its records, so a stored offset never passes an unacknowledged record.
func (r *sourceRunner) loop(ctx context.Context, exited <-chan struct{}) error {
	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	// Records are produced under their own context, so that a stop cancels
	// Read but not the records already on their way; it ends with the loop.
	produceCtx, cancelProduce := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelProduce()
	inflight := make(chan *sourceBatch, maxInFlightBatches)
	abandon := make(chan struct{}) // closed when this loop stops taking batches
	readDone := make(chan struct{})
	var readErr error
	go func() {
		defer close(readDone)
		defer close(inflight)
		readErr = r.safeRead(readCtx, produceCtx, inflight, abandon)
	}()

	var (
		failure   error // why the task fails
		broken    bool  // a batch failed or was cut short: commit nothing after it
		stopping  bool
		deadline  <-chan time.Time
		stopCh    = ctx.Done()
		readEnded = readDone
		// pending are the offsets of acknowledged batches not stored yet:
		// offsets are stored at most once per source.offset.commit.interval.ms
		// (commitDue fires when the interval since the last store ends).
		pending    []sdk.SourceOffset
		lastCommit time.Time
		commitDue  <-chan time.Time
	)
	beginStop := func(cause error) {
		if failure == nil {
			failure = cause
		}
		if !stopping {
			stopping = true
			cancelRead()
			deadline = time.After(r.w.cfg.ShutdownTimeout)
		}
	}
	commitPending := func() {
		commitDue = nil
		if len(pending) == 0 {
			return
		}
		offsets := pending
		pending, lastCommit = nil, time.Now()
		if err := r.commit(ctx, offsets); err != nil {
			broken = true
			beginStop(err)
		}
	}
	// wait watches the events that end the task, and stores pending
	// offsets when due, while it waits for ch.
	wait := func(ch <-chan struct{}) bool {
		for {
			select {
			case <-ch:
				return true
			case <-commitDue:
				commitPending()
			case <-stopCh:
				stopCh = nil
				beginStop(nil)
			case <-exited:
				exited = nil
				beginStop(errors.New("plugin process exited"))
			case <-readEnded:
				readEnded = nil
				beginStop(readErr)
			case <-deadline:
				return false
			}
		}
	}
	var next *sourceBatch // taken from inflight while coalescing, not yet handled
	for closed := false; ; {
		b := next
		next = nil
		if b == nil {
			if closed {
				break
			}
			var ok bool
			select {
			case b, ok = <-inflight:
			case <-commitDue:
				commitPending()
				continue
			case <-exited:
				exited = nil
				beginStop(errors.New("plugin process exited"))
				continue
			}
			if !ok {
				break
			}
		}
		if !wait(b.done) {
			r.log.Warn("graceful stop timed out; unacknowledged records will be read again", "timeout", r.w.cfg.ShutdownTimeout)
			break
		}
		if broken {
			continue // nothing after a failed batch may be committed
		}
		if err := b.failure(); err != nil {
			r.tm.failed.Add(float64(b.records))
			broken = true
			if !errors.Is(err, context.Canceled) { // not just cut short by the stop
				beginStop(fmt.Errorf("produce: %w", err))
			}
			continue
		}
		// Coalesce the following batches the broker already acknowledged
		// in full: one offsets write for all of them.
		offsets, records := b.offsets, b.records
		r.tm.batch.Observe(since(b.readAt))
	coalesce:
		for {
			select {
			case nb, ok := <-inflight:
				if !ok {
					closed = true
					break coalesce
				}
				select {
				case <-nb.done:
					if nb.failure() == nil {
						offsets = mergeOffsets(offsets, nb.offsets)
						records += nb.records
						r.tm.batch.Observe(since(nb.readAt))
						continue
					}
				default:
				}
				next = nb
				break coalesce
			default:
				break coalesce
			}
		}
		r.stats.written.Add(int64(records))
		r.tm.written.Add(float64(records))
		pending = mergeOffsets(pending, offsets)
		switch due := r.w.cfg.SourceCommitInterval - time.Since(lastCommit); {
		case due <= 0:
			commitPending()
		case commitDue == nil:
			commitDue = time.After(due)
		}
	}
	commitPending() // what was acknowledged before the stop or the failure
	cancelRead()
	cancelProduce()
	close(abandon)
	select {
	case <-readDone:
		if failure == nil {
			failure = readErr
		}
	case <-time.After(r.w.cfg.ShutdownTimeout):
		// A Read that ignores its context; releasing the instance ends it.
		r.log.Warn("task Read did not return after the stop")
	}
	return failure
}

// commit stores offsets and tells the task they are durable.
func (r *sourceRunner) commit(ctx context.Context, offsets []sdk.SourceOffset) error {
	if len(offsets) == 0 {
		return nil
	}
	start := time.Now()
	if err := r.w.offsets.Save(r.conn.Name, offsets); err != nil {
		r.tm.commitFailed.Inc()
		return fmt.Errorf("store offsets: %w", err)
	}
	r.tm.commit.Observe(since(start))
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.w.cfg.ShutdownTimeout)
	defer cancel()
	if err := r.task.Commit(cctx, offsets); err != nil {
		r.log.Warn("task commit", "err", err) // the offsets are stored; the task only learns late
	}
	return nil
}

func (r *sourceRunner) safeRead(ctx, produceCtx context.Context, inflight chan<- *sourceBatch, abandon <-chan struct{}) (err error) {
	defer recoverTask(&err)
	return r.read(ctx, produceCtx, inflight, abandon)
}

// read calls Read until ctx ends or an error, producing each batch and
// handing it to the committer in order.
func (r *sourceRunner) read(ctx, produceCtx context.Context, inflight chan<- *sourceBatch, abandon <-chan struct{}) error {
	for ctx.Err() == nil {
		var recs []record.Record
		err := retry(ctx, r.conn.Errors, r.log, "read", func() (err error) {
			recs, err = r.task.Read(ctx)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read: %w", err)
		}
		if len(recs) == 0 {
			continue
		}
		readAt := time.Now()
		r.stats.read.Add(int64(len(recs)))
		r.tm.read.Add(float64(len(recs)))
		b, krs, err := r.prepare(ctx, recs)
		if err != nil {
			if ctx.Err() != nil {
				return nil // stopped while creating a topic: the batch will be read again
			}
			return err
		}
		b.readAt = readAt
		b.pending.Add(int64(len(krs)))
		ack := b.ack
		if r.conn.Errors.TolerateAll {
			ack = r.tolerantAck(produceCtx, b)
		}
		for _, kr := range krs {
			r.client.Produce(produceCtx, kr, ack)
		}
		b.ack(nil, nil) // prepare's hold: done may close once every record is answered
		select {
		case inflight <- b: // blocks when maxInFlightBatches are unacknowledged
		case <-abandon:
			return nil // the committer gave up: these records will be read again
		}
	}
	return nil
}

// prepare transforms and converts recs and creates their topics when
// needed. A record that fails a stage follows errors.tolerance; under all,
// its dead-letter record counts as pending in the batch, so the batch's
// offsets are committed only once the dead-letter queue acknowledged it.
// The batch comes back holding one extra pending count, which the caller
// releases once it produced krs.
func (r *sourceRunner) prepare(ctx context.Context, recs []record.Record) (*sourceBatch, []*kgo.Record, error) {
	offsets, err := latestOffsets(recs)
	if err != nil {
		return nil, nil, err
	}
	b := &sourceBatch{offsets: offsets, records: len(recs), done: make(chan struct{})}
	b.pending.Store(1)
	krs := make([]*kgo.Record, 0, len(recs))
	for i := range recs {
		rec := &recs[i]
		var out record.Record
		var keep bool
		var kr *kgo.Record
		err := r.failedInTask(rec)
		if err == nil {
			out, keep, err = applyChain(r.chain, *rec)
		}
		if err == nil && keep {
			kr, err = r.conv.toKafka(&out)
		}
		if err != nil {
			b.pending.Add(1)
			dlqAck := func(err error) { b.ack(nil, err) }
			if terr := r.errs.tolerate(ctx, sourceErrorContext(rec, err), func() *kgo.Record { return r.deadLetterOf(rec) }, dlqAck); terr != nil {
				return nil, nil, terr
			}
			continue
		}
		if !keep {
			continue
		}
		if err := r.ensureTopic(ctx, kr.Topic); err != nil {
			return nil, nil, err
		}
		krs = append(krs, kr)
	}
	return b, krs, nil
}

// failedInTask is the failure a record the task marked failed carries
// (sdk.FailedRecord), at stage TASK_POLL; it takes the mark off rec, which
// goes to the dead-letter queue as the task made it.
func (r *sourceRunner) failedInTask(rec *record.Record) error {
	if len(rec.Headers) == 0 {
		return nil
	}
	rest, err := sdk.RecordError(*rec)
	if err == nil {
		return nil
	}
	*rec = rest
	return &stageError{stage: dlq.StageTaskPoll, err: err}
}

// sourceErrorContext is the error context of a source record that failed
// before it reached the broker.
func sourceErrorContext(rec *record.Record, err error) dlq.ErrorContext {
	ec := dlq.ErrorContext{Stage: dlq.StageTaskPoll, Topic: rec.Topic, Partition: -1, Offset: -1,
		SourcePartition: rec.SourcePartition, SourceOffset: rec.SourceOffsetMap(), Err: err}
	var se *stageError
	if errors.As(err, &se) {
		ec.Stage, ec.ClassName = se.stage, se.class
	}
	return ec
}

// deadLetterOf renders a failed source record (as the connector produced
// it, before transformations) for the dead-letter queue: with the
// connector's converters, or, when they cannot, as schemaless JSON.
func (r *sourceRunner) deadLetterOf(rec *record.Record) *kgo.Record {
	if rec.Topic != "" {
		if kr, err := r.conv.toKafka(rec); err == nil {
			kr.Context = nil
			return kr
		}
	}
	kr := &kgo.Record{Key: fallbackJSON(rec.KeySchema, rec.Key), Value: fallbackJSON(rec.ValueSchema, rec.Value), Timestamp: rec.Timestamp}
	for _, h := range rec.Headers {
		if v, err := headerBytes(h); err == nil {
			kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: v})
		}
	}
	return kr
}

// tolerantAck is the produce callback under errors.tolerance=all: a record
// the broker refused goes to the dead-letter queue instead of failing the
// batch (a stop's cancellation still fails it: the record is read again).
func (r *sourceRunner) tolerantAck(produceCtx context.Context, b *sourceBatch) func(*kgo.Record, error) {
	return func(kr *kgo.Record, err error) {
		if err == nil || produceCtx.Err() != nil || errors.Is(err, context.Canceled) {
			b.ack(kr, err)
			return
		}
		b.pending.Add(1)
		ec := dlq.ErrorContext{Stage: dlq.StageKafkaProduce, ClassName: "github.com/twmb/franz-go/pkg/kgo.Client", Topic: kr.Topic, Partition: -1, Offset: -1, Err: err}
		dlqAck := func(err error) { b.ack(nil, err) }
		if terr := r.errs.tolerateInCallback(produceCtx, ec, func() *kgo.Record { return kr }, dlqAck); terr != nil {
			b.ack(nil, nil)
			b.ack(kr, terr)
			return
		}
		b.ack(kr, nil)
	}
}

// ensureTopic creates topic the first time this task sees it, with the
// settings of its KIP-158 group; an existing topic is left as it is.
func (r *sourceRunner) ensureTopic(ctx context.Context, topic string) error {
	if r.created[topic] {
		return nil
	}
	tc := r.conn.TopicCreation
	if tc == nil {
		r.created[topic] = true
		r.w.activeTopic(r.id, topic)
		return nil
	}
	g := tc.GroupFor(topic)
	configs := map[string]*string{}
	for k, v := range g.Configs {
		configs[k] = kadm.StringPtr(v)
	}
	resp, err := r.admin.CreateTopic(ctx, g.Partitions, g.ReplicationFactor, configs, topic)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		r.log.Info("created topic", "topic", topic, "group", g.Name, "partitions", resp.NumPartitions, "replication_factor", resp.ReplicationFactor)
	case errors.Is(err, kerr.TopicAlreadyExists):
	default:
		return fmt.Errorf("create topic %s (topic.creation group %s): %w", topic, g.Name, err)
	}
	r.created[topic] = true
	r.w.activeTopic(r.id, topic)
	return nil
}
