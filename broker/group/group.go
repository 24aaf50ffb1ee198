package group

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// state is a classic group's state, named as Kafka names it on the wire.
type state int8

const (
	stateEmpty state = iota
	statePreparingRebalance
	stateCompletingRebalance
	stateStable
	stateDead
)

func (s state) String() string {
	return [...]string{"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}[s]
}

// offset is one committed (or pending transactional) offset.
type offset struct {
	offset      int64
	leaderEpoch int32
	metadata    string
	committed   time.Time
	// seq orders the group's offset records as the log does (see
	// group.logSeq): of a committed and a pending offset of one partition,
	// the one written later wins when the transaction commits.
	seq uint64
}

// group is one classic group. Every field after mu is guarded by mu.
type group struct {
	c         *Coordinator
	name      string
	partition int32
	store     Store

	mu           sync.Mutex
	removed      bool // no longer in the coordinator's index
	hasMetadata  bool // a group metadata record is in the store
	state        state
	stateSince   time.Time
	protocolType string
	protocol     string
	generation   int32
	leader       string
	members      map[string]*member
	statics      map[string]string      // instance id → member id
	pending      map[string]*time.Timer // ids handed out with MEMBER_ID_REQUIRED
	offsets      map[string]map[int32]offset
	txn          map[int64]map[topicPartition]offset // producer id → pending transactional offsets
	seq          uint64
	logSeq       uint64 // offset records written or replayed so far, in log order

	joinTimer      *time.Timer
	joinToken      uint64
	initialDelay   bool // the running join timer is the initial rebalance delay
	newMemberAdded bool // a member joined during the initial delay
}

func newGroup(c *Coordinator, name string, p int32, store Store) *group {
	return &group{
		c: c, name: name, partition: p, store: store,
		state:      stateEmpty,
		stateSince: c.now(),
		members:    make(map[string]*member),
		statics:    make(map[string]string),
		pending:    make(map[string]*time.Timer),
		offsets:    make(map[string]map[int32]offset),
		txn:        make(map[int64]map[topicPartition]offset),
	}
}

func (g *group) transitionLocked(s state) {
	g.state = s
	g.stateSince = g.c.now()
}

func (g *group) sortedMembersLocked() []*member {
	ms := make([]*member, 0, len(g.members))
	for _, m := range g.members {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *member) int { return cmp.Compare(a.seq, b.seq) })
	return ms
}

// persistLocked writes the group's metadata record.
func (g *group) persistLocked(ctx context.Context) error {
	if err := g.store.Append(ctx, []Record{g.groupRecordLocked()}); err != nil {
		return fmt.Errorf("append group metadata of %q: %w", g.name, err)
	}
	g.hasMetadata = true
	return nil
}

// shutdownLocked stops the group's timers and answers waiting requests with code.
func (g *group) shutdownLocked(code int16) {
	g.removed = true
	g.stopJoinTimerLocked()
	for _, m := range g.members {
		if m.join != nil {
			g.answerJoinLocked(m, joinError(m.joinVersion, m.id, code))
		}
		if m.sync != nil {
			g.answerSyncLocked(m, syncError(m.syncVersion, code))
		}
		m.token++
		if m.timer != nil {
			m.timer.Stop()
		}
	}
	for id, t := range g.pending {
		t.Stop()
		delete(g.pending, id)
	}
}

func (g *group) setOffsetLocked(topic string, p int32, o offset) {
	ps := g.offsets[topic]
	if ps == nil {
		ps = make(map[int32]offset)
		g.offsets[topic] = ps
	}
	ps[p] = o
}

// deleteOffsetLocked applies an offset tombstone: the committed offset and
// every producer's pending offset of the partition are gone (as Kafka's
// OffsetMetadataManager replays a tombstone).
func (g *group) deleteOffsetLocked(topic string, p int32) {
	if ps := g.offsets[topic]; ps != nil {
		delete(ps, p)
		if len(ps) == 0 {
			delete(g.offsets, topic)
		}
	}
	g.dropTxnOffsetLocked(topicPartition{topic, p})
}

// nextSeqLocked numbers the next offset record of the group.
func (g *group) nextSeqLocked() uint64 {
	g.logSeq++
	return g.logSeq
}

func (g *group) hasOffsetsLocked() bool { return len(g.offsets) > 0 }

// forgettableLocked reports whether a replayed group holds nothing: no
// metadata, no committed and no pending offsets.
func (g *group) forgettableLocked() bool {
	return !g.hasMetadata && len(g.offsets) == 0 && len(g.txn) == 0
}

// applyMetadataLocked applies a replayed group metadata record.
func (g *group) applyMetadataLocked(v *kmsg.GroupMetadataValue) {
	g.resetMetadataLocked()
	g.hasMetadata = true
	g.protocolType = v.ProtocolType
	g.generation = v.Generation
	if v.Protocol != nil {
		g.protocol = *v.Protocol
	}
	if v.Leader != nil {
		g.leader = *v.Leader
	}
	if v.CurrentStateTimestamp >= 0 {
		g.stateSince = time.UnixMilli(v.CurrentStateTimestamp)
	}
	for _, vm := range v.Members {
		g.seq++
		m := &member{
			id: vm.MemberID, instanceID: vm.InstanceID,
			clientID: vm.ClientID, clientHost: vm.ClientHost,
			sessionTimeout:   time.Duration(vm.SessionTimeoutMillis) * time.Millisecond,
			rebalanceTimeout: time.Duration(vm.RebalanceTimeoutMillis) * time.Millisecond,
			protocolType:     v.ProtocolType,
			protocols:        []protocol{{name: g.protocol, metadata: vm.Subscription}},
			assignment:       vm.Assignment,
			seq:              g.seq,
		}
		if m.rebalanceTimeout <= 0 {
			m.rebalanceTimeout = m.sessionTimeout
		}
		g.members[m.id] = m
		if m.instanceID != nil {
			g.statics[*m.instanceID] = m.id
		}
	}
	if len(g.members) > 0 {
		g.state = stateStable
	}
}

// resetMetadataLocked forgets membership (a group metadata tombstone).
func (g *group) resetMetadataLocked() {
	g.hasMetadata = false
	g.state = stateEmpty
	g.protocolType, g.protocol, g.leader = "", "", ""
	g.generation = 0
	clear(g.members)
	clear(g.statics)
}

// startLoadedLocked starts session timers for members read from the store:
// they must heartbeat within their session timeout or be removed.
func (g *group) startLoadedLocked() {
	for _, m := range g.members {
		g.resetSessionLocked(m)
	}
}
