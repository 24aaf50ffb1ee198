package broker

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/group"
	plog "github.com/sluicehq/sluice/broker/log"
)

// controlMarker reads a control record's key (int16 version, int16 type:
// 0 abort, 1 commit).
func controlMarker(key []byte) group.Marker {
	if len(key) < 4 {
		return group.MarkerNone
	}
	switch int16(binary.BigEndian.Uint16(key[2:4])) {
	case 0:
		return group.MarkerAbort
	case 1:
		return group.MarkerCommit
	}
	return group.MarkerNone
}

// offsetsTopic is Kafka's internal topic of committed offsets and group
// metadata.
const offsetsTopic = "__consumer_offsets"

// openGroups makes sure the offsets topic exists, starts the group
// coordinator and loads every offsets partition this broker leads.
func (b *Broker) openGroups() error {
	t, ok := b.meta.Topic(offsetsTopic)
	if !ok {
		n := int32(b.brokerInt("offsets.topic.num.partitions", 50))
		rf := int16(b.brokerInt("offsets.topic.replication.factor", 1))
		var err error
		t, err = b.meta.CreateTopic(offsetsTopic, n, rf, map[string]string{
			"cleanup.policy":   "compact",
			"segment.bytes":    "104857600",
			"compression.type": "producer",
		}, true)
		if err != nil {
			return fmt.Errorf("create %s: %w", offsetsTopic, err)
		}
	}
	ms := func(name string, def int64) time.Duration {
		return time.Duration(b.brokerInt(name, def)) * time.Millisecond
	}
	b.groups = group.New(group.Config{
		NumPartitions:         int32(len(t.Partitions)),
		MinSessionTimeout:     ms("group.min.session.timeout.ms", 6000),
		MaxSessionTimeout:     ms("group.max.session.timeout.ms", 1800000),
		InitialRebalanceDelay: rebalanceDelay(ms("group.initial.rebalance.delay.ms", 3000)),
		OffsetsRetention:      time.Duration(b.brokerInt("offsets.retention.minutes", 10080)) * time.Minute,
		MaxGroupSize:          int(b.brokerInt("group.max.size", 1<<31-1)),
		PartitionExists: func(topic string, partition int32) bool {
			t, ok := b.meta.Topic(topic)
			return ok && partition >= 0 && int(partition) < len(t.Partitions)
		},
		Logger: b.logger.With("component", "groups"),
	})
	for _, mp := range t.Partitions {
		if mp.Leader != b.cfg.NodeID {
			continue
		}
		p, err := b.parts.get(offsetsTopic, mp.ID)
		if err != nil {
			return fmt.Errorf("open %s-%d: %w", offsetsTopic, mp.ID, err)
		}
		if err := b.groups.LoadPartition(mp.ID, &offsetsStore{p: p}); err != nil {
			return fmt.Errorf("load groups of %s-%d: %w", offsetsTopic, mp.ID, err)
		}
	}
	return nil
}

// rebalanceDelay converts group.initial.rebalance.delay.ms to the group
// coordinator's setting, where zero means "the default" and a negative
// value means no delay; Kafka's 0 means no delay.
func rebalanceDelay(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// offsetsStore is one partition of the offsets topic, as the group
// coordinator's durable store.
type offsetsStore struct {
	p *partition
}

func (s *offsetsStore) Append(_ context.Context, recs []group.Record) error {
	res, err := s.p.log.Append(encodeBatch(groupKVs(recs), time.Now().UnixMilli()), s.p.epoch.Load())
	return s.p.internalAppended(res, err)
}

// AppendTxn writes a transactional batch of a producer (TxnOffsetCommit);
// its offsets apply once the transaction's commit marker is written.
func (s *offsetsStore) AppendTxn(_ context.Context, producerID int64, producerEpoch int16, recs []group.Record) error {
	batch := encodeTxnBatch(groupKVs(recs), time.Now().UnixMilli(), producerID, producerEpoch)
	res, err := s.p.log.AppendCoordinator(batch, s.p.epoch.Load())
	return s.p.internalAppended(res, err)
}

// internalAppended finishes a broker-written append to an internal topic
// (group offsets, transaction state): it wakes fetches, and waits for the
// fsync when the topic asks for it.
func (p *partition) internalAppended(res plog.AppendResult, err error) error {
	if err != nil {
		return fmt.Errorf("append to %s-%d: %w", p.topic, p.id, logErr(err))
	}
	p.notify()
	if p.log.Config().FsyncOnAck {
		return p.log.Sync(res.LastOffset)
	}
	return nil
}

func groupKVs(recs []group.Record) []kv {
	kvs := make([]kv, len(recs))
	for i, r := range recs {
		kvs[i] = kv{r.Key, r.Value}
	}
	return kvs
}

func (s *offsetsStore) Replay(fn func(group.Record) error) error {
	return replayLog(s.p, func(rb *kmsg.RecordBatch, r kmsg.Record) error {
		rec := group.Record{Key: r.Key, Value: r.Value, ProducerID: -1, ProducerEpoch: -1}
		if rb.Attributes&attrTransactional != 0 {
			rec.ProducerID, rec.ProducerEpoch = rb.ProducerID, rb.ProducerEpoch
		}
		if rb.Attributes&attrControl != 0 {
			if rec.Marker = controlMarker(r.Key); rec.Marker == group.MarkerNone {
				return nil
			}
		}
		return fn(rec)
	})
}
