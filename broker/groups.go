package broker

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/group"
)

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
		InitialRebalanceDelay: ms("group.initial.rebalance.delay.ms", 3000),
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

// offsetsStore is one partition of the offsets topic, as the group
// coordinator's durable store.
type offsetsStore struct {
	p *partition
}

func (s *offsetsStore) Append(_ context.Context, recs []group.Record) error {
	kvs := make([]kv, len(recs))
	for i, r := range recs {
		kvs[i] = kv{r.Key, r.Value}
	}
	res, err := s.p.log.Append(encodeBatch(kvs, time.Now().UnixMilli()), s.p.epoch.Load())
	if err != nil {
		return fmt.Errorf("append to %s-%d: %w", s.p.topic, s.p.id, err)
	}
	s.p.notify()
	if s.p.log.Config().FsyncOnAck {
		return s.p.log.Sync(res.LastOffset)
	}
	return nil
}

func (s *offsetsStore) Replay(fn func(group.Record) error) error {
	dec := kgo.DefaultDecompressor()
	for off := s.p.log.StartOffset(); off < s.p.log.EndOffset(); {
		data, err := s.p.log.Read(off, 1<<20, s.p.log.EndOffset(), true)
		if err != nil {
			return fmt.Errorf("read %s-%d at %d: %w", s.p.topic, s.p.id, off, err)
		}
		if len(data) == 0 {
			break
		}
		next := off
		err = forEachRecord(data, dec, func(o int64, r kmsg.Record) error {
			next = o + 1
			return fn(group.Record{Key: r.Key, Value: r.Value})
		})
		if err != nil {
			return fmt.Errorf("replay %s-%d: %w", s.p.topic, s.p.id, err)
		}
		if next <= off { // a batch with no data records (control batch)
			next = off + 1
		}
		off = next
	}
	return nil
}
