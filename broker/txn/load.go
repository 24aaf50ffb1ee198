package txn

import (
	"context"
	"errors"
	"fmt"
)

// LoadPartition replays store and takes ownership of the transactional ids
// that hash to partition p. While it runs, their requests answer
// COORDINATOR_LOAD_IN_PROGRESS. Transactions found in PrepareCommit or
// PrepareAbort are then completed: their markers are written again.
func (c *Coordinator) LoadPartition(p int32, store Store) error {
	pt := &partition{id: p, store: store, loading: true}
	if es, ok := store.(EpochStore); ok {
		pt.epoch = es.LeaderEpoch()
	}
	pt.ctx, pt.cancel = context.WithCancel(context.Background())
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		pt.cancel()
		return errors.New("coordinator closed")
	}
	if _, ok := c.mu.partitions[p]; ok {
		c.mu.Unlock()
		pt.cancel()
		return fmt.Errorf("partition %d already loaded", p)
	}
	c.mu.partitions[p] = pt
	c.mu.Unlock()

	txns, err := c.replay(p, store)

	c.mu.Lock()
	if c.mu.partitions[p] != pt || c.mu.closed {
		c.mu.Unlock()
		return fmt.Errorf("partition %d unloaded while loading", p)
	}
	if err != nil {
		delete(c.mu.partitions, p)
		pt.gone = true
		c.mu.Unlock()
		pt.cancel()
		return fmt.Errorf("load __transaction_state partition %d: %w", p, err)
	}
	for id, t := range txns {
		t.pt = pt
		c.mu.txns[id] = t
	}
	pt.loading = false
	c.mu.Unlock()

	resumed := 0
	for _, t := range txns {
		t.mu.Lock()
		if !t.mu.removed {
			if s := t.mu.meta.state; s == statePrepareCommit || s == statePrepareAbort {
				c.writeMarkersLocked(t)
				resumed++
			}
		}
		t.mu.Unlock()
	}
	c.log.Info("loaded transaction partition", "partition", p, "transactional_ids", len(txns), "completing", resumed)
	return nil
}

// UnloadPartition gives up partition p: its transactional ids are dropped
// from memory (their records stay in the store), and its marker writers are
// stopped. It returns once they have returned.
func (c *Coordinator) UnloadPartition(p int32) {
	c.mu.Lock()
	pt := c.mu.partitions[p]
	if pt == nil {
		c.mu.Unlock()
		return
	}
	delete(c.mu.partitions, p)
	pt.gone = true
	var gone []*txn
	for id, t := range c.mu.txns {
		if t.partition == p {
			gone = append(gone, t)
			delete(c.mu.txns, id)
		}
	}
	c.mu.Unlock()
	c.shutdown([]*partition{pt}, gone)
}

// Close stops the background checks and every marker writer and returns once
// they have returned. Later requests answer NOT_COORDINATOR.
func (c *Coordinator) Close() {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	c.mu.closed = true
	pts := make([]*partition, 0, len(c.mu.partitions))
	for _, pt := range c.mu.partitions {
		pt.gone = true
		pts = append(pts, pt)
	}
	gone := make([]*txn, 0, len(c.mu.txns))
	for _, t := range c.mu.txns {
		gone = append(gone, t)
	}
	clear(c.mu.partitions)
	clear(c.mu.txns)
	c.mu.Unlock()
	close(c.stop)
	c.shutdown(pts, gone)
	c.loop.Wait()
}

// shutdown stops the marker writers of pts and marks gone removed. The
// partitions must already be out of the index and marked gone.
func (c *Coordinator) shutdown(pts []*partition, gone []*txn) {
	for _, pt := range pts {
		pt.cancel()
	}
	for _, t := range gone {
		t.mu.Lock()
		t.mu.removed = true
		t.mu.Unlock()
	}
	for _, pt := range pts {
		pt.writers.Wait()
	}
}
