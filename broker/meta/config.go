package meta

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config configures a Store.
type Config struct {
	// Dir is the data directory; raft state lives in Dir/raft.
	Dir string
	// NodeID is this node's id: the broker id and the raft server id.
	NodeID int32
	// Host, Port and Rack are this broker's advertised listener; they are
	// (re)registered on every Open, so they may change between restarts.
	Host string
	Port int32
	Rack *string
	// Logger receives the store's logs and raft's warnings and errors.
	// Nil discards.
	Logger *slog.Logger

	// RaftBind is the TCP address raft listens on ("host:port"). Empty
	// selects an in-memory transport, valid only for a single voter.
	RaftBind string
	// RaftAdvertise is the raft address other voters dial; defaults to the
	// listener's address (RaftBind must then name a concrete IP).
	RaftAdvertise string
	// Peers are the other voters. They are used only to bootstrap a new
	// cluster (no raft state in Dir yet); afterwards membership lives in the
	// raft log.
	Peers []Peer

	// StaticBrokerConfigs are the server's static properties; they supply
	// num.partitions and default.replication.factor when not set dynamically.
	StaticBrokerConfigs map[string]string

	// ApplyTimeout bounds each metadata change (default 10s).
	ApplyTimeout time.Duration
	// LeaderTimeout bounds how long Open waits for a leader (default 30s).
	LeaderTimeout time.Duration
}

// Peer is another voter of the metadata raft group.
type Peer struct {
	NodeID int32
	Addr   string // raft address, host:port
}

func (c *Config) setDefaults() error {
	if c.Dir == "" {
		return errors.New("meta: Config.Dir is required")
	}
	if c.NodeID < 0 {
		return fmt.Errorf("meta: invalid node id %d", c.NodeID)
	}
	if len(c.Peers) > 0 && c.RaftBind == "" {
		return errors.New("meta: Config.Peers needs Config.RaftBind (a TCP transport)")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ApplyTimeout <= 0 {
		c.ApplyTimeout = 10 * time.Second
	}
	if c.LeaderTimeout <= 0 {
		c.LeaderTimeout = 30 * time.Second
	}
	return nil
}
