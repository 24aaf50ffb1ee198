package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// stageError is a record's failure at one stage of the pipeline, with the
// class of what failed there (a converter, a transformation, the
// connector), as the dead-letter context headers report it.
type stageError struct {
	stage dlq.Stage
	class string
	err   error
}

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// errantHandler applies a task's error handling (errors.* properties) to
// records that failed a stage. It is shared by the task's goroutines.
type errantHandler struct {
	cfg       ErrorHandling
	connector string
	task      int32
	class     string // the connector's class, the class of TASK_* stages
	log       *slog.Logger
	tm        *taskMetrics
	stats     *connectorStats
	// client produces dead-letter records; nil without a DLQ.
	client *kgo.Client

	mu struct {
		sync.Mutex
		topicReady bool
	}
}

func newErrantHandler(cfg ErrorHandling, conn *ConnectorConfig, id TaskID, log *slog.Logger, tm *taskMetrics, stats *connectorStats, client *kgo.Client) *errantHandler {
	h := &errantHandler{cfg: cfg, connector: conn.Name, task: int32(id.Task), class: conn.Class, log: log, tm: tm, stats: stats}
	if cfg.DLQTopic != "" {
		h.client = client
	}
	return h
}

// tolerate handles one failed record. With errors.tolerance=none it returns
// the error, naming the stage, and the task fails. With all it counts and
// (errors.log.enable) logs the failure and, when a dead-letter queue is
// configured, produces payload() to it; done is then called once with the
// queue's answer, and the caller must not consider the record handled (nor
// commit past it) before. Without a queue done is called before tolerate
// returns. done may be nil.
func (h *errantHandler) tolerate(ctx context.Context, ec dlq.ErrorContext, payload func() *kgo.Record, done func(error)) error {
	return h.tolerateWith(ctx, ec, payload, done, false)
}

// tolerateInCallback is tolerate for a kgo produce callback, where
// blocking on a full producer buffer could deadlock: the dead-letter record
// is refused (done gets kgo.ErrMaxBuffered) instead of waiting. The
// dead-letter topic must exist already (ensureTopic at task start).
func (h *errantHandler) tolerateInCallback(ctx context.Context, ec dlq.ErrorContext, payload func() *kgo.Record, done func(error)) error {
	return h.tolerateWith(ctx, ec, payload, done, true)
}

func (h *errantHandler) tolerateWith(ctx context.Context, ec dlq.ErrorContext, payload func() *kgo.Record, done func(error), try bool) error {
	ec.Connector, ec.Task = h.connector, h.task
	if ec.ClassName == "" {
		ec.ClassName = h.class
	}
	h.tm.recordError(string(ec.Stage))
	if !h.cfg.TolerateAll {
		return fmt.Errorf("%s failed (errors.tolerance=none): %w", ec.Stage, ec.Err)
	}
	h.tm.skipped.Inc()
	h.stats.errant.Add(1)
	var kr *kgo.Record
	if h.client != nil || h.cfg.LogMessages {
		kr = payload()
	}
	if h.cfg.Log {
		h.logFailure(ec, kr)
	}
	if h.client == nil {
		if done != nil {
			done(nil)
		}
		return nil
	}
	if err := h.ensureTopic(ctx); err != nil {
		return err
	}
	dl := &kgo.Record{Topic: h.cfg.DLQTopic, Key: kr.Key, Value: kr.Value, Timestamp: kr.Timestamp}
	dl.Headers = append(dl.Headers, kr.Headers...)
	if h.cfg.DLQContextHeaders {
		dl.Headers = append(dl.Headers, dlq.Headers(ec)...)
	}
	produce := h.client.Produce
	if try {
		produce = h.client.TryProduce
	}
	produce(context.WithoutCancel(ctx), dl, func(_ *kgo.Record, err error) {
		if err != nil {
			h.tm.dlqFailed.Inc()
			err = fmt.Errorf("dead-letter queue %s: %w", h.cfg.DLQTopic, err)
		} else {
			h.tm.deadLetters.Inc()
		}
		if done != nil {
			done(err)
		}
	})
	return nil
}

