package group

// JoinGroup: versions 0-9.
//
//   - v0 has no rebalance timeout: the session timeout is used.
//   - v4+: a new dynamic member with an empty member id gets MEMBER_ID_REQUIRED
//     and a member id to rejoin with (KIP-394); its session timeout runs meanwhile.
//   - v5+: group.instance.id static membership (KIP-345). A known instance
//     rejoining with an empty member id replaces the old member; in a Stable
//     group whose selected protocol and the member's metadata for it are
//     unchanged, no rebalance happens (the leader gets SkipAssignment on v9+).
//   - v7+: the response carries ProtocolType (set on every version here, as the
//     encoder drops it where absent).
//   - v8 Reason is logged only.
//
// Deviation: Kafka's 5-minute new-member join timeout is not implemented; a new
// member whose join context is cancelled is removed instead (see doc.go).

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type joinParams struct {
	req              *kmsg.JoinGroupRequest
	client           client
	sessionTimeout   time.Duration
	rebalanceTimeout time.Duration
	protocols        []protocol
	instanceID       *string
}

// JoinGroup joins a member to a group, blocking until the join phase of the
// rebalance completes (or ctx is cancelled).
func (c *Coordinator) JoinGroup(ctx context.Context, req *kmsg.JoinGroupRequest) *kmsg.JoinGroupResponse {
	v := req.Version
	if code := c.checkCoordinator(req.Group); code != 0 {
		return joinError(v, req.MemberID, code)
	}
	p := joinParams{
		req:              req,
		client:           clientFrom(ctx),
		sessionTimeout:   time.Duration(req.SessionTimeoutMillis) * time.Millisecond,
		rebalanceTimeout: time.Duration(req.RebalanceTimeoutMillis) * time.Millisecond,
	}
	if v < 1 || p.rebalanceTimeout <= 0 {
		p.rebalanceTimeout = p.sessionTimeout
	}
	if v >= 5 {
		p.instanceID = req.InstanceID
	}
	if p.sessionTimeout < c.cfg.MinSessionTimeout || p.sessionTimeout > c.cfg.MaxSessionTimeout {
		return joinError(v, req.MemberID, kerr.InvalidSessionTimeout.Code)
	}
	for _, rp := range req.Protocols {
		p.protocols = append(p.protocols, protocol{name: rp.Name, metadata: rp.Metadata})
	}
	if req.ProtocolType == "" || len(p.protocols) == 0 {
		return joinError(v, req.MemberID, kerr.InconsistentGroupProtocol.Code)
	}

	g, code := c.acquire(req.Group, req.MemberID == "")
	if code != 0 {
		return joinError(v, req.MemberID, code)
	}
	if g == nil {
		return joinError(v, req.MemberID, kerr.UnknownMemberID.Code)
	}
	resp, m, wait := g.joinLocked(p)
	g.mu.Unlock()
	if wait == nil {
		return resp
	}
	select {
	case r := <-wait:
		return r
	case <-ctx.Done():
		g.joinCancelled(m, wait)
		select {
		case r := <-wait:
			return r
		default:
			return joinError(v, m.id, kerr.RebalanceInProgress.Code)
		}
	}
}

// joinLocked returns either an immediate answer or the member and the channel
// its answer will arrive on.
func (g *group) joinLocked(p joinParams) (*kmsg.JoinGroupResponse, *member, chan *kmsg.JoinGroupResponse) {
	req := p.req
	if !g.supportsLocked(req.MemberID, req.ProtocolType, p.protocols) {
		return joinError(req.Version, req.MemberID, kerr.InconsistentGroupProtocol.Code), nil, nil
	}
	if req.MemberID == "" {
		return g.joinNewLocked(p)
	}
	return g.joinKnownLocked(p)
}

func (g *group) joinNewLocked(p joinParams) (*kmsg.JoinGroupResponse, *member, chan *kmsg.JoinGroupResponse) {
	req := p.req
	if p.instanceID != nil {
		if oldID, ok := g.statics[*p.instanceID]; ok {
			return g.replaceStaticLocked(g.members[oldID], p)
		}
	}
	if len(g.members)+len(g.pending) >= g.c.cfg.MaxGroupSize {
		return joinError(req.Version, "", kerr.GroupMaxSizeReached.Code), nil, nil
	}
	if p.instanceID != nil {
		return g.addMemberLocked(g.newMemberID(*p.instanceID), p)
	}
	prefix := p.client.id
	if prefix == "" {
		prefix = "member"
	}
	id := g.newMemberID(prefix)
	if req.Version >= 4 {
		g.pending[id] = time.AfterFunc(p.sessionTimeout, func() { g.pendingExpired(id) })
		return joinError(req.Version, id, kerr.MemberIDRequired.Code), nil, nil
	}
	return g.addMemberLocked(id, p)
}

func (g *group) pendingExpired(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.pending[id]; !ok || g.removed {
		return
	}
	delete(g.pending, id)
	g.tryCompleteJoinLocked()
}

