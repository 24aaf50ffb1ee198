package txn

import (
	"time"
)

// background runs the two periodic checks Kafka's coordinator runs: abort
// transactions that exceeded their timeout (every AbortCheckInterval) and
// remove transactional ids idle longer than IDExpiration (every
// RemoveExpiredInterval). It returns when Close is called.
func (c *Coordinator) background() {
	defer c.loop.Done()
	abort := time.NewTicker(c.cfg.AbortCheckInterval)
	defer abort.Stop()
	expire := time.NewTicker(c.cfg.RemoveExpiredInterval)
	defer expire.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-abort.C:
			c.abortTimedOut()
		case <-expire.C:
			c.removeExpired()
		}
	}
}

// abortTimedOut fences and aborts every Ongoing transaction that started
// more than its timeout ago. The producer's next request with its old epoch
// is answered PRODUCER_FENCED (INVALID_PRODUCER_EPOCH for old versions).
func (c *Coordinator) abortTimedOut() {
	now := c.nowMillis()
	for _, t := range c.txns() {
		t.mu.Lock()
		m := t.mu.meta
		if !t.mu.removed && m.state == stateOngoing && m.startMillis+int64(m.timeoutMillis) < now {
			if code := c.fenceLocked(t); code != 0 {
				c.log.Warn("abort timed out transaction", "transactional_id", t.id, "code", code)
			} else {
				c.log.Info("aborting timed out transaction", "transactional_id", t.id,
					"producer_id", m.producerID, "epoch", t.mu.meta.epoch)
			}
		}
		t.mu.Unlock()
	}
}

// removeExpired writes a tombstone for every transactional id with no
// transaction in progress that was last updated IDExpiration ago or more,
// and forgets it.
func (c *Coordinator) removeExpired() {
	cutoff := c.nowMillis() - c.cfg.IDExpiration.Milliseconds()
	for _, t := range c.txns() {
		t.mu.Lock()
		m := t.mu.meta
		switch m.state {
		case stateEmpty, stateCompleteCommit, stateCompleteAbort:
			if t.mu.removed || !t.mu.persisted || m.updatedMillis > cutoff {
				break
			}
			if err := t.pt.store.Append(t.pt.ctx, []Record{tombstone(t.id)}); err != nil {
				c.log.Warn("expire transactional id", "transactional_id", t.id, "err", err)
				break
			}
			c.forgetLocked(t)
			c.log.Info("expired transactional id", "transactional_id", t.id)
		}
		t.mu.Unlock()
	}
}
