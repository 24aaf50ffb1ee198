package group

// DeleteGroups: versions 0-2.
//
// Only Empty groups can be deleted (NON_EMPTY_GROUP otherwise); unknown groups
// answer GROUP_ID_NOT_FOUND. Deletion writes tombstones for every committed
// offset, every partition with a pending transactional offset and the group
// metadata before it is acknowledged.
//
// Pending transactional offsets do not prevent deletion: they are dropped
// with the group, and the producer's later COMMIT marker applies nothing (live
// or on replay, where the tombstones drop them), as Kafka's new group
// coordinator (OffsetMetadataManager.deleteAllOffsets) does.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DeleteGroups deletes empty groups and their committed offsets.
func (c *Coordinator) DeleteGroups(ctx context.Context, req *kmsg.DeleteGroupsRequest) *kmsg.DeleteGroupsResponse {
	r := kmsg.NewPtrDeleteGroupsResponse()
	r.Version = req.Version
	for _, name := range req.Groups {
		d := kmsg.NewDeleteGroupsResponseGroup()
		d.Group = name
		d.ErrorCode = c.deleteGroup(ctx, name)
		r.Groups = append(r.Groups, d)
	}
	return r
}

func (c *Coordinator) deleteGroup(ctx context.Context, name string) int16 {
	g, code := c.acquire(name, false)
	switch {
	case code != 0:
		return code
	case g == nil:
		return kerr.GroupIDNotFound.Code
	}
	defer g.mu.Unlock()
	if g.state != stateEmpty {
		return kerr.NonEmptyGroup.Code
	}
	if err := g.deleteLocked(ctx); err != nil {
		c.log.Warn("delete group", "group", name, "err", err)
		return kerr.CoordinatorNotAvailable.Code
	}
	return 0
}

// deleteLocked tombstones the group's offsets (committed or pending) and
// metadata and removes it.
func (g *group) deleteLocked(ctx context.Context) error {
	var recs []Record
	for t, ps := range g.offsets {
		for p := range ps {
			recs = append(recs, tombstone(offsetKey(g.name, t, p)))
		}
	}
	// A partition with only a pending offset needs its tombstone too, or
	// replaying the producer's COMMIT marker would bring the offset back.
	seen := make(map[topicPartition]bool)
	for _, ps := range g.txn {
		for tp := range ps {
			if _, ok := g.offsets[tp.topic][tp.partition]; !ok && !seen[tp] {
				seen[tp] = true
				recs = append(recs, tombstone(offsetKey(g.name, tp.topic, tp.partition)))
			}
		}
	}
	if g.hasMetadata {
		recs = append(recs, tombstone(groupKey(g.name)))
	}
	if len(recs) > 0 {
		if err := g.store.Append(ctx, recs); err != nil {
			return err
		}
	}
	clear(g.txn)
	g.transitionLocked(stateDead)
	g.shutdownLocked(kerr.CoordinatorNotAvailable.Code)
	g.c.forget(g)
	return nil
}
