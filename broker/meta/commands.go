package meta

import (
	"encoding/json"
	"fmt"
)

// op names a command. Names are part of the on-disk raft log: never rename
// or reuse one.
type op string

const (
	opInitCluster      op = "init_cluster"
	opRegisterBroker   op = "register_broker"
	opCreateTopic      op = "create_topic"
	opDeleteTopic      op = "delete_topic"
	opCreatePartitions op = "create_partitions"
	opSetTopicConfigs  op = "set_topic_configs"
	opSetBrokerConfigs op = "set_broker_configs"
	opAllocProducerIDs op = "alloc_producer_ids"
)

// command is one raft log entry, JSON-encoded. Everything non-deterministic
// (cluster id, topic ids, replica assignment) is decided by the proposer and
// carried in the command, so every replica applies it identically.
type command struct {
	Op        op                `json:"op"`
	ClusterID string            `json:"cluster_id,omitempty"`
	Broker    *Broker           `json:"broker,omitempty"`
	Topic     *Topic            `json:"topic,omitempty"`
	Name      string            `json:"name,omitempty"`
	From      int32             `json:"from,omitempty"` // partition count the proposal was based on
	New       []Partition       `json:"new,omitempty"`
	Set       map[string]string `json:"set,omitempty"`
	Del       []string          `json:"del,omitempty"`
	N         int64             `json:"n,omitempty"`
}

func (c *command) encode() ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode %s command: %w", c.Op, err)
	}
	return b, nil
}

func decodeCommand(b []byte) (*command, error) {
	var c command
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode command: %w", err)
	}
	return &c, nil
}

// applyResult is what FSM.Apply returns to the proposer through
// raft.ApplyFuture.Response.
type applyResult struct {
	err   error
	first int64 // first producer id of an allocation
}
