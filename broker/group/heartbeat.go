package group

// Heartbeat: versions 0-4. v3+ carries group.instance.id (FENCED_INSTANCE_ID).
// As in Kafka 2.x+, a heartbeat in CompletingRebalance succeeds, and one in
// PreparingRebalance keeps the member alive and answers REBALANCE_IN_PROGRESS.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Heartbeat keeps a member's session alive and tells it about rebalances.
func (c *Coordinator) Heartbeat(_ context.Context, req *kmsg.HeartbeatRequest) *kmsg.HeartbeatResponse {
	r := kmsg.NewPtrHeartbeatResponse()
	r.Version = req.Version
	g, code := c.acquire(req.Group, false)
	if code != 0 {
		r.ErrorCode = code
		return r
	}
	if g == nil {
		r.ErrorCode = kerr.UnknownMemberID.Code
		return r
	}
	defer g.mu.Unlock()
	var instanceID *string
	if req.Version >= 3 {
		instanceID = req.InstanceID
	}
	if g.state == stateEmpty {
		r.ErrorCode = kerr.UnknownMemberID.Code
		return r
	}
	if code := g.validateMemberLocked(req.MemberID, instanceID, req.Generation); code != 0 {
		r.ErrorCode = code
		return r
	}
	g.resetSessionLocked(g.members[req.MemberID])
	if g.state == statePreparingRebalance {
		r.ErrorCode = kerr.RebalanceInProgress.Code
	}
	return r
}
