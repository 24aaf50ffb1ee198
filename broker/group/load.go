package group

import (
	"time"
)

// replay rebuilds the groups of partition p from store: committed offsets and
// group metadata, tombstones removing what they name.
func (c *Coordinator) replay(p int32, store Store) (map[string]*group, error) {
	groups := make(map[string]*group)
	get := func(name string) *group {
		g := groups[name]
		if g == nil {
			g = newGroup(c, name, p, store)
			groups[name] = g
		}
		return g
	}
	err := store.Replay(func(r Record) error {
		d, err := decodeRecord(r)
		if err != nil {
			return err
		}
		if d.group == "" || c.PartitionFor(d.group) != p {
			return nil
		}
		if d.isOffset {
			if d.offset == nil {
				if g := groups[d.group]; g != nil {
					g.deleteOffsetLocked(d.topic, d.partition)
				}
				return nil
			}
			g := get(d.group)
			g.setOffsetLocked(d.topic, d.partition, offset{
				offset:      d.offset.Offset,
				leaderEpoch: d.offset.LeaderEpoch,
				metadata:    d.offset.Metadata,
				committed:   time.UnixMilli(d.offset.CommitTimestamp),
			})
			return nil
		}
		if d.meta == nil {
			if g := groups[d.group]; g != nil {
				g.resetMetadataLocked()
			}
			return nil
		}
		get(d.group).applyMetadataLocked(d.meta)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, g := range groups {
		if !g.hasMetadata && len(g.offsets) == 0 {
			delete(groups, name)
		}
	}
	return groups, nil
}