func (h *errantHandler) logFailure(ec dlq.ErrorContext, kr *kgo.Record) {
	attrs := []any{"stage", ec.Stage, "class", ec.ClassName, "err", ec.Err}
	if ec.Topic != "" {
		attrs = append(attrs, "topic", ec.Topic, "partition", ec.Partition, "offset", ec.Offset)
	}
	if ec.SourcePartition != nil {
		attrs = append(attrs, "source_partition", fmt.Sprint(ec.SourcePartition), "source_offset", fmt.Sprint(ec.SourceOffset))
	}
	if h.cfg.LogMessages && kr != nil {
		var hs []string
		for _, hd := range kr.Headers {
			hs = append(hs, hd.Key+"="+string(hd.Value))
		}
		attrs = append(attrs, "key", string(kr.Key), "value", string(kr.Value), "headers", strings.Join(hs, ","))
	}
	h.log.Error("record failed and was skipped (errors.tolerance=all)", attrs...)
}

// ensureTopic creates the dead-letter topic the first time it is needed
// (one partition, as Kafka Connect does); an existing one is used as it is.
func (h *errantHandler) ensureTopic(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.topicReady {
		return nil
	}
	resp, err := kadm.NewClient(h.client).CreateTopic(ctx, 1, h.cfg.DLQReplication, nil, h.cfg.DLQTopic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create dead-letter queue topic %s (%s): %w", h.cfg.DLQTopic, DLQTopicConfig, err)
	}
	if err == nil {
		h.log.Info("created dead-letter queue topic", "topic", h.cfg.DLQTopic)
	}
	h.mu.topicReady = true
	return nil
}

// retriable reports whether err may succeed when tried again.
func retriable(err error) bool {
	return errors.Is(err, sdk.ErrRetriable) || kerr.IsRetriable(err)
}

// retry calls op until it succeeds, fails with an error that is not
// retriable, or errors.retry.timeout has passed since the first failure;
// the delay starts at 300 ms and doubles up to errors.retry.delay.max.ms,
// each one drawn between half and all of it (jitter). It returns op's last
// error, or ctx's.
func retry(ctx context.Context, cfg ErrorHandling, log *slog.Logger, what string, op func() error) error {
	delay := 300 * time.Millisecond
	var deadline time.Time
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || !retriable(err) || cfg.RetryTimeout == 0 {
			return err
		}
		if deadline.IsZero() && cfg.RetryTimeout > 0 {
			deadline = time.Now().Add(cfg.RetryTimeout)
		}
		d := min(delay, cfg.RetryDelayMax)
		d = d/2 + rand.N(d/2+1)
		if !deadline.IsZero() && time.Now().Add(d).After(deadline) {
			return fmt.Errorf("%s: gave up after %d attempts (%s=%s): %w", what, attempt, ErrorsRetryTimeoutConfig, cfg.RetryTimeout, err)
		}
		log.Warn("retriable failure; retrying", "op", what, "attempt", attempt, "delay", d, "err", err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay *= 2
	}
}

// fallbackJSON renders a value that its converter could not: as JSON with
// the schema ignored (logical values as their Go rendering), or, failing
// that, as Go's %v text. It never fails: a dead-letter record must carry
// something of the record.
func fallbackJSON(_ *record.Schema, v any) []byte {
	if v == nil {
		return nil
	}
	if b, err := json.Marshal(plain(v)); err == nil {
		return b
	}
	return fmt.Appendf(nil, "%v", v)
}

// plain turns record values into JSON-marshalable ones: a Struct becomes
// a map of its fields, maps with non-string keys get string keys.
func plain(v any) any {
	switch x := v.(type) {
	case *record.Struct:
		if x == nil {
			return nil
		}
		m := map[string]any{}
		for i, f := range x.Schema().Fields {
			m[f.Name] = plain(x.GetAt(i))
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = plain(e)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	}
	return v
}
