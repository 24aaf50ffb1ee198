package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LogConfig configures a TopicLog.
type LogConfig struct {
	Seeds []string // bootstrap servers
	Topic string
	// Opts are extra client options (TLS, SASL, client id …).
	Opts   []kgo.Opt
	Logger *slog.Logger // nil discards
}

func (c LogConfig) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// ErrClosed is returned by a TopicLog (and the stores) after Close.
var ErrClosed = errors.New("cluster: closed")

// TopicLog is Kafka Connect's KafkaBasedLog on franz-go: it consumes a
// (compacted) topic from the beginning, hands every record to a callback in
// partition order on one goroutine, and writes with an idempotent acks=all
// producer.
//
// The tail goroutine owns the consumer; mu guards the positions it reached,
// which ReadToEnd waits on.
type TopicLog struct {
	topic  string
	client *kgo.Client  // tail consumer and producer
	side   *kgo.Client  // metadata, end offsets and probes
	adm    *kadm.Client // on side
	logger *slog.Logger
	apply  func(*kgo.Record)

	cancel context.CancelFunc
	done   chan struct{}

	mu struct {
		sync.Mutex
		next    map[int32]int64 // next offset to consume, per partition
		changed chan struct{}   // closed and replaced on every advance
		closed  bool
	}
}

// OpenTopicLog starts tailing cfg.Topic, calling apply for each record on
// the tail goroutine (apply must not call ReadToEnd). The topic should exist
// (EnsureTopic). It returns after reading to the end offsets.
func OpenTopicLog(ctx context.Context, cfg LogConfig, apply func(*kgo.Record)) (*TopicLog, error) {
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Seeds...),
		kgo.ConsumeTopics(cfg.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.KeepControlRecords(), // so positions pass transaction markers
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)), // murmur2 of the key, as Kafka
		kgo.DefaultProduceTopic(cfg.Topic),
	}, cfg.Opts...)
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("topic log %s: %w", cfg.Topic, err)
	}
	// Probes and metadata go through a second client: requests on one
	// connection are answered in order, so they would queue behind the
	// tail's long-polling fetch.
	admClient, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Seeds...)}, cfg.Opts...)...)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("topic log %s: %w", cfg.Topic, err)
	}
	logger := cfg.logger()
	runCtx, cancel := context.WithCancel(context.Background())
	l := &TopicLog{
		topic:  cfg.Topic,
		client: client,
		side:   admClient,
		adm:    kadm.NewClient(admClient),
		logger: logger,
		apply:  apply,
		cancel: cancel,
		done:   make(chan struct{}),
	}
	l.mu.next = map[int32]int64{}
	l.mu.changed = make(chan struct{})
	go l.tail(runCtx)
	if err := l.ReadToEnd(ctx); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func (l *TopicLog) tail(ctx context.Context) {
	defer close(l.done)
	for {
		fs := l.client.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fs.EachError(func(topic string, p int32, err error) {
			l.logger.Warn("topic log fetch", "topic", topic, "partition", p, "err", err)
		})
		advanced := map[int32]int64{}
		fs.EachRecord(func(r *kgo.Record) {
			if !r.Attrs.IsControl() && l.apply != nil {
				l.apply(r)
			}
			advanced[r.Partition] = r.Offset + 1
		})
		if len(advanced) == 0 {
			continue
		}
		l.mu.Lock()
		for p, o := range advanced {
			l.mu.next[p] = max(l.mu.next[p], o)
		}
		close(l.mu.changed)
		l.mu.changed = make(chan struct{})
		l.mu.Unlock()
	}
}

// ReadToEnd returns once every record below the end offsets sampled when it
// was called has been applied.
func (l *TopicLog) ReadToEnd(ctx context.Context) error {
	if l.isClosed() {
		return ErrClosed
	}
	ends, err := l.adm.ListEndOffsets(ctx, l.topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return fmt.Errorf("topic log %s: end offsets: %w", l.topic, err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { want[o.Partition] = o.Offset })
	if len(want) == 0 {
		return fmt.Errorf("topic log %s: no partitions", l.topic)
	}
	probed := false
	for {
		l.mu.Lock()
		if l.mu.closed {
			l.mu.Unlock()
			return ErrClosed
		}
		caughtUp := true
		for p, end := range want {
			if l.mu.next[p] < end {
				caughtUp = false
			}
		}
		changed := l.mu.changed
		behind := map[int32]int64{}
		for p, end := range want {
			if l.mu.next[p] < end {
				behind[p] = l.mu.next[p]
			}
		}
		l.mu.Unlock()
		if caughtUp {
			return nil
		}
		if !probed {
			probed = true
			if err := l.skipEmpty(ctx, behind, want); err != nil {
				return fmt.Errorf("topic log %s: read to end: %w", l.topic, err)
			}
			continue
		}
		select {
		case <-changed:
		case <-l.done:
		case <-ctx.Done():
			return fmt.Errorf("topic log %s: read to end: %w", l.topic, ctx.Err())
		}
	}
}

// Send writes records (Topic defaults to the log's; a nil Value is a
// tombstone) in order, returning once all are acknowledged by the in-sync
// replicas. On return the records carry their partitions and offsets.
func (l *TopicLog) Send(ctx context.Context, recs ...*kgo.Record) error {
	if l.isClosed() {
		return ErrClosed
	}
	if err := l.client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("topic log %s: write: %w", l.topic, err)
	}
	return nil
}

// skipEmpty advances the positions of partitions that hold no data record
// between where the tail is and the end (see dataFrom).
func (l *TopicLog) skipEmpty(ctx context.Context, behind, ends map[int32]int64) error {
	for p, from := range behind {
		next, err := l.dataFrom(ctx, p, from, ends[p])
		if err != nil {
			return err
		}
		if next > from {
			l.mu.Lock()
			l.mu.next[p] = max(l.mu.next[p], next)
			l.mu.Unlock()
		}
	}
	return nil
}

func (l *TopicLog) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.closed
}

// Close stops the tail goroutine and the client.
func (l *TopicLog) Close() {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return
	}
	l.mu.closed = true
	l.mu.Unlock()
	l.cancel()
	<-l.done
	l.client.Close()
	l.side.Close()
}
