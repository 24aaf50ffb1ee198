package group

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Config configures a Coordinator. Zero values take Kafka's defaults.
type Config struct {
	NumPartitions         int32         // offsets.topic.num.partitions (50)
	MinSessionTimeout     time.Duration // group.min.session.timeout.ms 6000
	MaxSessionTimeout     time.Duration // group.max.session.timeout.ms 1800000
	InitialRebalanceDelay time.Duration // group.initial.rebalance.delay.ms 3000; negative = 0
	OffsetsRetention      time.Duration // offsets.retention.minutes 10080
	// OffsetsRetentionCheckInterval is offsets.retention.check.interval.ms (600000).
	OffsetsRetentionCheckInterval time.Duration
	MaxGroupSize                  int // group.max.size (MaxInt32)
	// PartitionExists reports whether a topic partition exists; OffsetCommit to
	// an unknown one answers UNKNOWN_TOPIC_OR_PARTITION. Nil accepts all.
	PartitionExists func(topic string, partition int32) bool
	Logger          *slog.Logger
	Now             func() time.Time // nil = time.Now
}

func (cfg *Config) defaults() {
	if cfg.NumPartitions <= 0 {
		cfg.NumPartitions = 50
	}
	if cfg.MinSessionTimeout <= 0 {
		cfg.MinSessionTimeout = 6 * time.Second
	}
	if cfg.MaxSessionTimeout <= 0 {
		cfg.MaxSessionTimeout = 30 * time.Minute
	}
	if cfg.InitialRebalanceDelay == 0 {
		cfg.InitialRebalanceDelay = 3 * time.Second
	} else if cfg.InitialRebalanceDelay < 0 {
		cfg.InitialRebalanceDelay = 0
	}
	if cfg.OffsetsRetention <= 0 {
		cfg.OffsetsRetention = 7 * 24 * time.Hour
	}
	if cfg.OffsetsRetentionCheckInterval <= 0 {
		cfg.OffsetsRetentionCheckInterval = 10 * time.Minute
	}
	if cfg.MaxGroupSize <= 0 {
		cfg.MaxGroupSize = math.MaxInt32
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

// Coordinator is the group coordinator for the partitions of
// __consumer_offsets this broker leads. See the package doc for locking.
type Coordinator struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context // cancelled by Close; used for writes made by timers
	cancel context.CancelFunc

	mu struct {
		sync.Mutex
		closed     bool
		partitions map[int32]*partition
		groups     map[string]*group
		expiry     *time.Timer
	}
}

type partition struct {
	store     Store
	loading   bool
	ended     []txnEnd                      // CompleteTxn calls made while loading
	txnGroups map[int64]map[*group]struct{} // producer id → groups with its pending offsets
}

// New returns a Coordinator that owns no partition yet.
func New(cfg Config) *Coordinator {
	cfg.defaults()
	c := &Coordinator{cfg: cfg, log: cfg.Logger}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.mu.partitions = make(map[int32]*partition)
	c.mu.groups = make(map[string]*group)
	c.mu.expiry = time.AfterFunc(cfg.OffsetsRetentionCheckInterval, c.expireTick)
	return c
}

func (c *Coordinator) now() time.Time { return c.cfg.Now() }

// PartitionFor is Kafka's abs(javaStringHashCode(group)) % NumPartitions.
func (c *Coordinator) PartitionFor(group string) int32 {
	var h int32
	for _, r := range group {
		if r >= 0x10000 { // UTF-16 surrogate pair, as Java hashes it
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	if h == math.MinInt32 { // Kafka's Utils.abs
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % c.cfg.NumPartitions
}

// LoadPartition replays store and takes ownership of the groups that hash to
// partition p. While it runs, requests for those groups answer
// COORDINATOR_LOAD_IN_PROGRESS.
func (c *Coordinator) LoadPartition(p int32, store Store) error {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return errors.New("coordinator closed")
	}
	if _, ok := c.mu.partitions[p]; ok {
		c.mu.Unlock()
		return fmt.Errorf("partition %d already loaded", p)
	}
	c.mu.partitions[p] = &partition{store: store, loading: true}
	c.mu.Unlock()

	groups, err := c.replay(p, store)

	c.mu.Lock()
	if pt := c.mu.partitions[p]; pt == nil || pt.store != store || c.mu.closed {
		c.mu.Unlock()
		return fmt.Errorf("partition %d unloaded while loading", p)
	}
	if err != nil {
		delete(c.mu.partitions, p)
		c.mu.Unlock()
		return fmt.Errorf("load __consumer_offsets partition %d: %w", p, err)
	}
	// The groups are not published yet, so their state is touched without
	// their locks (and without breaking the lock order).
	pt := c.mu.partitions[p]
	for _, e := range pt.ended { // markers written while we replayed
		for _, g := range groups {
			g.completeTxnLocked(e.producerID, e.commit)
		}
	}
	pt.ended = nil
	for name, g := range groups {
		if g.forgettableLocked() {
			delete(groups, name)
			continue
		}
		c.mu.groups[name] = g
		for pid := range g.txn {
			pt.trackLocked(g, pid)
		}
	}
	pt.loading = false
	c.mu.Unlock()
	for _, g := range groups { // session timers start once the groups are served
		g.mu.Lock()
		if !g.removed {
			g.startLoadedLocked()
		}
		g.mu.Unlock()
	}
	c.log.Info("loaded group partition", "partition", p, "groups", len(groups))
	return nil
}

// UnloadPartition gives up partition p: its groups are dropped from memory
// (their records stay in the store) and waiting requests answer NOT_COORDINATOR.
func (c *Coordinator) UnloadPartition(p int32) {
	c.mu.Lock()
	delete(c.mu.partitions, p)
	var gone []*group
	for name, g := range c.mu.groups {
		if g.partition == p {
			gone = append(gone, g)
			delete(c.mu.groups, name)
		}
	}
	c.mu.Unlock()
	for _, g := range gone {
		g.mu.Lock()
		g.shutdownLocked(kerr.NotCoordinator.Code)
		g.mu.Unlock()
	}
}

// Close stops every timer and answers waiting JoinGroup and SyncGroup
// requests with NOT_COORDINATOR. Later requests answer NOT_COORDINATOR.
func (c *Coordinator) Close() {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	c.mu.closed = true
	c.mu.expiry.Stop()
	gone := make([]*group, 0, len(c.mu.groups))
	for _, g := range c.mu.groups {
		gone = append(gone, g)
	}
	clear(c.mu.groups)
	clear(c.mu.partitions)
	c.mu.Unlock()
	c.cancel()
	for _, g := range gone {
		g.mu.Lock()
		g.shutdownLocked(kerr.NotCoordinator.Code)
		g.mu.Unlock()
	}
}

// acquire returns the named group locked, creating it (Empty) when create is
// set. A nil group with code 0 means the group does not exist. Errors are
// NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS and INVALID_GROUP_ID.
func (c *Coordinator) acquire(name string, create bool) (*group, int16) {
	if name == "" {
		return nil, kerr.InvalidGroupID.Code
	}
	p := c.PartitionFor(name)
	for {
		c.mu.Lock()
		pt := c.mu.partitions[p]
		switch {
		case c.mu.closed || pt == nil:
			c.mu.Unlock()
			return nil, kerr.NotCoordinator.Code
		case pt.loading:
			c.mu.Unlock()
			return nil, kerr.CoordinatorLoadInProgress.Code
		}
		g := c.mu.groups[name]
		if g == nil {
			if !create {
				c.mu.Unlock()
				return nil, 0
			}
			g = newGroup(c, name, p, pt.store)
			c.mu.groups[name] = g
		}
		c.mu.Unlock()
		g.mu.Lock()
		if !g.removed {
			return g, 0
		}
		g.mu.Unlock() // deleted meanwhile; look again
	}
}

// checkCoordinator reports the error a request for group name gets before
// the group itself is considered.
func (c *Coordinator) checkCoordinator(name string) int16 {
	if name == "" {
		return kerr.InvalidGroupID.Code
	}
	p := c.PartitionFor(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.mu.partitions[p]
	switch {
	case c.mu.closed || pt == nil:
		return kerr.NotCoordinator.Code
	case pt.loading:
		return kerr.CoordinatorLoadInProgress.Code
	}
	return 0
}

// forget removes g from the index; the caller holds g.mu.
func (c *Coordinator) forget(g *group) {
	c.mu.Lock()
	if c.mu.groups[g.name] == g {
		delete(c.mu.groups, g.name)
	}
	c.mu.Unlock()
}

// groups returns a snapshot of the groups in the index.
func (c *Coordinator) groups() []*group {
	c.mu.Lock()
	defer c.mu.Unlock()
	gs := make([]*group, 0, len(c.mu.groups))
	for _, g := range c.mu.groups {
		gs = append(gs, g)
	}
	return gs
}

// GroupCount is the number of groups this coordinator holds.
func (c *Coordinator) GroupCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.mu.groups)
}

// CommittedOffsets returns a copy of the group's committed offsets by topic and
// partition, or nil if the group is unknown here.
func (c *Coordinator) CommittedOffsets(name string) map[string]map[int32]int64 {
	g, _ := c.acquire(name, false)
	if g == nil {
		return nil
	}
	defer g.mu.Unlock()
	out := make(map[string]map[int32]int64, len(g.offsets))
	for t, ps := range g.offsets {
		m := make(map[int32]int64, len(ps))
		for p, o := range ps {
			m[p] = o.offset
		}
		out[t] = m
	}
	return out
}
