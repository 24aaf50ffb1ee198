package group

// OffsetDelete: version 0.
//
// An Empty group may delete any of its offsets. A non-empty group of protocol
// type "consumer" may delete offsets of topics none of its members subscribes
// to (GROUP_SUBSCRIBED_TO_TOPIC otherwise); a non-empty group of any other
// protocol type answers NON_EMPTY_GROUP, as Kafka does.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// OffsetDelete deletes committed offsets of a group.
func (c *Coordinator) OffsetDelete(ctx context.Context, req *kmsg.OffsetDeleteRequest) *kmsg.OffsetDeleteResponse {
	r := kmsg.NewPtrOffsetDeleteResponse()
	r.Version = req.Version
	g, code := c.acquire(req.Group, false)
	switch {
	case code != 0:
		r.ErrorCode = code
		return r
	case g == nil:
		r.ErrorCode = kerr.GroupIDNotFound.Code
		return r
	}
	defer g.mu.Unlock()

	var subscribed map[string]bool
	switch {
	case g.state == stateEmpty:
	case g.protocolType == consumerProtocolType:
		subscribed = g.subscribedTopicsLocked()
	default:
		r.ErrorCode = kerr.NonEmptyGroup.Code
		return r
	}
	type pos struct{ t, p int }
	var (
		recs  []Record
		where []pos
	)
	for i, t := range req.Topics {
		rt := kmsg.NewOffsetDeleteResponseTopic()
		rt.Topic = t.Topic
		for j, p := range t.Partitions {
			rp := kmsg.NewOffsetDeleteResponseTopicPartition()
			rp.Partition = p.Partition
			if subscribed[t.Topic] {
				rp.ErrorCode = kerr.GroupSubscribedToTopic.Code
			} else if _, ok := g.offsets[t.Topic][p.Partition]; ok {
				recs = append(recs, tombstone(offsetKey(g.name, t.Topic, p.Partition)))
				where = append(where, pos{i, j})
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		r.Topics = append(r.Topics, rt)
	}
	if len(recs) == 0 {
		return r
	}
	if err := g.store.Append(ctx, recs); err != nil {
		c.log.Warn("append offset tombstones", "group", g.name, "err", err)
		r.ErrorCode = kerr.CoordinatorNotAvailable.Code
		r.Topics = nil
		return r
	}
	for _, w := range where {
		g.deleteOffsetLocked(req.Topics[w.t].Topic, req.Topics[w.t].Partitions[w.p].Partition)
	}
	return r
}
