package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// sinkRunner is one run of a sink task. The poll loop and kgo's rebalance
// callbacks both call the task; mu serializes them and guards the
// partition bookkeeping.
type sinkRunner struct {
	w      *Worker
	id     TaskID
	conn   *ConnectorConfig
	log    *slog.Logger
	stats  *connectorStats
	tm     *taskMetrics
	conv   converters
	chain  transformChain
	client *kgo.Client
	fail   func(error) // records the first failure and stops the loop
	errs   *errantHandler
	// dlq produces dead-letter records (nil without a dead-letter queue);
	// dlqErr is the first one the broker refused.
	dlq    *kgo.Client
	dlqErr atomic.Pointer[error]

	mu struct {
		sync.Mutex
		task      sdk.SinkTask
		stopped   bool // Stop was called: callbacks leave the task alone
		assigned  map[sdk.TopicPartition]bool
		consumed  map[sdk.TopicPartition]int64 // next offset after the last record consumed (written or skipped)
		handed    map[sdk.TopicPartition]int64 // next offset after the last record handed to the task
		committed map[sdk.TopicPartition]int64
		hwm       map[sdk.TopicPartition]int64 // high watermarks of the last fetches (lag metric)
	}
}

// sinkReporter is the errant record reporter of one Write call: it finds
// the consumed record behind a reported one and hands it to the task's
// error handling. A report under errors.tolerance=none fails the task
// after Write returns.
type sinkReporter struct {
	ctx context.Context
	s   *sinkRunner
	// recs are the records handed to Write and origs the consumed records
	// behind them, index for index (a transformation may have changed a
	// record's topic, so the two need not agree).
	recs  []record.Record
	origs []*kgo.Record

	mu    sync.Mutex
	err   error             // the first report that must fail the task
	index map[recordPos]int // position in recs by where a record came from, built on the first report
}

// recordPos is where a record handed to Write came from.
type recordPos struct {
	topic     string
	partition int32
	offset    int64
}

func (r *sinkReporter) Report(rec record.Record, err error) {
	r.s.tm.failed.Inc()
	kr := r.orig(rec)
	ec := dlq.ErrorContext{Stage: dlq.StageTaskPut, Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Err: err}
	if kr != nil {
		ec.Topic, ec.Partition, ec.Offset = kr.Topic, kr.Partition, kr.Offset
	}
	payload := func() *kgo.Record {
		if kr != nil {
			return kr
		}
		return &kgo.Record{Topic: rec.Topic} // a record the task made up: only its context is known
	}
	if terr := r.s.errs.tolerate(r.ctx, ec, payload, r.s.deadLettered); terr != nil {
		r.mu.Lock()
		if r.err == nil {
			r.err = fmt.Errorf("errant record %s/%d@%d: %w", ec.Topic, ec.Partition, ec.Offset, terr)
		}
		r.mu.Unlock()
	}
}

// orig finds the consumed record behind rec by where rec says it came
// from. The index is built on the first report, so a Write without
// reports costs nothing and one that reports its whole batch stays linear.
func (r *sinkReporter) orig(rec record.Record) *kgo.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.index == nil {
		r.index = make(map[recordPos]int, len(r.recs))
		for i := range r.recs {
			h := &r.recs[i]
			r.index[recordPos{h.Topic, h.Partition, h.Offset}] = i
		}
	}
	if i, ok := r.index[recordPos{rec.Topic, rec.Partition, rec.Offset}]; ok {
		return r.origs[i]
	}
	return nil
}

