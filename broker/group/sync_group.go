package group

// SyncGroup: versions 0-5.
//
//   - v3+: group.instance.id is checked (FENCED_INSTANCE_ID).
//   - v5+: ProtocolType and Protocol, when set, must match the group's
//     (INCONSISTENT_GROUP_PROTOCOL) and are echoed in the response.
//
// The leader's assignment is written to the store (group metadata record)
// before anyone is answered; members absent from it get an empty assignment.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// SyncGroup returns the member's assignment, blocking a follower until the
// leader sent the assignment for the current generation.
func (c *Coordinator) SyncGroup(ctx context.Context, req *kmsg.SyncGroupRequest) *kmsg.SyncGroupResponse {
	v := req.Version
	g, code := c.acquire(req.Group, false)
	if code != 0 {
		return syncError(v, code)
	}
	if g == nil {
		return syncError(v, kerr.UnknownMemberID.Code)
	}
	resp, m, wait := g.syncLocked(req)
	g.mu.Unlock()
	if wait == nil {
		return resp
	}
	select {
	case r := <-wait:
		return r
	case <-ctx.Done():
		g.mu.Lock()
		if m.sync == wait {
			m.sync = nil // the session timeout decides the member's fate
		}
		g.mu.Unlock()
		select {
		case r := <-wait:
			return r
		default:
			return syncError(v, kerr.RebalanceInProgress.Code)
		}
	}
}

func (g *group) syncLocked(req *kmsg.SyncGroupRequest) (*kmsg.SyncGroupResponse, *member, chan *kmsg.SyncGroupResponse) {
	v := req.Version
	var instanceID *string
	if v >= 3 {
		instanceID = req.InstanceID
	}
	if code := g.validateMemberLocked(req.MemberID, instanceID, req.Generation); code != 0 {
		return syncError(v, code), nil, nil
	}
	if v >= 5 {
		if (req.ProtocolType != nil && *req.ProtocolType != g.protocolType) ||
			(req.Protocol != nil && *req.Protocol != g.protocol) {
			return syncError(v, kerr.InconsistentGroupProtocol.Code), nil, nil
		}
	}
	m := g.members[req.MemberID]
	switch g.state {
	case statePreparingRebalance:
		return syncError(v, kerr.RebalanceInProgress.Code), nil, nil
	case stateStable:
		g.resetSessionLocked(m)
		return g.syncResponseLocked(m, v), nil, nil
	case stateCompletingRebalance:
	default:
		return syncError(v, kerr.UnknownMemberID.Code), nil, nil
	}

	if m.sync != nil {
		g.answerSyncLocked(m, syncError(m.syncVersion, kerr.RebalanceInProgress.Code))
	}
	m.sync = make(chan *kmsg.SyncGroupResponse, 1)
	m.syncVersion = v
	wait := m.sync
	g.resetSessionLocked(m)
	if m.id != g.leader {
		return nil, m, wait
	}

	assigned := make(map[string][]byte, len(req.GroupAssignment))
	for _, a := range req.GroupAssignment {
		assigned[a.MemberID] = a.MemberAssignment
	}
	for id, o := range g.members {
		o.assignment = assigned[id]
		if o.assignment == nil {
			o.assignment = []byte{}
		}
	}
	if err := g.persistLocked(g.c.ctx); err != nil {
		g.c.log.Warn("store group assignment", "group", g.name, "err", err)
		for _, o := range g.members {
			o.assignment = nil
			g.answerSyncLocked(o, syncError(o.syncVersion, kerr.CoordinatorNotAvailable.Code))
		}
		g.prepareRebalanceLocked()
		return nil, m, wait
	}
	g.transitionLocked(stateStable)
	for _, o := range g.members {
		g.answerSyncLocked(o, g.syncResponseLocked(o, o.syncVersion))
	}
	return nil, m, wait
}

func (g *group) syncResponseLocked(m *member, v int16) *kmsg.SyncGroupResponse {
	r := kmsg.NewPtrSyncGroupResponse()
	r.Version = v
	pt, p := g.protocolType, g.protocol
	r.ProtocolType, r.Protocol = &pt, &p
	r.MemberAssignment = m.assignment
	return r
}

// validateMemberLocked is the membership check of SyncGroup, Heartbeat and
// member OffsetCommits: static fencing, known member, generation.
func (g *group) validateMemberLocked(memberID string, instanceID *string, generation int32) int16 {
	if instanceID != nil {
		if id, ok := g.statics[*instanceID]; ok && id != memberID {
			return kerr.FencedInstanceID.Code
		}
	}
	if _, ok := g.members[memberID]; !ok {
		return kerr.UnknownMemberID.Code
	}
	if generation != g.generation {
		return kerr.IllegalGeneration.Code
	}
	return 0
}
