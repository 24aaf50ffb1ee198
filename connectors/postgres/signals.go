package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The kafka signal channel, as Debezium's KafkaSignalChannel: the task
// reads partition 0 of signal.kafka.topic and acts on the records whose
// key is topic.prefix and whose value is a signal,
//
//	key    "<topic.prefix>"
//	value  {"type": "execute-snapshot",
//	        "data": {"data-collections": ["public.t"], "type": "incremental",
//	                 "additional-conditions": [{"data-collection": "public.t", "filter": "id > 10"}]}}
//
// (data may also be a string holding that JSON, as in the signal table).
// Records with another key (another connector's), or that are not
// signals, are skipped.
//
// Position: the offset of the last signal acted on travels in the
// connector's source offsets (incremental_snapshot_signal_offset, as
// Debezium's MySQL connector names it) on every record emitted after it,
// so it becomes durable with the records the signal caused; the next
// start reads from the offset after it (from the start of the topic when
// none was stored). Nothing is committed to signal.kafka.groupId: a
// signal followed by no record before a restart (a stop-snapshot with
// nothing running, a snapshot of an empty table) is seen again, which
// does nothing again.
//
// Ownership: the consumer goroutine (run) owns the client; it hands
// signals to the reader through a bounded channel, which the reader
// drains between two stream messages (housekeeping), so signals wait
// while the initial snapshot runs and the consumer waits when they pile
// up.

// kafkaSignal is one signal of the kafka channel.
type kafkaSignal struct {
	offset int64
	typ    string
	data   []byte
}

// signalConsumer reads the kafka signal channel.
type signalConsumer struct {
	cl   *kgo.Client
	poll time.Duration
	key  string
	out  chan kafkaSignal
}

// newSignalConsumer reads cfg's signal topic from the offset after
// after (-1: from the start).
func newSignalConsumer(cfg *config, after int64) (*signalConsumer, error) {
	ks := cfg.kafkaSignals
	start := kgo.NewOffset().AtStart()
	if after >= 0 {
		start = kgo.NewOffset().At(after + 1)
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(ks.servers...),
		kgo.ClientID(ks.group),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{ks.topic: {0: start}}),
		kgo.MetadataMinAge(250*time.Millisecond), // see the topic soon after POST /signals creates it
	)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeySignalKafkaServers, err)
	}
	return &signalConsumer{cl: cl, poll: ks.poll, key: cfg.prefix, out: make(chan kafkaSignal, 16)}, nil
}

// run polls until ctx ends, then closes the client. Fetch errors (the
// topic not created yet, a broker away) are retried by the client.
func (c *signalConsumer) run(ctx context.Context) {
	defer c.cl.Close()
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, c.poll)
		fs := c.cl.PollFetches(pctx)
		cancel()
		for it := fs.RecordIter(); !it.Done(); {
			rec := it.Next()
			if string(rec.Key) != c.key {
				continue
			}
			typ, data, ok := parseKafkaSignal(rec.Value)
			if !ok {
				continue
			}
			select {
			case c.out <- kafkaSignal{offset: rec.Offset, typ: typ, data: data}:
			case <-ctx.Done():
				return
			}
		}
	}
}

// parseKafkaSignal reads a signal record's value.
func parseKafkaSignal(v []byte) (typ string, data []byte, ok bool) {
	var s struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(v, &s) != nil || s.Type == "" {
		return "", nil, false
	}
	data = s.Data
	var str string
	if json.Unmarshal(data, &str) == nil {
		data = []byte(str)
	}
	return s.Type, data, true
}

// kafkaSignals acts on the signals the consumer queued.
func (r *reader) kafkaSignals(ctx context.Context) error {
	for {
		select {
		case s := <-r.signals:
			r.signalOffset = s.offset
			switch s.typ {
			case signalExecute, signalStop:
				if err := r.applySignal(ctx, "kafka:"+strconv.FormatInt(s.offset, 10), s.typ, s.data); err != nil {
					return err
				}
			}
		default:
			return nil
		}
	}
}
