package distributed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/runtime/cluster"
)

// rebalanced is what a completed round hands to the tick loop. The member
// waits for applied to close (revoked work stopped) before it rejoins, so
// its next metadata reports only what it still runs.
type rebalanced struct {
	generation int32
	leader     bool
	wire       cluster.WireAssignment
	applied    chan struct{}
}

// member runs the classic group protocol (protocol type "connect") with
// franz-go's request API: kgo routes group requests to the coordinator it
// finds with FindCoordinator. It owns memberID, generation, the owned
// assignment it reports and, on the leader, the assignor's state.
type member struct {
	h        *Herder
	cl       *kgo.Client
	memberID string
	gen      int32
	owned    cluster.Assignment
	state    cluster.AssignorState
	rejoin   chan struct{} // cap 1: the tick loop asks for a new round
}

func (m *member) run(ctx context.Context) {
	defer m.leave()
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		began := time.Now()
		wa, leader, err := m.joinAndSync(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			m.h.logger.Warn("group rebalance failed; retrying", "err", err, "backoff", backoff)
			m.h.setRebalancing(true)
			if !wait(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		if wa.Error == cluster.AssignConfigMismatch {
			_ = m.h.configs.ReadToEnd(ctx)
			continue
		}
		ev := &rebalanced{generation: m.gen, leader: leader, wire: wa, applied: make(chan struct{})}
		select {
		case m.h.rebalances <- ev:
		case <-ctx.Done():
			return
		}
		select {
		case <-ev.applied:
		case <-ctx.Done():
			return
		}
		m.h.metrics.rebalanced(time.Since(began))
		m.owned = without(m.owned, wa.Revoked)
		m.owned = union(m.owned, wa.Assigned)
		if !wa.Revoked.Empty() {
			continue // Revoking: place the revoked work now
		}
		m.heartbeat(ctx, wa.Delay)
	}
}

// heartbeat keeps the membership alive until a rebalance is needed: the
// coordinator says one is under way, the tick loop asks, or the assignor's
// delay expires.
func (m *member) heartbeat(ctx context.Context, delay time.Duration) {
	var expire <-chan time.Time
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		expire = t.C
	}
	tick := time.NewTicker(m.h.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.rejoin:
			return
		case <-expire:
			return
		case <-tick.C:
		}
		req := kmsg.NewPtrHeartbeatRequest()
		req.Group, req.Generation, req.MemberID = m.h.cfg.GroupID, m.gen, m.memberID
		resp, err := req.RequestWith(ctx, m.cl)
		if err != nil {
			continue
		}
		switch err := kerr.ErrorForCode(resp.ErrorCode); {
		case err == nil:
		case errors.Is(err, kerr.RebalanceInProgress):
			return
		default:
			m.h.logger.Info("heartbeat refused; rejoining", "err", err)
			m.memberID, m.gen = "", -1
			return
		}
	}
}

