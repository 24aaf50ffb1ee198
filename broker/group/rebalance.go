package group

import (
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// rebalanceTimeoutLocked is the largest rebalance timeout of the members.
func (g *group) rebalanceTimeoutLocked() time.Duration {
	var d time.Duration
	for _, m := range g.members {
		d = max(d, m.rebalanceTimeout)
	}
	return d
}

// supportsLocked is Kafka's supportsProtocols: the first member sets the
// protocol type; later ones must share it and one protocol with every other
// member (the member itself, when rejoining, is not counted).
func (g *group) supportsLocked(memberID, protocolType string, ps []protocol) bool {
	if protocolType == "" || len(ps) == 0 {
		return false
	}
	if len(g.members) == 0 {
		return true
	}
	if protocolType != g.protocolType {
		return false
	}
	for _, p := range ps {
		all := true
		for id, m := range g.members {
			if id != memberID && !m.hasProtocol(p.name) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// selectProtocolLocked is Kafka's vote: among the protocols every member
// supports, each member votes for the first it lists; most votes wins, ties
// go to the oldest member's preference.
func (g *group) selectProtocolLocked() string {
	ms := g.sortedMembersLocked()
	if len(ms) == 0 {
		return ""
	}
	var candidates []string
	for _, p := range ms[0].protocols {
		all := true
		for _, m := range ms[1:] {
			if !m.hasProtocol(p.name) {
				all = false
				break
			}
		}
		if all {
			candidates = append(candidates, p.name)
		}
	}
	votes := make(map[string]int)
	for _, m := range ms {
		for _, p := range m.protocols {
			if slices.Contains(candidates, p.name) {
				votes[p.name]++
				break
			}
		}
	}
	best := ""
	for _, name := range candidates {
		if best == "" || votes[name] > votes[best] {
			best = name
		}
	}
	return best
}

// joinResponseLocked is the successful join answer for m: the leader also
// gets every member's metadata for the selected protocol.
func (g *group) joinResponseLocked(m *member, version int16) *kmsg.JoinGroupResponse {
	r := kmsg.NewPtrJoinGroupResponse()
	r.Version = version
	r.Generation = g.generation
	pt, p := g.protocolType, g.protocol
	r.ProtocolType, r.Protocol = &pt, &p
	r.LeaderID = g.leader
	r.MemberID = m.id
	if m.id == g.leader {
		for _, o := range g.sortedMembersLocked() {
			rm := kmsg.NewJoinGroupResponseMember()
			rm.MemberID = o.id
			rm.InstanceID = o.instanceID
			rm.ProtocolMetadata = o.metadataFor(g.protocol)
			r.Members = append(r.Members, rm)
		}
	}
	return r
}

func joinError(version int16, memberID string, code int16) *kmsg.JoinGroupResponse {
	r := kmsg.NewPtrJoinGroupResponse()
	r.Version = version
	r.ErrorCode = code
	r.Generation = -1
	r.MemberID = memberID
	return r
}

func syncError(version int16, code int16) *kmsg.SyncGroupResponse {
	r := kmsg.NewPtrSyncGroupResponse()
	r.Version = version
	r.ErrorCode = code
	return r
}

func (g *group) answerJoinLocked(m *member, r *kmsg.JoinGroupResponse) {
	if m.join != nil {
		m.join <- r // one slot, one answer: never blocks
		m.join = nil
	}
}

func (g *group) answerSyncLocked(m *member, r *kmsg.SyncGroupResponse) {
	if m.sync != nil {
		m.sync <- r
		m.sync = nil
	}
}

// maybePrepareRebalanceLocked starts a rebalance unless one is under way.
func (g *group) maybePrepareRebalanceLocked() {
	switch g.state {
	case stateEmpty, stateStable, stateCompletingRebalance:
		g.prepareRebalanceLocked()
	case statePreparingRebalance:
		g.tryCompleteJoinLocked()
	}
}

// prepareRebalanceLocked enters PreparingRebalance. An Empty group waits the
// initial rebalance delay (extended while members keep arriving, capped by the
// rebalance timeout); otherwise the join phase ends when every member rejoined
// or at the rebalance timeout.
func (g *group) prepareRebalanceLocked() {
	if g.state == stateCompletingRebalance {
		for _, m := range g.members {
			m.assignment = nil
			g.answerSyncLocked(m, syncError(m.syncVersion, kerr.RebalanceInProgress.Code))
		}
	}
	rt := g.rebalanceTimeoutLocked()
	if delay := g.c.cfg.InitialRebalanceDelay; g.state == stateEmpty && delay > 0 {
		first := min(delay, rt)
		g.transitionLocked(statePreparingRebalance)
		g.scheduleJoinLocked(first, max(rt-first, 0), true)
		return
	}
	g.transitionLocked(statePreparingRebalance)
	g.scheduleJoinLocked(rt, 0, false)
	g.tryCompleteJoinLocked()
}

func (g *group) scheduleJoinLocked(d, remaining time.Duration, initial bool) {
	g.stopJoinTimerLocked()
	g.initialDelay = initial
	tok := g.joinToken
	g.joinTimer = time.AfterFunc(d, func() { g.joinTimerFired(tok, initial, remaining) })
}

func (g *group) stopJoinTimerLocked() {
	g.joinToken++
	if g.joinTimer != nil {
		g.joinTimer.Stop()
		g.joinTimer = nil
	}
	g.initialDelay = false
}

func (g *group) joinTimerFired(tok uint64, initial bool, remaining time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.removed || tok != g.joinToken || g.state != statePreparingRebalance {
		return
	}
	if initial && g.newMemberAdded && remaining > 0 {
		g.newMemberAdded = false
		d := min(g.c.cfg.InitialRebalanceDelay, remaining)
		g.scheduleJoinLocked(d, remaining-d, true)
		return
	}
	g.completeJoinLocked()
}

// tryCompleteJoinLocked ends the join phase early once every member (and no
// pending member) is waiting, except during the initial delay.
func (g *group) tryCompleteJoinLocked() {
	if g.state != statePreparingRebalance || g.initialDelay || len(g.pending) > 0 {
		return
	}
	for _, m := range g.members {
		if m.join == nil {
			return
		}
	}
	g.completeJoinLocked()
}

// completeJoinLocked ends the join phase: members that did not rejoin are
// removed, the generation advances, a protocol is selected and every waiting
// member gets its answer.
func (g *group) completeJoinLocked() {
	g.stopJoinTimerLocked()
	g.newMemberAdded = false
	for _, m := range g.sortedMembersLocked() {
		if m.join == nil {
			g.c.log.Info("group member did not rejoin in time", "group", g.name, "member", m.id)
			g.dropMemberLocked(m, kerr.UnknownMemberID.Code)
		}
	}
	g.generation++
	if len(g.members) == 0 {
		g.protocol, g.leader = "", ""
		g.transitionLocked(stateEmpty)
		if err := g.persistLocked(g.c.ctx); err != nil {
			g.c.log.Warn("store empty group", "group", g.name, "err", err)
		}
		return
	}
	g.protocol = g.selectProtocolLocked()
	if _, ok := g.members[g.leader]; !ok {
		g.leader = g.sortedMembersLocked()[0].id
	}
	g.transitionLocked(stateCompletingRebalance)
	for _, m := range g.members {
		g.answerJoinLocked(m, g.joinResponseLocked(m, m.joinVersion))
		g.resetSessionLocked(m)
	}
}
