package group

// OffsetFetch: versions 1-9.
//
//   - v1: errors per partition; v2-7: also a top-level error.
//   - Nil topics (v2+) asks for every committed partition of the group.
//   - v7+ RequireStable: a requested partition with a pending transactional
//     offset (TxnOffsetCommit not yet completed by its marker) answers
//     UNSTABLE_OFFSET_COMMIT with offset -1, and the client retries; so does
//     such a committed partition when all partitions are asked for. Without
//     RequireStable (and before v7) the last committed offset is answered and
//     pending offsets are invisible.
//   - v8+: many groups per request; v9 MemberID/MemberEpoch belong to the
//     KIP-848 protocol and are ignored for classic groups, as Kafka does.
//
// Unknown groups and partitions answer offset -1 with no error.

import (
	"context"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// OffsetFetch returns committed offsets.
func (c *Coordinator) OffsetFetch(_ context.Context, req *kmsg.OffsetFetchRequest) *kmsg.OffsetFetchResponse {
	r := kmsg.NewPtrOffsetFetchResponse()
	r.Version = req.Version
	if req.Version >= 8 {
		for _, rg := range req.Groups {
			var topics []kmsg.OffsetFetchRequestTopic
			if rg.Topics != nil {
				topics = make([]kmsg.OffsetFetchRequestTopic, 0, len(rg.Topics))
				for _, t := range rg.Topics {
					topics = append(topics, kmsg.OffsetFetchRequestTopic{Topic: t.Topic, Partitions: t.Partitions})
				}
			}
			code, ts := c.fetchGroup(rg.Group, topics, req.RequireStable)
			out := kmsg.NewOffsetFetchResponseGroup()
			out.Group, out.ErrorCode = rg.Group, code
			for _, t := range ts {
				ot := kmsg.NewOffsetFetchResponseGroupTopic()
				ot.Topic = t.Topic
				for _, p := range t.Partitions {
					ot.Partitions = append(ot.Partitions, kmsg.OffsetFetchResponseGroupTopicPartition{
						Partition: p.Partition, Offset: p.Offset, LeaderEpoch: p.LeaderEpoch,
						Metadata: p.Metadata, ErrorCode: p.ErrorCode,
					})
				}
				out.Topics = append(out.Topics, ot)
			}
			r.Groups = append(r.Groups, out)
		}
		return r
	}
	topics := req.Topics
	if req.Version < 2 && topics == nil {
		topics = []kmsg.OffsetFetchRequestTopic{}
	}
	code, ts := c.fetchGroup(req.Group, topics, req.Version >= 7 && req.RequireStable)
	r.ErrorCode = code
	r.Topics = ts
	if code != 0 && req.Version < 2 {
		r.Topics = nil
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := unknownOffset(p)
				rp.ErrorCode = code
				rt.Partitions = append(rt.Partitions, rp)
			}
			r.Topics = append(r.Topics, rt)
		}
	}
	return r
}

func unknownOffset(p int32) kmsg.OffsetFetchResponseTopicPartition {
	rp := kmsg.NewOffsetFetchResponseTopicPartition()
	rp.Partition, rp.Offset, rp.LeaderEpoch = p, -1, -1
	empty := ""
	rp.Metadata = &empty
	return rp
}

// fetchGroup answers one group; nil topics means all committed partitions.
func (c *Coordinator) fetchGroup(name string, topics []kmsg.OffsetFetchRequestTopic, stable bool) (int16, []kmsg.OffsetFetchResponseTopic) {
	g, code := c.acquire(name, false)
	if code != 0 {
		return code, nil
	}
	if g != nil {
		defer g.mu.Unlock()
	}
	var out []kmsg.OffsetFetchResponseTopic
	if topics == nil {
		if g == nil {
			return 0, nil
		}
		for t, ps := range g.offsets {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = t
			for p := range ps {
				rt.Partitions = append(rt.Partitions, g.fetchLocked(t, p, stable))
			}
			slices.SortFunc(rt.Partitions, func(a, b kmsg.OffsetFetchResponseTopicPartition) int { return int(a.Partition - b.Partition) })
			out = append(out, rt)
		}
		slices.SortFunc(out, func(a, b kmsg.OffsetFetchResponseTopic) int { return strings.Compare(a.Topic, b.Topic) })
		return 0, out
	}
	for _, t := range topics {
		rt := kmsg.NewOffsetFetchResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			if g == nil {
				rt.Partitions = append(rt.Partitions, unknownOffset(p))
				continue
			}
			rt.Partitions = append(rt.Partitions, g.fetchLocked(t.Topic, p, stable))
		}
		out = append(out, rt)
	}
	return 0, out
}

func (g *group) fetchLocked(topic string, p int32, stable bool) kmsg.OffsetFetchResponseTopicPartition {
	if stable && g.hasTxnOffsetLocked(topicPartition{topic, p}) {
		rp := unknownOffset(p)
		rp.ErrorCode = kerr.UnstableOffsetCommit.Code
		return rp
	}
	o, ok := g.offsets[topic][p]
	if !ok {
		return unknownOffset(p)
	}
	rp := kmsg.NewOffsetFetchResponseTopicPartition()
	rp.Partition, rp.Offset, rp.LeaderEpoch = p, o.offset, o.leaderEpoch
	meta := o.metadata
	rp.Metadata = &meta
	return rp
}
