package group

// OffsetCommit: versions 2-9.
//
//   - Generation -1 with an empty member id (and no instance id) is a "simple"
//     commit: allowed when the group has no members, creating the group if it
//     does not exist (kadm/kcat admin commits).
//   - v7+: group.instance.id is checked (FENCED_INSTANCE_ID).
//   - Commits are answered only after Store.Append returned.
//   - A commit of a partition that has a pending transactional offset is
//     applied at once; written later, it also stands when that transaction
//     commits (see the package doc).
//
// Deviation: v2-4 RetentionTimeMillis is ignored; offsets.retention applies.
// Metadata longer than 4096 bytes (offset.metadata.max.bytes) is refused with
// OFFSET_METADATA_TOO_LARGE.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const maxOffsetMetadata = 4096

// OffsetCommit stores a group's committed offsets.
func (c *Coordinator) OffsetCommit(ctx context.Context, req *kmsg.OffsetCommitRequest) *kmsg.OffsetCommitResponse {
	r := kmsg.NewPtrOffsetCommitResponse()
	r.Version = req.Version
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetCommitResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition = p.Partition
			rt.Partitions = append(rt.Partitions, rp)
		}
		r.Topics = append(r.Topics, rt)
	}
	setAll := func(code int16) *kmsg.OffsetCommitResponse {
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				r.Topics[i].Partitions[j].ErrorCode = code
			}
		}
		return r
	}

	var instanceID *string
	if req.Version >= 7 {
		instanceID = req.InstanceID
	}
	g, code := c.acquire(req.Group, req.Generation < 0)
	if code != 0 {
		return setAll(code)
	}
	if g == nil {
		return setAll(kerr.IllegalGeneration.Code)
	}
	defer g.mu.Unlock()
	if code := g.validateCommitLocked(req.Generation, req.MemberID, instanceID); code != 0 {
		return setAll(code)
	}
	if m := g.members[req.MemberID]; m != nil {
		g.resetSessionLocked(m)
	}

	now := c.now()
	type pos struct{ t, p int }
	var (
		recs  []Record
		where []pos
		vals  []offset
	)
	for i, t := range req.Topics {
		for j, p := range t.Partitions {
			rp := &r.Topics[i].Partitions[j]
			meta := ""
			if p.Metadata != nil {
				meta = *p.Metadata
			}
			switch {
			case len(meta) > maxOffsetMetadata:
				rp.ErrorCode = kerr.OffsetMetadataTooLarge.Code
				continue
			case c.cfg.PartitionExists != nil && !c.cfg.PartitionExists(t.Topic, p.Partition):
				rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
				continue
			}
			o := offset{offset: p.Offset, leaderEpoch: -1, metadata: meta, committed: now}
			if req.Version >= 6 {
				o.leaderEpoch = p.LeaderEpoch
			}
			recs = append(recs, offsetRecord(g.name, t.Topic, p.Partition, o))
			where = append(where, pos{i, j})
			vals = append(vals, o)
		}
	}
	if len(recs) == 0 {
		return r
	}
	if err := g.store.Append(ctx, recs); err != nil {
		c.log.Warn("append offset commit", "group", g.name, "err", err)
		for _, w := range where {
			r.Topics[w.t].Partitions[w.p].ErrorCode = kerr.CoordinatorNotAvailable.Code
		}
		return r
	}
	for k, w := range where {
		vals[k].seq = g.nextSeqLocked()
		g.setOffsetLocked(req.Topics[w.t].Topic, req.Topics[w.t].Partitions[w.p].Partition, vals[k])
	}
	return r
}

// validateCommitLocked is Kafka's validateOffsetCommit: a commit naming a
// generation, member or instance must match the group's; an anonymous one
// (generation -1, no member) is accepted only while the group is Empty.
func (g *group) validateCommitLocked(generation int32, memberID string, instanceID *string) int16 {
	if generation >= 0 || memberID != "" || instanceID != nil {
		if instanceID != nil {
			if id, ok := g.statics[*instanceID]; ok && id != memberID {
				return kerr.FencedInstanceID.Code
			}
		}
		if _, ok := g.members[memberID]; memberID != "" && !ok {
			return kerr.UnknownMemberID.Code
		}
		if generation != g.generation {
			return kerr.IllegalGeneration.Code
		}
	} else if g.state != stateEmpty {
		return kerr.UnknownMemberID.Code
	}
	if g.state == stateCompletingRebalance {
		return kerr.RebalanceInProgress.Code
	}
	return 0
}
