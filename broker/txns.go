package broker

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/txn"
)

// txnTopic is Kafka's internal topic of transaction state.
const txnTopic = "__transaction_state"

// openTxns makes sure the transaction state topic exists, starts the
// transaction coordinator and loads every partition this broker leads.
func (b *Broker) openTxns() error {
	t, ok := b.meta.Topic(txnTopic)
	if !ok {
		n := int32(b.brokerInt("transaction.state.log.num.partitions", 50))
		rf := int16(b.brokerInt("transaction.state.log.replication.factor", 1))
		var err error
		t, err = b.meta.CreateTopic(txnTopic, n, rf, map[string]string{
			"cleanup.policy":   "compact",
			"segment.bytes":    "104857600",
			"compression.type": "uncompressed",
		}, true)
		if err != nil {
			return fmt.Errorf("create %s: %w", txnTopic, err)
		}
	}
	ms := func(name string, def int64) time.Duration {
		return time.Duration(b.brokerInt(name, def)) * time.Millisecond
	}
	b.txns = txn.New(txn.Config{
		NumPartitions:      int32(len(t.Partitions)),
		MaxTimeout:         ms("transaction.max.timeout.ms", 900000),
		AbortCheckInterval: ms("transaction.abort.timed.out.transaction.cleanup.interval.ms", 10000),
		IDExpiration:       ms("transactional.id.expiration.ms", 604800000),
		AllocateProducerID: b.pids.next,
		PartitionExists: func(topic string, partition int32) bool {
			t, ok := b.meta.Topic(topic)
			return ok && partition >= 0 && int(partition) < len(t.Partitions)
		},
		GroupPartition: b.groups.PartitionFor,
		Markers:        markerWriter{b},
		Logger:         b.logger.With("component", "txn"),
	})
	for _, mp := range t.Partitions {
		if mp.Leader != b.cfg.NodeID {
			continue
		}
		p, err := b.parts.get(txnTopic, mp.ID)
		if err != nil {
			return fmt.Errorf("open %s-%d: %w", txnTopic, mp.ID, err)
		}
		if err := b.txns.LoadPartition(mp.ID, &txnStore{p: p}); err != nil {
			return fmt.Errorf("load transactions of %s-%d: %w", txnTopic, mp.ID, err)
		}
	}
	return nil
}

// txnStore is one partition of the transaction state topic, as the
// transaction coordinator's durable store.
type txnStore struct{ p *partition }

// LeaderEpoch is the coordinator epoch sent with the markers.
func (s *txnStore) LeaderEpoch() int32 { return s.p.epoch.Load() }

func (s *txnStore) Append(_ context.Context, recs []txn.Record) error {
	kvs := make([]kv, len(recs))
	for i, r := range recs {
		kvs[i] = kv{r.Key, r.Value}
	}
	res, err := s.p.log.Append(encodeBatch(kvs, time.Now().UnixMilli()), s.p.epoch.Load())
	return s.p.internalAppended(res, err)
}

func (s *txnStore) Replay(fn func(txn.Record) error) error {
	return replayLog(s.p, func(rb *kmsg.RecordBatch, r kmsg.Record) error {
		if rb.Attributes&attrControl != 0 {
			return nil
		}
		return fn(txn.Record{Key: r.Key, Value: r.Value})
	})
}

// replayLog reads a partition log from its start to its end and calls fn
// for every record.
func replayLog(p *partition, fn func(rb *kmsg.RecordBatch, r kmsg.Record) error) error {
	dec := kgo.DefaultDecompressor()
	for off := p.log.StartOffset(); off < p.log.EndOffset(); {
		data, err := p.log.Read(off, 1<<20, p.log.EndOffset(), true)
		if err != nil {
			return fmt.Errorf("read %s-%d at %d: %w", p.topic, p.id, off, err)
		}
		if len(data) == 0 {
			break
		}
		next := off
		err = forEachRecord(data, dec, func(rb *kmsg.RecordBatch, o int64, r kmsg.Record) error {
			next = max(next, rb.FirstOffset+int64(rb.LastOffsetDelta)+1)
			return fn(rb, r)
		})
		if err != nil {
			return fmt.Errorf("replay %s-%d: %w", p.topic, p.id, err)
		}
		if next <= off {
			next = off + 1
		}
		off = next
	}
	return nil
}