func (m *member) joinAndSync(ctx context.Context) (cluster.WireAssignment, bool, error) {
	m.h.setRebalancing(true)
	meta := cluster.EncodeMetadata(cluster.Member{URL: m.h.cfg.URL, ConfigOffset: m.h.configs.Snapshot().Offset, Owned: m.owned})
	var join *kmsg.JoinGroupResponse
	for {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Group, req.MemberID, req.ProtocolType = m.h.cfg.GroupID, m.memberID, cluster.ProtocolType
		req.SessionTimeoutMillis = int32(m.h.cfg.SessionTimeout.Milliseconds())
		req.RebalanceTimeoutMillis = int32(m.h.cfg.RebalanceTimeout.Milliseconds())
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = cluster.ProtocolName, meta
		req.Protocols = append(req.Protocols, p)
		resp, err := req.RequestWith(ctx, m.cl)
		if err != nil {
			return cluster.WireAssignment{}, false, fmt.Errorf("join group: %w", err)
		}
		err = kerr.ErrorForCode(resp.ErrorCode)
		switch {
		case errors.Is(err, kerr.MemberIDRequired):
			m.memberID = resp.MemberID
			continue
		case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration):
			m.memberID = ""
			return cluster.WireAssignment{}, false, fmt.Errorf("join group: %w", err)
		case err != nil:
			return cluster.WireAssignment{}, false, fmt.Errorf("join group: %w", err)
		}
		join = resp
		break
	}
	m.memberID, m.gen = join.MemberID, join.Generation
	leader := join.LeaderID == join.MemberID
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group, sync.Generation, sync.MemberID = m.h.cfg.GroupID, m.gen, m.memberID
	pt, pn := cluster.ProtocolType, cluster.ProtocolName
	sync.ProtocolType, sync.Protocol = &pt, &pn
	if !leader {
		m.state = cluster.AssignorState{} // a later leadership starts afresh
	}
	if leader {
		plan, err := m.assign(ctx, join.Members)
		if err != nil {
			return cluster.WireAssignment{}, false, err
		}
		for id, b := range plan {
			a := kmsg.NewSyncGroupRequestGroupAssignment()
			a.MemberID, a.MemberAssignment = id, b
			sync.GroupAssignment = append(sync.GroupAssignment, a)
		}
	}
	resp, err := sync.RequestWith(ctx, m.cl)
	if err != nil {
		return cluster.WireAssignment{}, false, fmt.Errorf("sync group: %w", err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		if !errors.Is(err, kerr.RebalanceInProgress) {
			m.memberID = ""
		}
		return cluster.WireAssignment{}, false, fmt.Errorf("sync group: %w", err)
	}
	wa, err := cluster.DecodeAssignment(resp.MemberAssignment)
	if err != nil {
		return cluster.WireAssignment{}, false, fmt.Errorf("sync group: %w", err)
	}
	return wa, leader, nil
}

// assign runs the assignor on the leader, with the configs read to their end.
func (m *member) assign(ctx context.Context, joined []kmsg.JoinGroupResponseMember) (map[string][]byte, error) {
	if err := m.h.configs.ReadToEnd(ctx); err != nil {
		return nil, fmt.Errorf("read configs before assigning: %w", err)
	}
	snap := m.h.configs.Snapshot()
	var members []cluster.Member
	for _, j := range joined {
		mem, err := cluster.DecodeMetadata(j.MemberID, j.ProtocolMetadata)
		if err != nil {
			m.h.logger.Warn("member metadata unreadable; treated as owning nothing", "member", j.MemberID, "err", err)
			mem = cluster.Member{ID: j.MemberID}
		}
		members = append(members, mem)
	}
	res := cluster.Assign(cluster.AssignInput{
		Members: members, Tasks: snap.AssignableTasks(), Now: time.Now(),
		MaxDelay: m.h.cfg.MaxDelay, State: m.state,
	})
	m.state = res.State
	return res.Encode(m.memberID, m.h.cfg.URL, snap.Offset), nil
}

// leave tells the coordinator this member is gone, so the group rebalances
// at once instead of after the session timeout.
func (m *member) leave() {
	if m.memberID == "" || m.h.crashed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group, req.MemberID = m.h.cfg.GroupID, m.memberID
	mi := kmsg.NewLeaveGroupRequestMember()
	mi.MemberID = m.memberID
	req.Members = append(req.Members, mi)
	_, _ = req.RequestWith(ctx, m.cl)
}

func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func without(a, b cluster.Assignment) cluster.Assignment {
	var out cluster.Assignment
	for _, c := range a.Connectors {
		if !slices.Contains(b.Connectors, c) {
			out.Connectors = append(out.Connectors, c)
		}
	}
	for _, t := range a.Tasks {
		if !slices.Contains(b.Tasks, t) {
			out.Tasks = append(out.Tasks, t)
		}
	}
	return out
}

func union(a, b cluster.Assignment) cluster.Assignment {
	out := cluster.Assignment{Connectors: slices.Clone(a.Connectors), Tasks: slices.Clone(a.Tasks)}
	for _, c := range b.Connectors {
		if !slices.Contains(out.Connectors, c) {
			out.Connectors = append(out.Connectors, c)
		}
	}
	for _, t := range b.Tasks {
		if !slices.Contains(out.Tasks, t) {
			out.Tasks = append(out.Tasks, t)
		}
	}
	slices.Sort(out.Connectors)
	slices.SortFunc(out.Tasks, func(x, y cluster.TaskID) int {
		if x.Connector != y.Connector {
			if x.Connector < y.Connector {
				return -1
			}
			return 1
		}
		return x.Task - y.Task
	})
	return out
}
