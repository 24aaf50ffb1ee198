package meta

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/hashicorp/raft"
)

// Snapshot format (one JSON document, written by raft's file snapshot
// store under Dir/raft/snapshots/<term>-<index>-<ms>/state.bin):
//
//	{"version":1,"state":{"cluster_id":"…","brokers":{…},"topics":{…},
//	 "broker_configs":{…},"next_producer_id":N}}
const snapshotVersion = 1

type snapshotDoc struct {
	Version int    `json:"version"`
	State   *state `json:"state"`
}

type fsmSnapshot struct{ st *state }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(snapshotDoc{Version: snapshotVersion, State: s.st}); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist metadata snapshot: %w", err)
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() {}

func readSnapshot(r io.Reader) (*state, error) {
	var doc snapshotDoc
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("restore metadata snapshot: %w", err)
	}
	if doc.Version != snapshotVersion || doc.State == nil {
		return nil, fmt.Errorf("restore metadata snapshot: unsupported version %d", doc.Version)
	}
	doc.State.normalize()
	return doc.State, nil
}

// diff lists the events that turn old into new, topics in name order.
func diff(old, new *state) []Event {
	var evs []Event
	for _, t := range old.sortedTopics() {
		if n, ok := new.Topics[t.Name]; !ok || n.ID != t.ID {
			evs = append(evs, Event{Kind: TopicDeleted, Topic: t})
		}
	}
	for _, t := range new.sortedTopics() {
		o, ok := old.Topics[t.Name]
		switch {
		case !ok || o.ID != t.ID:
			evs = append(evs, Event{Kind: TopicCreated, Topic: t})
		case len(t.Partitions) > len(o.Partitions):
			evs = append(evs, Event{Kind: PartitionsCreated, Topic: t})
			if !maps.Equal(o.Configs, t.Configs) {
				evs = append(evs, Event{Kind: TopicConfigsChanged, Topic: t})
			}
		case !maps.Equal(o.Configs, t.Configs):
			evs = append(evs, Event{Kind: TopicConfigsChanged, Topic: t})
		}
	}
	if !maps.Equal(old.BrokerConfigs, new.BrokerConfigs) {
		evs = append(evs, Event{Kind: BrokerConfigsChanged, BrokerConfigs: maps.Clone(new.BrokerConfigs)})
	}
	return slices.Clip(evs)
}
