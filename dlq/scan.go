package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A reader reads one topic's partitions by plain Fetch requests, not with a
// kgo consumer: the caller needs the fetch position after every answer
// (past control batches and aborted records), so that it knows when a
// bounded range [start, end) is done and can commit a position that skips
// transaction markers. Reads are read_committed, so a DLQ written
// transactionally shows only committed records.

// topicMeta is what a scan needs to know about a topic.
type topicMeta struct {
	name    string
	id      kadm.TopicID
	leaders map[int32]int32 // partition → leader broker id
}

func (m topicMeta) partitions() []int32 {
	ps := make([]int32, 0, len(m.leaders))
	for p := range m.leaders {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// ErrUnknownTopic is returned (wrapped, naming the topic) for a topic the
// cluster does not have.
var ErrUnknownTopic = errors.New("unknown topic")

// describe loads topic's partitions and leaders.
func describe(ctx context.Context, cl *kgo.Client, topic string) (topicMeta, error) {
	ms, err := metadata(ctx, cl, topic)
	if err != nil {
		return topicMeta{}, fmt.Errorf("describe topic %q: %w", topic, err)
	}
	m, ok := ms[topic]
	if !ok || errors.Is(m.err, kerr.UnknownTopicOrPartition) {
		return topicMeta{}, fmt.Errorf("topic %q: %w", topic, ErrUnknownTopic)
	}
	if m.err != nil {
		return topicMeta{}, fmt.Errorf("describe topic %q: %w", topic, m.err)
	}
	return m.topicMeta, nil
}

type topicMetadata struct {
	topicMeta
	internal bool
	err      error
}

// metadata asks the cluster about topics (all when none are named). Not
// kadm.ListTopics: that answers from kgo's metadata cache, which does not
// yet know a topic created a moment ago.
func metadata(ctx context.Context, cl *kgo.Client, topics ...string) (map[string]topicMetadata, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false // never create a topic by asking about it
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	out := make(map[string]topicMetadata, len(resp.Topics))
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		m := topicMetadata{
			topicMeta: topicMeta{name: *t.Topic, id: t.TopicID, leaders: make(map[int32]int32, len(t.Partitions))},
			internal:  t.IsInternal,
			err:       kerr.ErrorForCode(t.ErrorCode),
		}
		for _, p := range t.Partitions {
			m.leaders[p.Partition] = p.Leader
		}
		out[*t.Topic] = m
	}
	return out, nil
}

// bounds are the offsets [start, end) of a topic's partitions. end is the
// last stable offset (what a read_committed reader can reach).
type bounds map[int32]struct{ start, end int64 }

func listBounds(ctx context.Context, adm *kadm.Client, topic string) (bounds, error) {
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list start offsets of %q: %w", topic, err)
	}
	ends, err := adm.ListCommittedOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %q: %w", topic, err)
	}
	b := make(bounds)
	var firstErr error
	starts.Each(func(o kadm.ListedOffset) {
		if o.Err != nil && firstErr == nil {
			firstErr = fmt.Errorf("start offset of %s/%d: %w", o.Topic, o.Partition, o.Err)
		}
		v := b[o.Partition]
		v.start = o.Offset
		b[o.Partition] = v
	})
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil && firstErr == nil {
			firstErr = fmt.Errorf("end offset of %s/%d: %w", o.Topic, o.Partition, o.Err)
		}
		v := b[o.Partition]
		v.end = o.Offset
		b[o.Partition] = v
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return b, nil
}

// fetchMaxBytes bounds one fetch answer.
const fetchMaxBytes = 4 << 20

// readRange reads partition p of m from start up to end (exclusive),
// calling fn for each record in offset order; fn returns false to stop.
// After each fetch answer is processed, advanced (if not nil) is called
// with the position reached: every offset below it has been passed to fn or
// was not a data record (control batch, aborted transaction, compacted
// away). readRange returns the position reached.
func readRange(ctx context.Context, cl *kgo.Client, adm *kadm.Client, m topicMeta, p int32, start, end int64,
	fn func(*kgo.Record) (bool, error), advanced func(pos int64) error,
) (int64, error) {
	pos := start
	leader := m.leaders[p]
	stalls := 0
	for pos < end {
		if err := ctx.Err(); err != nil {
			return pos, err
		}
		req := kmsg.NewPtrFetchRequest()
		req.ReplicaID = -1
		req.MaxWaitMillis = 500
		req.MinBytes = 1
		req.MaxBytes = fetchMaxBytes
		req.IsolationLevel = 1 // read_committed
		req.SessionEpoch = -1
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = m.name, m.id
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = p
		rp.FetchOffset = pos
		rp.CurrentLeaderEpoch = -1
		rp.LogStartOffset = -1
		rp.PartitionMaxBytes = fetchMaxBytes
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)

		resp, err := req.RequestWith(ctx, cl.Broker(int(leader)))
		if err != nil {
			return pos, fmt.Errorf("fetch %s/%d at %d: %w", m.name, p, pos, err)
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return pos, fmt.Errorf("fetch %s/%d at %d: %w", m.name, p, pos, err)
		}
		var part *kmsg.FetchResponseTopicPartition
		for i := range resp.Topics {
			for j := range resp.Topics[i].Partitions {
				if resp.Topics[i].Partitions[j].Partition == p {
					part = &resp.Topics[i].Partitions[j]
				}
			}
		}
		if part == nil {
			return pos, fmt.Errorf("fetch %s/%d at %d: partition missing from the answer", m.name, p, pos)
		}
		switch err := kerr.ErrorForCode(part.ErrorCode); {
		case err == nil:
		case errors.Is(err, kerr.NotLeaderForPartition), errors.Is(err, kerr.FencedLeaderEpoch),
			errors.Is(err, kerr.UnknownLeaderEpoch), errors.Is(err, kerr.LeaderNotAvailable):
			stalls++
			if stalls > 5 {
				return pos, fmt.Errorf("fetch %s/%d at %d: %w", m.name, p, pos, err)
			}
			nm, derr := describe(ctx, cl, m.name)
			if derr != nil {
				return pos, derr
			}
			leader = nm.leaders[p]
			continue
		case errors.Is(err, kerr.OffsetOutOfRange) && part.LogStartOffset > pos:
			// Deleted below us (retention, DeleteRecords): those
			// records are gone, go on from the new start.
			pos = part.LogStartOffset
			continue
		default:
			return pos, fmt.Errorf("fetch %s/%d at %d: %w", m.name, p, pos, err)
		}
		fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
			Offset:         pos,
			IsolationLevel: kgo.ReadCommitted(),
			Topic:          m.name,
			Partition:      p,
		}, part, kgo.DefaultDecompressor(), nil)
		if fp.Err != nil && len(fp.Records) == 0 {
			return pos, fmt.Errorf("decode %s/%d at %d: %w", m.name, p, pos, fp.Err)
		}
		for _, r := range fp.Records {
			if r.Offset < pos {
				continue
			}
			if r.Offset >= end {
				break
			}
			more, err := fn(r)
			if err != nil {
				return r.Offset, err
			}
			if !more {
				return r.Offset + 1, nil
			}
			pos = r.Offset + 1
		}
		if next > pos {
			pos = min(next, end)
			stalls = 0
		} else if len(fp.Records) == 0 {
			stalls++
			if stalls > 5 {
				return pos, fmt.Errorf("fetch %s/%d at %d: no progress below end offset %d", m.name, p, pos, end)
			}
		}
		if advanced != nil {
			if err := advanced(pos); err != nil {
				return pos, err
			}
		}
	}
	return pos, nil
}
