package runtime

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A record's explicit partition travels in its Context: kgo overwrites
// Record.Partition while partitioning (before a sticky partitioner's
// OnNewBatch re-pick), so the field cannot tell "explicit" from "chosen".
type explicitPartitionKey struct{}

func withExplicitPartition(p int32) context.Context {
	return context.WithValue(context.Background(), explicitPartitionKey{}, p)
}

// sourcePartitioner sends a record to its explicit partition (an
// out-of-range one fails the record) and partitions the others as Kafka's
// Java producer does: murmur2 of the key, sticky batches for nil keys.
type sourcePartitioner struct{ inner kgo.Partitioner }

func newSourcePartitioner() kgo.Partitioner {
	return sourcePartitioner{inner: kgo.StickyKeyPartitioner(nil)}
}

func (p sourcePartitioner) ForTopic(t string) kgo.TopicPartitioner {
	return &sourceTopicPartitioner{inner: p.inner.ForTopic(t)}
}

type sourceTopicPartitioner struct{ inner kgo.TopicPartitioner }

func explicitPartition(r *kgo.Record) (int32, bool) {
	if r.Context == nil {
		return 0, false
	}
	p, ok := r.Context.Value(explicitPartitionKey{}).(int32)
	return p, ok
}

func (p *sourceTopicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	if _, ok := explicitPartition(r); ok {
		return true
	}
	return p.inner.RequiresConsistency(r)
}

func (p *sourceTopicPartitioner) Partition(r *kgo.Record, n int) int {
	if part, ok := explicitPartition(r); ok {
		return int(part)
	}
	return p.inner.Partition(r, n)
}

func (p *sourceTopicPartitioner) OnNewBatch() {
	if nb, ok := p.inner.(kgo.TopicPartitionerOnNewBatch); ok {
		nb.OnNewBatch()
	}
}