func (r *sinkReporter) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// runSink runs one instance of a sink task until ctx is cancelled (nil) or
// the task fails. Offsets are committed only as returned by Flush, and never
// past what was consumed: at the flush interval, on revocation and on stop.
func (w *Worker) runSink(ctx context.Context, conn *ConnectorConfig, id TaskID, taskCfg map[string]string, log *slog.Logger) (err error) {
	s := &sinkRunner{w: w, id: id, conn: conn, log: log, stats: w.stats(conn.Name), tm: w.metrics.task(id)}
	if s.conv, err = newConverters(w.converters, conn); err != nil {
		return err
	}
	if s.chain, err = newTransformChain(conn.Props); err != nil {
		return err
	}
	if conn.Errors.DLQTopic != "" {
		s.dlq, err = kgo.NewClient(append([]kgo.Opt{
			kgo.SeedBrokers(w.cfg.BootstrapServers...),
			kgo.ClientID(fmt.Sprintf("connector-dlq-producer-%s-%d", conn.Name, id.Task)),
			kgo.RequiredAcks(kgo.AllISRAcks()),
			kgo.ProducerBatchCompression(kgo.NoCompression()),
		}, clientOpts(w.cfg.Producer, producerOverrides)...)...)
		if err != nil {
			return fmt.Errorf("dead-letter queue producer: %w", err)
		}
		defer s.dlq.Close()
	}
	s.errs = newErrantHandler(conn.Errors, conn, id, log, s.tm, s.stats, s.dlq)
	if s.dlq != nil {
		// Created before the first record needs it, as Kafka Connect does.
		if err := s.errs.ensureTopic(ctx); err != nil {
			return err
		}
	}
	h, err := w.plugins.SinkTask(ctx, conn.Class, id)
	if err != nil {
		return fmt.Errorf("start task: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.ShutdownTimeout)
		defer cancel()
		if rerr := h.Release(rctx); rerr != nil {
			log.Warn("release task instance", "err", rerr)
		}
	}()
	s.mu.task = h.Task
	s.mu.assigned = map[sdk.TopicPartition]bool{}
	s.mu.consumed = map[sdk.TopicPartition]int64{}
	s.mu.handed = map[sdk.TopicPartition]int64{}
	s.mu.committed = map[sdk.TopicPartition]int64{}
	s.mu.hwm = map[sdk.TopicPartition]int64{}
	if err := h.Task.Configure(ctx, taskCfg); err != nil {
		return fmt.Errorf("configure: %w", err)
	}

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	var (
		failMu  sync.Mutex
		failure error
	)
	s.fail = func(err error) {
		failMu.Lock()
		if failure == nil {
			failure = err
		}
		failMu.Unlock()
		cancelRun()
	}
	failed := func() error {
		failMu.Lock()
		defer failMu.Unlock()
		return failure
	}
	if h.Exited != nil {
		watchDone := make(chan struct{})
		defer func() { <-watchDone }()
		go func() {
			defer close(watchDone)
			select {
			case <-h.Exited:
				s.fail(errors.New("plugin process exited"))
			case <-runCtx.Done():
			}
		}()
		defer cancelRun() // runs before the wait above
	}

	opts := []kgo.Opt{
		kgo.SeedBrokers(w.cfg.BootstrapServers...),
		kgo.ClientID(fmt.Sprintf("connector-consumer-%s-%d", conn.Name, id.Task)),
		kgo.ConsumerGroup("connect-" + conn.Name),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), // Kafka Connect's sink default: earliest
		kgo.OnPartitionsAssigned(s.assigned),
		kgo.OnPartitionsRevoked(s.revoked),
		kgo.OnPartitionsLost(s.lost),
	}
	if conn.TopicsRegex != "" {
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(conn.TopicsRegex))
	} else {
		opts = append(opts, kgo.ConsumeTopics(conn.Topics...))
	}
	if s.client, err = kgo.NewClient(append(opts, clientOpts(w.cfg.Consumer, consumerOverrides)...)...); err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	maxPoll := 500
	if v, ok := w.cfg.Consumer["max.poll.records"]; ok {
		maxPoll, _ = strconv.Atoi(v)
	}
	log.Info("sink task running", "group", "connect-"+conn.Name)
	s.loop(runCtx, maxPoll)

	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.ShutdownTimeout)
	defer cancel()
	err = failed()
	if err == nil {
		// Graceful stop: make everything written durable and commit it.
		if ferr := s.flushAndCommit(stopCtx); ferr != nil {
			err = ferr
		}
	}
	s.mu.Lock()
	serr := s.mu.task.Stop(stopCtx)
	s.mu.stopped = true
	s.mu.Unlock()
	if serr != nil {
		log.Warn("stop task", "err", serr)
	}
	s.client.CloseAllowingRebalance() // leaves the group; callbacks see stopped

	return err
}

// loop polls, converts and writes until ctx ends, flushing and committing
// every offset.flush.interval.ms.
func (s *sinkRunner) loop(ctx context.Context, maxPoll int) {
	interval := s.w.cfg.OffsetFlushInterval
	nextFlush := time.Now().Add(interval)
	for ctx.Err() == nil {
		pollCtx, cancel := context.WithDeadline(ctx, nextFlush)
		fetches := s.client.PollRecords(pollCtx, maxPoll)
		cancel()
		if fetches.IsClientClosed() {
			return
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				s.log.Warn("fetch", "topic", topic, "partition", p, "err", err)
			}
		})
		s.noteHighWatermarks(fetches)
		if err := s.write(ctx, fetches.Records()); err != nil {
			s.client.AllowRebalance()
			if ctx.Err() == nil {
				s.fail(err)
			}
			return
		}
		s.client.AllowRebalance()
		if ctx.Err() == nil && !time.Now().Before(nextFlush) {
			if err := s.flushAndCommit(ctx); err != nil {
				s.fail(err)
				return
			}
			nextFlush = time.Now().Add(interval)
		}
	}
}

