package group

import "time"

// Offset expiry follows Kafka 2.1+ (KIP-211), run every
// OffsetsRetentionCheckInterval:
//
//   - An Empty group that used group management (it has a protocol type)
//     loses all its offsets once it has been Empty for OffsetsRetention.
//   - An Empty group that never had members (simple commits) loses each
//     offset OffsetsRetention after that offset's commit.
//   - A Stable "consumer" group loses offsets of topics no member subscribes
//     to, OffsetsRetention after their commit.
//   - Other groups keep their offsets.
//
// Pending transactional offsets never expire, and the committed offset of a
// partition with one is kept until the transaction completes. An Empty group
// left with no offsets, committed or pending, is removed (group metadata
// tombstone).

func (c *Coordinator) expireTick() {
	c.expireOffsets()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.mu.closed {
		c.mu.expiry.Reset(c.cfg.OffsetsRetentionCheckInterval)
	}
}

// expireOffsets runs one expiry pass over every group.
func (c *Coordinator) expireOffsets() {
	now := c.now()
	for _, g := range c.groups() {
		g.mu.Lock()
		if !g.removed {
			g.expireLocked(now)
		}
		g.mu.Unlock()
	}
}

func (g *group) expireLocked(now time.Time) {
	retention := g.c.cfg.OffsetsRetention
	type tp struct {
		topic string
		p     int32
	}
	var expired []tp
	consider := func(topic string, p int32, base time.Time) {
		// A partition with a pending transactional offset keeps its
		// committed offset until the transaction completes, as in Kafka.
		if now.Sub(base) >= retention && !g.hasTxnOffsetLocked(topicPartition{topic, p}) {
			expired = append(expired, tp{topic, p})
		}
	}
	switch {
	case g.state == stateEmpty:
		for t, ps := range g.offsets {
			for p, o := range ps {
				base := o.committed
				if g.protocolType != "" {
					base = g.stateSince
				}
				consider(t, p, base)
			}
		}
	case g.state == stateStable && g.protocolType == consumerProtocolType:
		subscribed := g.subscribedTopicsLocked()
		if subscribed == nil {
			break
		}
		for t, ps := range g.offsets {
			if subscribed[t] {
				continue
			}
			for p, o := range ps {
				consider(t, p, o.committed)
			}
		}
	}
	if len(expired) > 0 {
		recs := make([]Record, 0, len(expired))
		for _, e := range expired {
			recs = append(recs, tombstone(offsetKey(g.name, e.topic, e.p)))
		}
		if err := g.store.Append(g.c.ctx, recs); err != nil {
			g.c.log.Warn("append expired offset tombstones", "group", g.name, "err", err)
			return
		}
		for _, e := range expired {
			g.deleteOffsetLocked(e.topic, e.p)
		}
		g.c.log.Info("expired group offsets", "group", g.name, "partitions", len(expired))
	}
	if g.state == stateEmpty && !g.hasOffsetsLocked() && len(g.pending) == 0 && len(g.txn) == 0 {
		if err := g.deleteLocked(g.c.ctx); err != nil {
			g.c.log.Warn("remove empty group", "group", g.name, "err", err)
		}
	}
}
