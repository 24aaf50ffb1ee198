package group

// Pending transactional offsets and their completion by transaction markers.
//
// A TxnOffsetCommit holds its offsets in group.txn under the producer id until
// the broker writes the producer's COMMIT or ABORT marker into the group's
// __consumer_offsets partition and calls CompleteTxn (live), or until Replay
// meets that marker (load). On commit a pending offset replaces the committed
// one only if it was written later (group.logSeq order), as Kafka compares
// record offsets, so a regular OffsetCommit written after the transactional
// one wins. Each partition keeps an index producer id → groups with pending
// offsets of it, so CompleteTxn touches only those groups.

// topicPartition names one partition of a consumed topic.
type topicPartition struct {
	topic     string
	partition int32
}

// txnEnd is a CompleteTxn call that arrived while its partition was loading.
type txnEnd struct {
	producerID int64
	commit     bool
}

// addTxnOffsetLocked holds o as pending for producerID.
func (g *group) addTxnOffsetLocked(producerID int64, tp topicPartition, o offset) {
	ps := g.txn[producerID]
	if ps == nil {
		ps = make(map[topicPartition]offset)
		g.txn[producerID] = ps
	}
	ps[tp] = o
}

// completeTxnLocked applies (commit) or drops (abort) producerID's pending
// offsets. It does nothing if the producer has none.
func (g *group) completeTxnLocked(producerID int64, commit bool) {
	ps, ok := g.txn[producerID]
	if !ok {
		return
	}
	delete(g.txn, producerID)
	if !commit {
		return
	}
	for tp, o := range ps {
		if cur, ok := g.offsets[tp.topic][tp.partition]; ok && cur.seq > o.seq {
			continue // a later regular commit stands
		}
		g.setOffsetLocked(tp.topic, tp.partition, o)
	}
}

// dropTxnOffsetLocked forgets every producer's pending offset of tp.
func (g *group) dropTxnOffsetLocked(tp topicPartition) {
	for pid, ps := range g.txn {
		delete(ps, tp)
		if len(ps) == 0 {
			delete(g.txn, pid)
		}
	}
}

// hasTxnOffsetLocked reports whether some producer holds a pending offset of tp.
func (g *group) hasTxnOffsetLocked(tp topicPartition) bool {
	for _, ps := range g.txn {
		if _, ok := ps[tp]; ok {
			return true
		}
	}
	return false
}

// CompleteTxn completes producerID's transaction for the groups of
// __consumer_offsets partition p: their pending offsets of that producer are
// applied (commit) or dropped (abort). The broker calls it right after it
// wrote the COMMIT or ABORT marker of producerID into partition p, and before
// it acknowledges the marker to the transaction coordinator (so the producer
// cannot have begun a new transaction meanwhile). It is idempotent; for a
// partition this coordinator does not own it does nothing (a later load
// replays the marker), and for a partition being loaded it takes effect when
// the load completes.
func (c *Coordinator) CompleteTxn(p int32, producerID int64, commit bool) {
	c.mu.Lock()
	pt := c.mu.partitions[p]
	if c.mu.closed || pt == nil {
		c.mu.Unlock()
		return
	}
	if pt.loading {
		pt.ended = append(pt.ended, txnEnd{producerID, commit})
		c.mu.Unlock()
		return
	}
	gs := pt.txnGroups[producerID]
	delete(pt.txnGroups, producerID)
	c.mu.Unlock()
	for g := range gs {
		g.mu.Lock()
		if !g.removed {
			g.completeTxnLocked(producerID, commit)
		}
		g.mu.Unlock()
	}
}

// trackTxn records that g holds pending offsets of producerID; the caller
// holds g.mu (lock order group.mu → Coordinator.mu). Entries of groups whose
// pending offsets went away otherwise (deleted group, tombstone) stay until
// the producer's marker and are harmless.
func (c *Coordinator) trackTxn(g *group, producerID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.mu.partitions[g.partition]
	if pt == nil || pt.store != g.store {
		return // unloaded meanwhile; the group is being shut down
	}
	pt.trackLocked(g, producerID)
}

// trackLocked adds g to the producer's index; Coordinator.mu is held.
func (pt *partition) trackLocked(g *group, producerID int64) {
	if pt.txnGroups == nil {
		pt.txnGroups = make(map[int64]map[*group]struct{})
	}
	gs := pt.txnGroups[producerID]
	if gs == nil {
		gs = make(map[*group]struct{})
		pt.txnGroups[producerID] = gs
	}
	gs[g] = struct{}{}
}