// write converts, transforms and hands one poll's records to the task.
// A record that fails conversion or a transformation, or that the task
// reports errant, follows errors.tolerance; it counts as consumed either
// way (under errors.tolerance=all), and its dead-letter record is
// acknowledged before any offset past it is committed (flushAndCommit).
func (s *sinkRunner) write(ctx context.Context, krs []*kgo.Record) error {
	if len(krs) == 0 {
		return nil
	}
	s.stats.read.Add(int64(len(krs)))
	s.tm.read.Add(float64(len(krs)))
	recs := make([]record.Record, 0, len(krs))
	origs := make([]*kgo.Record, 0, len(krs))
	for _, kr := range krs {
		rec, err := s.conv.fromKafka(kr)
		keep := true
		if err == nil {
			rec, keep, err = applyChain(s.chain, rec)
		}
		if err != nil {
			if terr := s.errs.tolerate(ctx, sinkErrorContext(kr, err), func() *kgo.Record { return kr }, s.deadLettered); terr != nil {
				return terr
			}
			continue
		}
		if !keep {
			continue
		}
		origs = append(origs, kr)
		recs = append(recs, rec)
	}
	rep := &sinkReporter{ctx: ctx, s: s, recs: recs, origs: origs}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	if len(recs) > 0 {
		err := retry(ctx, s.conn.Errors, s.log, "write", func() error { return s.mu.task.Write(ctx, recs, rep) })
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if err := rep.failure(); err != nil {
			return err
		}
	}
	s.tm.batch.Observe(since(start))
	for _, kr := range krs {
		tp := sdk.TopicPartition{Topic: kr.Topic, Partition: kr.Partition}
		if s.mu.assigned[tp] {
			s.mu.consumed[tp] = kr.Offset + 1
		}
	}
	for _, kr := range origs {
		tp := sdk.TopicPartition{Topic: kr.Topic, Partition: kr.Partition}
		if s.mu.assigned[tp] {
			s.mu.handed[tp] = kr.Offset + 1
		}
	}
	s.stats.written.Add(int64(len(recs)))
	s.tm.written.Add(float64(len(recs)))
	s.updateLagLocked()
	return nil
}

// sinkErrorContext is the error context of a consumed record that failed.
func sinkErrorContext(kr *kgo.Record, err error) dlq.ErrorContext {
	ec := dlq.ErrorContext{Stage: dlq.StageKafkaConsume, Topic: kr.Topic, Partition: kr.Partition, Offset: kr.Offset, Err: err}
	var se *stageError
	if errors.As(err, &se) {
		ec.Stage, ec.ClassName = se.stage, se.class
	}
	return ec
}

// deadLettered is the dead-letter queue's answer for one record: a refusal
// fails the task, so that no offset past the record is committed.
func (s *sinkRunner) deadLettered(err error) {
	if err != nil && s.dlqErr.CompareAndSwap(nil, &err) {
		s.fail(err)
	}
}

// dlqDurable waits until the dead-letter queue acknowledged every record
// sent to it so far.
func (s *sinkRunner) dlqDurable(ctx context.Context) error {
	if s.dlq == nil {
		return nil
	}
	if err := s.dlq.Flush(ctx); err != nil {
		return fmt.Errorf("dead-letter queue flush: %w", err)
	}
	if p := s.dlqErr.Load(); p != nil {
		return *p
	}
	return nil
}

// flushAndCommit asks the task for its durable offsets and commits exactly
// those (ignoring partitions not assigned and offsets past what was consumed).
func (s *sinkRunner) flushAndCommit(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushAndCommitLocked(ctx)
}

func (s *sinkRunner) flushAndCommitLocked(ctx context.Context) error {
	offs, err := s.mu.task.Flush(ctx)
	if err != nil {
		s.tm.commitFailed.Inc()
		return fmt.Errorf("flush: %w", err)
	}
	if err := s.dlqDurable(ctx); err != nil {
		s.tm.commitFailed.Inc()
		return err
	}
	commit := map[string]map[int32]kgo.EpochOffset{}
	for tp, off := range offs {
		consumed, ok := s.mu.consumed[tp]
		switch {
		case !s.mu.assigned[tp]:
			s.log.Debug("ignoring flushed offset of a partition not assigned", "topic", tp.Topic, "partition", tp.Partition)
			continue
		case !ok || off > consumed:
			s.log.Warn("ignoring flushed offset past what was consumed", "topic", tp.Topic, "partition", tp.Partition, "offset", off, "consumed", consumed)
			continue
		case s.mu.committed[tp] == off:
			continue
		}
		if commit[tp.Topic] == nil {
			commit[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		commit[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
	}
	s.commitSkippedLocked(offs, commit)
	if len(commit) == 0 {
		return nil
	}
	start := time.Now()
	var cerr error
	s.client.CommitOffsetsSync(ctx, commit, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if perr := kerrOf(p.ErrorCode); perr != nil {
					cerr = fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, perr)
					continue
				}
				tp := sdk.TopicPartition{Topic: t.Topic, Partition: p.Partition}
				s.mu.committed[tp] = commit[t.Topic][p.Partition].Offset
			}
		}
	})
	if cerr != nil {
		// A rebalance raced the commit; the next flush commits again.
		s.tm.commitFailed.Inc()
		s.log.Warn("commit offsets", "err", cerr)
	} else {
		s.tm.commit.Observe(since(start))
	}
	s.updateLagLocked()
	return nil
}

