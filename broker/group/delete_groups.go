package group

// DeleteGroups: versions 0-2.
//
// Only Empty groups can be deleted (NON_EMPTY_GROUP otherwise); unknown groups
// answer GROUP_ID_NOT_FOUND. Deletion writes tombstones for every committed
// offset and the group metadata before it is acknowledged.

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

// deleteLocked tombstones the group's offsets and metadata and removes it.
func (g *group) deleteLocked(ctx context.Context) error {
	var recs []Record
	for t, ps := range g.offsets {
		for p := range ps {
			recs = append(recs, Record{Key: offsetKey(g.name, t, p)})
		}
	}
	if g.hasMetadata {
		recs = append(recs, Record{Key: groupKey(g.name)})
	}
	if len(recs) > 0 {
		if err := g.store.Append(ctx, recs); err != nil {
			return err
		}
	}
	g.transitionLocked(stateDead)
	g.shutdownLocked(kerr.CoordinatorNotAvailable.Code)
	g.c.forget(g)
	return nil
}
