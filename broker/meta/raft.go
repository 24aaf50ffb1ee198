package meta

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

func (s *Store) openRaft() error {
	dir := filepath.Join(s.cfg.Dir, "raft")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	hl := newHclog(s.cfg.Logger, "raft", hclog.Warn)
	if len(s.cfg.Peers) == 0 {
		// A lone voter elects itself on every start; that is not news.
		hl.demote = map[string]bool{"heartbeat timeout reached, starting election": true}
	}

	bolt, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(dir, "raft.db"),
		BoltOptions: &bbolt.Options{Timeout: 2 * time.Second}, // another process holds the dir
	})
	if err != nil {
		return fmt.Errorf("meta: open %s: %w", filepath.Join(dir, "raft.db"), err)
	}
	s.bolt = bolt
	logs, err := raft.NewLogCache(512, bolt)
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, hl)
	if err != nil {
		return fmt.Errorf("meta: snapshot store: %w", err)
	}
	if err := s.openTransport(hl); err != nil {
		return err
	}

	rc := raftConfig(s.cfg, hl)
	existing, err := raft.HasExistingState(logs, bolt, snaps)
	if err != nil {
		return fmt.Errorf("meta: inspect raft state: %w", err)
	}
	if !existing {
		servers := []raft.Server{{Suffrage: raft.Voter, ID: rc.LocalID, Address: s.trans.LocalAddr()}}
		for _, p := range s.cfg.Peers {
			servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: serverID(p.NodeID), Address: raft.ServerAddress(p.Addr)})
		}
		if err := raft.BootstrapCluster(rc, logs, bolt, snaps, s.trans, raft.Configuration{Servers: servers}); err != nil {
			return fmt.Errorf("meta: bootstrap raft: %w", err)
		}
		s.log.Info("bootstrapped metadata raft group", "voters", len(servers))
	}
	r, err := raft.NewRaft(rc, fsm{s}, logs, bolt, snaps, s.trans)
	if err != nil {
		return fmt.Errorf("meta: start raft: %w", err)
	}
	s.raft = r
	return nil
}

func (s *Store) openTransport(hl hclog.Logger) error {
	if s.cfg.RaftBind == "" {
		_, t := raft.NewInmemTransport(raft.ServerAddress("meta-node-" + strconv.Itoa(int(s.cfg.NodeID))))
		s.trans = t
		return nil
	}
	var adv net.Addr
	if s.cfg.RaftAdvertise != "" {
		a, err := resolveTCP(s.cfg.RaftAdvertise)
		if err != nil {
			return fmt.Errorf("meta: raft advertise address: %w", err)
		}
		adv = a
	}
	t, err := raft.NewTCPTransportWithLogger(s.cfg.RaftBind, adv, 3, 10*time.Second, hl)
	if err != nil {
		return fmt.Errorf("meta: raft transport on %s: %w", s.cfg.RaftBind, err)
	}
	s.trans = t
	return nil
}

// raftConfig tunes raft. A single voter has no network between voters, so
// its timeouts are short (leadership within ~0.1-0.2s of start); with peers
// raft's defaults (1s heartbeat and election timeouts) apply.
func raftConfig(cfg Config, hl hclog.Logger) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = serverID(cfg.NodeID)
	rc.Logger = hl
	rc.SnapshotThreshold = 1024
	rc.TrailingLogs = 1024
	if len(cfg.Peers) == 0 {
		rc.HeartbeatTimeout = 100 * time.Millisecond
		rc.ElectionTimeout = 100 * time.Millisecond
		rc.LeaderLeaseTimeout = 100 * time.Millisecond
	}
	return rc
}

func serverID(id int32) raft.ServerID { return raft.ServerID(strconv.Itoa(int(id))) }

func (s *Store) waitLeader() (int32, error) {
	obsCh := make(chan raft.Observation, 16)
	obs := raft.NewObserver(obsCh, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	s.raft.RegisterObserver(obs)
	defer s.raft.DeregisterObserver(obs)
	timer := time.NewTimer(s.cfg.LeaderTimeout)
	defer timer.Stop()
	for {
		if id := s.ControllerID(); id >= 0 {
			return id, nil
		}
		select {
		case <-obsCh:
		case <-timer.C:
			return -1, fmt.Errorf("meta: no metadata leader elected within %s", s.cfg.LeaderTimeout)
		}
	}
}