// commitSkippedLocked extends commit over records that were consumed but
// never handed to the task (dropped by a transformation, or skipped under
// errors.tolerance=all with their dead-letter records acknowledged): the
// task cannot return their offsets, so a partition whose handed records
// are all durable commits what was consumed.
func (s *sinkRunner) commitSkippedLocked(flushed map[sdk.TopicPartition]int64, commit map[string]map[int32]kgo.EpochOffset) {
	for tp, consumed := range s.mu.consumed {
		durable, ok := flushed[tp]
		if !ok {
			durable = s.mu.committed[tp]
		}
		if handed, ok := s.mu.handed[tp]; ok && handed > durable {
			continue // the task still holds records of this partition
		}
		if consumed <= durable || consumed == s.mu.committed[tp] || !s.mu.assigned[tp] {
			continue
		}
		if commit[tp.Topic] == nil {
			commit[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		commit[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: consumed}
	}
}

// noteHighWatermarks keeps each assigned partition's high watermark from a
// poll's fetches: no extra request, the lag metric is as fresh as the
// last fetch.
func (s *sinkRunner) noteHighWatermarks(fetches kgo.Fetches) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if p.Err != nil || p.HighWatermark < 0 {
			return
		}
		tp := sdk.TopicPartition{Topic: p.Topic, Partition: p.Partition}
		if s.mu.assigned[tp] {
			s.mu.hwm[tp] = p.HighWatermark
		}
	})
	s.updateLagLocked()
}

// updateLagLocked sets the lag gauge of every partition with a known high
// watermark: minus the committed offset, or the consumed one before the
// first commit (nothing consumed yet: no series).
func (s *sinkRunner) updateLagLocked() {
	for tp, hwm := range s.mu.hwm {
		off, ok := s.mu.committed[tp]
		if !ok {
			if off, ok = s.mu.consumed[tp]; !ok {
				continue
			}
		}
		s.tm.setLag(tp.Topic, tp.Partition, hwm-off)
	}
}

func tps(m map[string][]int32) []sdk.TopicPartition {
	var out []sdk.TopicPartition
	for _, t := range slices.Sorted(maps.Keys(m)) {
		for _, p := range m[t] {
			out = append(out, sdk.TopicPartition{Topic: t, Partition: p})
		}
	}
	return out
}

// assigned opens newly assigned partitions (kgo's callback goroutine).
func (s *sinkRunner) assigned(ctx context.Context, _ *kgo.Client, added map[string][]int32) {
	defer s.recoverCallback()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.stopped {
		return
	}
	parts := tps(added)
	for _, tp := range parts {
		s.mu.assigned[tp] = true
	}
	for t := range added {
		s.w.activeTopic(s.id, t)
	}
	s.log.Info("partitions assigned", "partitions", fmt.Sprint(parts))
	if err := s.mu.task.Open(ctx, parts); err != nil {
		s.fail(fmt.Errorf("open: %w", err))
	}
}

// revoked flushes and commits before partitions go to another member.
func (s *sinkRunner) revoked(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
	defer s.recoverCallback()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.mu.stopped && ctx.Err() == nil {
		if err := s.flushAndCommitLocked(ctx); err != nil {
			s.fail(err)
		}
	}
	s.dropLocked(revoked)
}

// lost forgets partitions that another member may already own: no commit.
func (s *sinkRunner) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(lost)
}

func (s *sinkRunner) dropLocked(m map[string][]int32) {
	for _, tp := range tps(m) {
		delete(s.mu.assigned, tp)
		delete(s.mu.consumed, tp)
		delete(s.mu.handed, tp)
		delete(s.mu.committed, tp)
		delete(s.mu.hwm, tp)
		s.tm.dropLag(tp.Topic, tp.Partition)
	}
}

func (s *sinkRunner) recoverCallback() {
	if p := recover(); p != nil {
		s.fail(fmt.Errorf("task panicked: %v", p))
	}
}

func kerrOf(code int16) error { return kerr.ErrorForCode(code) }
