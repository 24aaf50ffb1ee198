package group

import (
	"time"
)

// replay rebuilds the groups of partition p from store: committed offsets,
// group metadata and pending transactional offsets, tombstones removing what
// they name, markers completing a producer's pending offsets. Offset records
// of a transactional batch stay pending until their producer's marker, or
// after the replay if there is none yet: the transaction coordinator sends
// it later. Groups left with nothing are dropped by the caller.
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
	open := make(map[int64]map[*group]struct{}) // producer id → groups with its pending offsets
	err := store.Replay(func(r Record) error {
		if r.Marker != MarkerNone {
			for g := range open[r.ProducerID] {
				g.completeTxnLocked(r.ProducerID, r.Marker == MarkerCommit)
			}
			delete(open, r.ProducerID)
			return nil
		}
		d, err := decodeRecord(r)
		if err != nil {
			return err
		}
		if d.group == "" || c.PartitionFor(d.group) != p {
			return nil
		}
		if d.isOffset {
			if d.offset == nil { // transactional or not, as Kafka replays it
				if g := groups[d.group]; g != nil {
					g.deleteOffsetLocked(d.topic, d.partition)
				}
				return nil
			}
			g := get(d.group)
			o := offset{
				offset:      d.offset.Offset,
				leaderEpoch: d.offset.LeaderEpoch,
				metadata:    d.offset.Metadata,
				committed:   time.UnixMilli(d.offset.CommitTimestamp),
				seq:         g.nextSeqLocked(),
			}
			if r.ProducerID >= 0 {
				g.addTxnOffsetLocked(r.ProducerID, topicPartition{d.topic, d.partition}, o)
				if open[r.ProducerID] == nil {
					open[r.ProducerID] = make(map[*group]struct{})
				}
				open[r.ProducerID][g] = struct{}{}
			} else {
				g.setOffsetLocked(d.topic, d.partition, o)
			}
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
	return groups, nil
}
