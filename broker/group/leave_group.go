package group

// LeaveGroup: versions 0-5.
//
//   - v0-2: one MemberID; errors are top level.
//   - v3+: a batch of members, each by member id or group.instance.id
//     (KIP-345), with per-member errors. An instance id whose member id does
//     not match the given (non-empty) one is FENCED_INSTANCE_ID.
//   - v5 Reason is logged only.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// LeaveGroup removes members and rebalances the group.
func (c *Coordinator) LeaveGroup(_ context.Context, req *kmsg.LeaveGroupRequest) *kmsg.LeaveGroupResponse {
	r := kmsg.NewPtrLeaveGroupResponse()
	r.Version = req.Version
	leaving := req.Members
	if req.Version < 3 {
		lm := kmsg.NewLeaveGroupRequestMember()
		lm.MemberID = req.MemberID
		leaving = []kmsg.LeaveGroupRequestMember{lm}
	}
	g, code := c.acquire(req.Group, false)
	if code != 0 {
		r.ErrorCode = code
		return r
	}
	if g != nil {
		defer g.mu.Unlock()
	}
	for _, lm := range leaving {
		rm := kmsg.NewLeaveGroupResponseMember()
		rm.MemberID, rm.InstanceID = lm.MemberID, lm.InstanceID
		if g == nil {
			rm.ErrorCode = kerr.UnknownMemberID.Code
		} else {
			rm.ErrorCode = g.leaveLocked(lm)
		}
		r.Members = append(r.Members, rm)
	}
	if req.Version < 3 {
		r.ErrorCode = r.Members[0].ErrorCode
		r.Members = nil
	}
	return r
}

func (g *group) leaveLocked(lm kmsg.LeaveGroupRequestMember) int16 {
	id := lm.MemberID
	if lm.InstanceID != nil {
		known, ok := g.statics[*lm.InstanceID]
		switch {
		case !ok:
			return kerr.UnknownMemberID.Code
		case id != "" && id != known:
			return kerr.FencedInstanceID.Code
		}
		id = known
	}
	if t, ok := g.pending[id]; ok {
		t.Stop()
		delete(g.pending, id)
		g.tryCompleteJoinLocked()
		return 0
	}
	m := g.members[id]
	if m == nil {
		return kerr.UnknownMemberID.Code
	}
	g.c.log.Info("group member leaving", "group", g.name, "member", id, "reason", lm.Reason)
	g.removeMemberLocked(m, kerr.UnknownMemberID.Code)
	return 0
}
