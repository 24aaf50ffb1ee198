package distributed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/runtime/cluster"
)

// rebalanced is what a completed round hands to the tick loop. The member
// waits for applied to close (revoked work stopped) before it rejoins, so
// its next metadata reports only what it still runs. revokeAll (with no
// assignment) is sent when the membership was lost: stop everything.
type rebalanced struct {
	generation int32
	leader     bool
	wire       cluster.WireAssignment
	revokeAll  bool
	applied    chan struct{}
}

// member runs the classic group protocol (protocol type "connect") with
// franz-go's request API: kgo routes group requests to the coordinator it
// finds with FindCoordinator.
//
// run's goroutine owns owned (what this worker reports it runs) and, on the
// leader, the assignor's state. The heartbeat goroutine (liveness.go)
// shares mu's fields with it: the member id and generation it heartbeats
// with, when the coordinator last confirmed the membership, and the news
// it brings back (see heartbeats).
type member struct {
	h      *Herder
	cl     *kgo.Client
	rejoin chan struct{} // cap 1: the tick loop asks for a new round
	poke   chan struct{} // cap 1: the heartbeat goroutine has news in mu

	owned cluster.Assignment
	state cluster.AssignorState

	mu struct {
		sync.Mutex
		memberID string
		gen      int32 // -1 until a JoinGroup answered
		// confirmed is when the coordinator last confirmed the membership
		// (a heartbeat it answered without error or with
		// REBALANCE_IN_PROGRESS, or a completed JoinGroup), taken at the
		// time the request was sent.
		confirmed time.Time
		holding   bool               // owned is not empty
		inRound   bool               // a JoinGroup/SyncGroup is in flight
		cancel    context.CancelFunc // cancels the round in flight
		// News for run: the coordinator started a rebalance, the member
		// id or generation is stale, or the membership is lost.
		rebalance, stale, unknown, lost bool
	}
}

func newMember(h *Herder, cl *kgo.Client) *member {
	m := &member{h: h, cl: cl, rejoin: make(chan struct{}, 1), poke: make(chan struct{}, 1)}
	m.mu.gen = -1
	m.mu.confirmed = time.Now()
	return m
}

func (m *member) ids() (string, int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mu.memberID, m.mu.gen
}

func (m *member) setIDs(id string, gen int32) {
	m.mu.Lock()
	m.mu.memberID, m.mu.gen = id, gen
	m.mu.Unlock()
}

// news takes the heartbeat goroutine's news.
func (m *member) news() (rebalance, stale, unknown, lost bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rebalance, stale, unknown, lost = m.mu.rebalance, m.mu.stale, m.mu.unknown, m.mu.lost
	m.mu.rebalance, m.mu.stale, m.mu.unknown, m.mu.lost = false, false, false, false
	return
}

func (m *member) setOwned(a cluster.Assignment) {
	m.owned = a
	m.mu.Lock()
	m.mu.holding = !a.Empty()
	m.mu.Unlock()
}

func (m *member) run(ctx context.Context) {
	defer m.leave()
	hbCtx, stopHB := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() { defer close(hbDone); m.heartbeats(hbCtx) }()
	defer func() { stopHB(); <-hbDone }()

	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		if _, stale, unknown, lost := m.news(); lost {
			m.revokeAll(ctx)
		} else if unknown || stale {
			m.setIDs("", -1)
		}
		began := time.Now()
		wa, leader, err := m.round(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			m.h.setRebalancing(true)
			m.mu.Lock()
			lost := m.mu.lost
			m.mu.Unlock()
			if lost {
				continue // revoke at once, then rejoin
			}
			m.h.logger.Warn("group rebalance failed; retrying", "err", err, "backoff", backoff)
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
		gen := m.gen()
		ev := &rebalanced{generation: gen, leader: leader, wire: wa, applied: make(chan struct{})}
		if !m.hand(ctx, ev) {
			return
		}
		m.h.metrics.rebalanced(time.Since(began))
		m.setOwned(union(without(m.owned, wa.Revoked), wa.Assigned))
		if !wa.Revoked.Empty() {
			continue // Revoking: place the revoked work now
		}
		m.stable(ctx, wa.Delay)
	}
}

func (m *member) gen() int32 { _, g := m.ids(); return g }

// hand gives ev to the tick loop and waits until it is applied; the
// heartbeat goroutine keeps the membership alive meanwhile, so a slow stop
// of revoked tasks does not get this worker removed from the group.
func (m *member) hand(ctx context.Context, ev *rebalanced) bool {
	select {
	case m.h.rebalances <- ev:
	case <-ctx.Done():
		return false
	}
	select {
	case <-ev.applied:
		return true
	case <-ctx.Done():
		return false
	}
}

// revokeAll stops everything this worker runs: its membership was not
// confirmed for longer than the leader waits before it gives a departed
// worker's work to others (KAFKA-9184), so that work may run elsewhere.
func (m *member) revokeAll(ctx context.Context) {
	if m.owned.Empty() {
		return
	}
	m.h.logger.Warn("group membership lost for longer than scheduled.rebalance.max.delay.ms; stopping all connectors and tasks before rejoining",
		"connectors", len(m.owned.Connectors), "tasks", len(m.owned.Tasks))
	m.h.setRebalancing(true)
	ev := &rebalanced{generation: m.gen(), revokeAll: true, applied: make(chan struct{})}
	if !m.hand(ctx, ev) {
		return
	}
	m.setOwned(cluster.Assignment{})
	m.state = cluster.AssignorState{}
	m.h.metrics.lost.Inc()
}

