package distributed

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Liveness of the membership (KAFKA-9184 behaviour).
//
// One goroutine heartbeats every heartbeat.interval.ms with the member id
// and generation of the last JoinGroup, whatever run is doing: waiting in
// JoinGroup or SyncGroup, or waiting for the tick loop to stop revoked
// tasks. So a slow stop or a slow rebalance never costs the session (a
// coordinator that expires members waiting in JoinGroup, as kfake does,
// keeps them), and run hears of a rebalance within one interval.
//
// When the coordinator has not confirmed the membership for longer than
// lostAfter (scheduled.rebalance.max.delay.ms: heartbeats fail, the
// coordinator is unreachable, or it no longer knows the member) while the
// worker holds work, the member marks itself lost: the round in flight is
// cancelled and run stops every connector and task before rejoining. The
// leader gives a departed worker's work to others no earlier than that
// delay after it saw the worker gone, which is after the last
// confirmation, so the work never runs on two workers.

// lostAfter is how long the membership may go unconfirmed before the
// worker stops its work: the assignor's delay, but at least two
// heartbeats so that a delay of zero does not stop work on every round.
// errPartitioned is the failure of every group request while the test
// hook Herder.partitioned is set.
var errPartitioned = errors.New("coordinator unreachable (test partition)")

// request sends a group request (or fails it under the test partition).
func (m *member) request(ctx context.Context, req *kmsg.HeartbeatRequest) (*kmsg.HeartbeatResponse, error) {
	if m.h.partitioned.Load() {
		return nil, errPartitioned
	}
	return req.RequestWith(ctx, m.cl)
}

func (m *member) lostAfter() time.Duration {
	return max(m.h.cfg.MaxDelay, 2*m.h.cfg.Heartbeat)
}

// heartbeatTimeout bounds one Heartbeat request.
func (m *member) heartbeatTimeout() time.Duration {
	return min(m.h.cfg.SessionTimeout, max(2*m.h.cfg.Heartbeat, time.Second))
}

func (m *member) heartbeats(ctx context.Context) {
	tick := time.NewTicker(m.h.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if id, gen := m.ids(); id != "" && gen >= 0 {
			req := kmsg.NewPtrHeartbeatRequest()
			req.Group, req.Generation, req.MemberID = m.h.cfg.GroupID, gen, id
			sent := time.Now()
			rctx, cancel := context.WithTimeout(ctx, m.heartbeatTimeout())
			resp, err := m.request(rctx, req)
			cancel()
			if ctx.Err() != nil {
				return
			}
			m.heard(id, gen, sent, resp, err)
		}
		m.checkLost()
	}
}

// heard takes one heartbeat's answer.
func (m *member) heard(id string, gen int32, sent time.Time, resp *kmsg.HeartbeatResponse, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.memberID != id || m.mu.gen != gen {
		return // a round completed meanwhile: the answer is about the past
	}
	if err != nil {
		m.h.logger.Debug("heartbeat failed", "err", err)
		return
	}
	news := false
	switch err := kerr.ErrorForCode(resp.ErrorCode); {
	case err == nil:
		m.mu.confirmed = sent
	case errors.Is(err, kerr.RebalanceInProgress):
		m.mu.confirmed = sent
		if !m.mu.inRound {
			m.mu.rebalance, news = true, true
		}
	case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.FencedInstanceID):
		// Removed from the group: a JoinGroup in flight will not be
		// answered as this member's, so rejoin afresh.
		m.h.logger.Info("heartbeat: the coordinator no longer knows this member; rejoining", "err", err)
		m.mu.unknown, news = true, true
		if m.mu.cancel != nil {
			m.mu.cancel()
		}
	case errors.Is(err, kerr.IllegalGeneration):
		// During a round this is the race with its answer; otherwise
		// the group moved on without this member.
		if !m.mu.inRound {
			m.h.logger.Info("heartbeat: generation is stale; rejoining", "err", err)
			m.mu.stale, news = true, true
		}
	default:
		m.h.logger.Debug("heartbeat refused", "err", err)
	}
	if news {
		m.pokeLocked()
	}
}

// checkLost marks the membership lost when it went unconfirmed too long
// while the worker holds work.
func (m *member) checkLost() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.mu.holding || m.mu.lost || time.Since(m.mu.confirmed) <= m.lostAfter() {
		return
	}
	m.mu.lost = true
	if m.mu.cancel != nil {
		m.mu.cancel()
	}
	m.pokeLocked()
}

func (m *member) pokeLocked() {
	select {
	case m.poke <- struct{}{}:
	default:
	}
}