func (g *group) joinKnownLocked(p joinParams) (*kmsg.JoinGroupResponse, *member, chan *kmsg.JoinGroupResponse) {
	req := p.req
	v := req.Version
	if t, ok := g.pending[req.MemberID]; ok {
		t.Stop()
		delete(g.pending, req.MemberID)
		return g.addMemberLocked(req.MemberID, p)
	}
	if p.instanceID != nil {
		if id, ok := g.statics[*p.instanceID]; ok && id != req.MemberID {
			return joinError(v, req.MemberID, kerr.FencedInstanceID.Code), nil, nil
		}
	}
	m := g.members[req.MemberID]
	if m == nil {
		return joinError(v, req.MemberID, kerr.UnknownMemberID.Code), nil, nil
	}
	switch g.state {
	case statePreparingRebalance:
		wait := g.updateMemberLocked(m, p)
		g.tryCompleteJoinLocked()
		return nil, m, wait
	case stateCompletingRebalance:
		if m.matches(p.protocols) {
			g.resetSessionLocked(m)
			return g.joinResponseLocked(m, v), nil, nil
		}
		wait := g.updateMemberLocked(m, p)
		g.prepareRebalanceLocked()
		return nil, m, wait
	case stateStable:
		if m.id == g.leader || !m.matches(p.protocols) {
			wait := g.updateMemberLocked(m, p)
			g.prepareRebalanceLocked()
			return nil, m, wait
		}
		g.resetSessionLocked(m)
		return g.joinResponseLocked(m, v), nil, nil
	default:
		return joinError(v, req.MemberID, kerr.UnknownMemberID.Code), nil, nil
	}
}

// addMemberLocked adds a new member that waits for the join phase to end.
func (g *group) addMemberLocked(id string, p joinParams) (*kmsg.JoinGroupResponse, *member, chan *kmsg.JoinGroupResponse) {
	if len(g.members) == 0 {
		g.protocolType = p.req.ProtocolType
	}
	g.seq++
	m := &member{id: id, instanceID: p.instanceID, seq: g.seq}
	g.members[id] = m
	if m.instanceID != nil {
		g.statics[*m.instanceID] = id
	}
	if g.leader == "" {
		g.leader = id
	}
	if g.state == statePreparingRebalance && g.generation == 0 {
		g.newMemberAdded = true
	}
	wait := g.updateMemberLocked(m, p)
	g.c.log.Debug("group member joining", "group", g.name, "member", id, "reason", p.req.Reason)
	g.maybePrepareRebalanceLocked()
	return nil, m, wait
}

// updateMemberLocked records the member's join request and makes it wait.
func (g *group) updateMemberLocked(m *member, p joinParams) chan *kmsg.JoinGroupResponse {
	if m.join != nil { // a duplicate join replaces the one before
		g.answerJoinLocked(m, joinError(m.joinVersion, m.id, kerr.RebalanceInProgress.Code))
	}
	m.clientID, m.clientHost = p.client.id, p.client.host
	m.sessionTimeout, m.rebalanceTimeout = p.sessionTimeout, p.rebalanceTimeout
	m.protocolType = p.req.ProtocolType
	m.protocols = p.protocols
	m.join = make(chan *kmsg.JoinGroupResponse, 1)
	m.joinVersion = p.req.Version
	g.resetSessionLocked(m)
	return m.join
}

// replaceStaticLocked gives a rejoining static member a new member id, fencing
// the old one (Kafka's updateStaticMemberAndRebalance).
func (g *group) replaceStaticLocked(old *member, p joinParams) (*kmsg.JoinGroupResponse, *member, chan *kmsg.JoinGroupResponse) {
	oldMeta := old.metadataFor(g.protocol)
	wasLeader := g.leader == old.id
	g.dropMemberLocked(old, kerr.FencedInstanceID.Code)
	m := &member{id: g.newMemberID(*p.instanceID), instanceID: p.instanceID, seq: old.seq, assignment: old.assignment}
	g.members[m.id] = m
	g.statics[*m.instanceID] = m.id
	if wasLeader {
		g.leader = m.id
	}
	wait := g.updateMemberLocked(m, p)
	switch g.state {
	case stateStable:
		newMeta := m.metadataFor(g.protocol)
		if g.selectProtocolLocked() == g.protocol && newMeta != nil && string(newMeta) == string(oldMeta) {
			m.join = nil
			r := g.joinResponseLocked(m, p.req.Version)
			r.SkipAssignment = m.id == g.leader
			if err := g.persistLocked(g.c.ctx); err != nil {
				g.c.log.Warn("store replaced static member", "group", g.name, "err", err)
				return joinError(p.req.Version, "", kerr.CoordinatorNotAvailable.Code), nil, nil
			}
			return r, nil, nil
		}
		g.prepareRebalanceLocked()
	case stateCompletingRebalance:
		g.prepareRebalanceLocked()
	default:
		g.tryCompleteJoinLocked()
	}
	return nil, m, wait
}

// joinCancelled handles a join whose client went away: a dynamic member that
// is still waiting is removed so the rebalance does not wait for it.
func (g *group) joinCancelled(m *member, wait chan *kmsg.JoinGroupResponse) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.removed || g.members[m.id] != m || m.join != wait || m.instanceID != nil {
		return
	}
	g.c.log.Info("group member left by closing its join", "group", g.name, "member", m.id)
	g.removeMemberLocked(m, kerr.UnknownMemberID.Code)
}