// stable keeps the membership (the heartbeat goroutine does the
// heartbeats) until a rebalance is needed: the coordinator says one is
// under way, the member id or generation went stale, the membership is
// lost, the tick loop asks, or the assignor's delay expires.
func (m *member) stable(ctx context.Context, delay time.Duration) {
	var expire <-chan time.Time
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		expire = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.rejoin:
			return
		case <-expire:
			return
		case <-m.poke:
		}
		m.mu.Lock()
		news := m.mu.rebalance || m.mu.stale || m.mu.unknown || m.mu.lost
		m.mu.Unlock()
		if news {
			return
		}
	}
}

// round runs JoinGroup then SyncGroup. Each request waits at most the
// rebalance timeout (plus a margin for the answer to travel, as Kafka's
// clients allow), and the heartbeat goroutine cancels the round when the
// coordinator no longer knows this member or the membership is lost.
func (m *member) round(ctx context.Context) (cluster.WireAssignment, bool, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m.mu.Lock()
	m.mu.inRound, m.mu.cancel = true, cancel
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.mu.inRound, m.mu.cancel = false, nil
		m.mu.Unlock()
	}()
	return m.joinAndSync(rctx)
}

// requestTimeout bounds one JoinGroup or SyncGroup.
func (m *member) requestTimeout() time.Duration { return m.h.cfg.RebalanceTimeout + 5*time.Second }

func (m *member) joinAndSync(ctx context.Context) (cluster.WireAssignment, bool, error) {
	m.h.setRebalancing(true)
	meta := cluster.EncodeMetadata(cluster.Member{URL: m.h.cfg.URL, ConfigOffset: m.h.configs.Snapshot().Offset, Owned: m.owned})
	memberID, _ := m.ids()
	var join *kmsg.JoinGroupResponse
	for join == nil {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Group, req.MemberID, req.ProtocolType = m.h.cfg.GroupID, memberID, cluster.ProtocolType
		req.SessionTimeoutMillis = int32(m.h.cfg.SessionTimeout.Milliseconds())
		req.RebalanceTimeoutMillis = int32(m.h.cfg.RebalanceTimeout.Milliseconds())
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = cluster.ProtocolName, meta
		req.Protocols = append(req.Protocols, p)
		sent := time.Now()
		jctx, cancel := context.WithTimeout(ctx, m.requestTimeout())
		var resp *kmsg.JoinGroupResponse
		err := errPartitioned
		if !m.h.partitioned.Load() {
			resp, err = req.RequestWith(jctx, m.cl)
		}
		cancel()
		if err != nil {
			return cluster.WireAssignment{}, false, fmt.Errorf("join group: %w", err)
		}
		err = kerr.ErrorForCode(resp.ErrorCode)
		switch {
		case errors.Is(err, kerr.MemberIDRequired):
			memberID = resp.MemberID
			m.setIDs(memberID, -1)
			continue
		case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID):
			m.setIDs("", -1)
			return cluster.WireAssignment{}, false, fmt.Errorf("join group: %w", err)
		case err != nil:
			return cluster.WireAssignment{}, false, fmt.Errorf("join group: %w", err)
		}
		join = resp
		m.mu.Lock()
		m.mu.memberID, m.mu.gen = resp.MemberID, resp.Generation
		m.mu.confirmed = sent
		m.mu.stale, m.mu.unknown, m.mu.rebalance = false, false, false
		m.mu.Unlock()
	}
	leader := join.LeaderID == join.MemberID
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group, sync.Generation, sync.MemberID = m.h.cfg.GroupID, join.Generation, join.MemberID
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
	sctx, cancel := context.WithTimeout(ctx, m.requestTimeout())
	resp, err := sync.RequestWith(sctx, m.cl)
	cancel()
	if err != nil {
		return cluster.WireAssignment{}, false, fmt.Errorf("sync group: %w", err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		if !errors.Is(err, kerr.RebalanceInProgress) {
			m.setIDs("", -1)
		}
		return cluster.WireAssignment{}, false, fmt.Errorf("sync group: %w", err)
	}
	wa, err := cluster.DecodeAssignment(resp.MemberAssignment)
	if err != nil {
		return cluster.WireAssignment{}, false, fmt.Errorf("sync group: %w", err)
	}
	m.mu.Lock()
	m.mu.confirmed = time.Now()
	m.mu.Unlock()
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
	memberID, _ := m.ids()
	return res.Encode(memberID, m.h.cfg.URL, snap.Offset), nil
}

// leave tells the coordinator this member is gone, so the group rebalances
// at once instead of after the session timeout.
func (m *member) leave() {
	memberID, _ := m.ids()
	if memberID == "" || m.h.crashed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group, req.MemberID = m.h.cfg.GroupID, memberID
	mi := kmsg.NewLeaveGroupRequestMember()
	mi.MemberID = memberID
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
