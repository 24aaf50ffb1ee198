package meta

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strconv"
	"sync"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// Store is the cluster metadata: the state machine of one raft group. Reads
// are served from the local copy; changes go through raft.Apply on the
// leader (the controller).
type Store struct {
	cfg   Config
	log   *slog.Logger
	raft  *raft.Raft
	trans raft.Transport
	bolt  *raftboltdb.BoltStore
	pub   *publisher

	// mu guards the state. The FSM (raft's apply goroutine) is its only
	// writer; every other method only reads.
	mu struct {
		sync.RWMutex
		st *state
	}

	closeOnce sync.Once
	closeErr  error
}

// Open opens or creates the metadata store in cfg.Dir/raft. On first start
// it bootstraps a raft cluster of this node and cfg.Peers; later it recovers
// from the snapshot and log. It waits (at most cfg.LeaderTimeout) for a
// leader, creates the cluster id once, and (re)registers this broker's
// listener.
func Open(cfg Config) (*Store, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, log: cfg.Logger.With("component", "meta"), pub: newPublisher()}
	s.mu.st = newState()
	if err := s.openRaft(); err != nil {
		s.closeResources()
		return nil, err
	}
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// start waits for a leader and, on the leader, catches the FSM up, creates
// the cluster id once and registers this broker.
func (s *Store) start() error {
	leader, err := s.waitLeader()
	if err != nil {
		return err
	}
	if leader != s.cfg.NodeID {
		// Registration through another controller needs request forwarding,
		// which arrives with multi-node support.
		s.log.Warn("metadata leader is another node; broker registration skipped", "controller", leader)
		return nil
	}
	if err := s.raft.Barrier(s.cfg.ApplyTimeout).Error(); err != nil {
		return fmt.Errorf("meta: catch up with raft log: %w", err)
	}
	if s.ClusterID() == "" {
		if _, err := s.apply(&command{Op: opInitCluster, ClusterID: newClusterID()}); err != nil {
			return fmt.Errorf("meta: create cluster id: %w", err)
		}
	}
	b := Broker{NodeID: s.cfg.NodeID, Host: s.cfg.Host, Port: s.cfg.Port, Rack: s.cfg.Rack}
	if cur, ok := s.broker(b.NodeID); !ok || !sameBroker(cur, b) {
		if _, err := s.apply(&command{Op: opRegisterBroker, Broker: &b}); err != nil {
			return fmt.Errorf("meta: register broker %d: %w", b.NodeID, err)
		}
	}
	return nil
}

func sameBroker(a, b Broker) bool {
	if a.Host != b.Host || a.Port != b.Port || (a.Rack == nil) != (b.Rack == nil) {
		return false
	}
	return a.Rack == nil || *a.Rack == *b.Rack
}

// newClusterID returns 16 random bytes, base64url without padding, as
// Kafka's Uuid.randomUuid().toString().
func newClusterID() string {
	u := newUUID()
	return base64.RawURLEncoding.EncodeToString(u[:])
}

// newUUID returns a random version-4 UUID that Kafka accepts as a topic or
// cluster id: not all zero and not starting with '-' in base64url.
func newUUID() [16]byte {
	for {
		var u [16]byte
		rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		if u != ([16]byte{}) && base64.RawURLEncoding.EncodeToString(u[:])[0] != '-' {
			return u
		}
	}
}

// apply proposes c and returns the FSM's result.
func (s *Store) apply(c *command) (applyResult, error) {
	b, err := c.encode()
	if err != nil {
		return applyResult{}, err
	}
	f := s.raft.Apply(b, s.cfg.ApplyTimeout)
	if err := f.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost):
			return applyResult{}, fmt.Errorf("%w: %v", ErrNotController, err)
		case errors.Is(err, raft.ErrRaftShutdown):
			return applyResult{}, ErrClosed
		}
		return applyResult{}, fmt.Errorf("meta: apply %s: %w", c.Op, err)
	}
	res, _ := f.Response().(applyResult)
	return res, res.err
}

// Close stops raft and the event dispatcher and closes the stores. It is
// safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.raft != nil {
			if err := s.raft.Shutdown().Error(); err != nil {
				s.closeErr = fmt.Errorf("meta: shutdown raft: %w", err)
			}
		}
		if err := s.closeResources(); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
	})
	return s.closeErr
}

func (s *Store) closeResources() error {
	var errs []error
	if c, ok := s.trans.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if s.bolt != nil {
		errs = append(errs, s.bolt.Close())
	}
	s.pub.close()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("meta: close: %w", err)
	}
	return nil
}

// Snapshot asks raft to snapshot the state now and compact its log.
func (s *Store) Snapshot() error {
	if err := s.raft.Snapshot().Error(); err != nil {
		return fmt.Errorf("meta: snapshot: %w", err)
	}
	return nil
}

// ClusterID is the cluster id, created once on the first start.
func (s *Store) ClusterID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.st.ClusterID
}

// ControllerID is the node id of the raft leader, or -1 when none is known.
func (s *Store) ControllerID() int32 {
	_, id := s.raft.LeaderWithID()
	n, err := strconv.ParseInt(string(id), 10, 32)
	if id == "" || err != nil {
		return -1
	}
	return int32(n)
}

// IsController reports whether this node is the raft leader.
func (s *Store) IsController() bool { return s.raft.State() == raft.Leader }

// Brokers returns the registered brokers sorted by node id.
func (s *Store) Brokers() []Broker {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.st.sortedBrokers()
}

func (s *Store) broker(id int32) (Broker, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.mu.st.Brokers[id]
	return b.clone(), ok
}

// BrokerConfigs returns a copy of the dynamically set broker configs.
func (s *Store) BrokerConfigs() map[string]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return maps.Clone(s.mu.st.BrokerConfigs)
}
