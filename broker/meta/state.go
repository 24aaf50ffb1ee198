package meta

import (
	"maps"
	"slices"
	"sort"
)

// Broker is a registered broker and its advertised listener.
type Broker struct {
	NodeID int32
	Host   string
	Port   int32
	Rack   *string
}

// Partition is one partition's replica assignment and leadership.
type Partition struct {
	ID, Leader, LeaderEpoch int32
	Replicas, ISR           []int32
}

// Topic is a topic's metadata. Configs holds only explicitly set configs
// (topic overrides); config.ResolveTopic adds broker configs and defaults.
type Topic struct {
	Name       string
	ID         [16]byte
	Partitions []Partition
	Configs    map[string]string
	Internal   bool
}

// state is the whole replicated state machine. It is owned by the FSM and
// only changed by apply/restore under Store.mu.
type state struct {
	ClusterID      string            `json:"cluster_id"`
	Brokers        map[int32]Broker  `json:"brokers"`
	Topics         map[string]Topic  `json:"topics"`
	BrokerConfigs  map[string]string `json:"broker_configs"`
	NextProducerID int64             `json:"next_producer_id"`

	byID map[[16]byte]string // derived index, rebuilt on restore
}

func newState() *state {
	return &state{
		Brokers:       map[int32]Broker{},
		Topics:        map[string]Topic{},
		BrokerConfigs: map[string]string{},
		byID:          map[[16]byte]string{},
	}
}

// normalize fills nil maps and rebuilds derived indexes after decoding.
func (s *state) normalize() {
	if s.Brokers == nil {
		s.Brokers = map[int32]Broker{}
	}
	if s.Topics == nil {
		s.Topics = map[string]Topic{}
	}
	if s.BrokerConfigs == nil {
		s.BrokerConfigs = map[string]string{}
	}
	s.byID = make(map[[16]byte]string, len(s.Topics))
	for n, t := range s.Topics {
		s.byID[t.ID] = n
	}
}

// clone deep-copies the state, for snapshots.
func (s *state) clone() *state {
	c := &state{
		ClusterID:      s.ClusterID,
		Brokers:        make(map[int32]Broker, len(s.Brokers)),
		Topics:         make(map[string]Topic, len(s.Topics)),
		BrokerConfigs:  maps.Clone(s.BrokerConfigs),
		NextProducerID: s.NextProducerID,
	}
	for id, b := range s.Brokers {
		c.Brokers[id] = b.clone()
	}
	for n, t := range s.Topics {
		c.Topics[n] = t.clone()
	}
	c.normalize()
	return c
}

func (b Broker) clone() Broker {
	if b.Rack != nil {
		r := *b.Rack
		b.Rack = &r
	}
	return b
}

func (p Partition) clone() Partition {
	p.Replicas = slices.Clone(p.Replicas)
	p.ISR = slices.Clone(p.ISR)
	return p
}

func (t Topic) clone() Topic {
	ps := make([]Partition, len(t.Partitions))
	for i, p := range t.Partitions {
		ps[i] = p.clone()
	}
	t.Partitions = ps
	t.Configs = maps.Clone(t.Configs)
	if t.Configs == nil {
		t.Configs = map[string]string{}
	}
	return t
}

func (s *state) sortedTopics() []Topic {
	out := make([]Topic, 0, len(s.Topics))
	for _, t := range s.Topics {
		out = append(out, t.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *state) sortedBrokers() []Broker {
	out := make([]Broker, 0, len(s.Brokers))
	for _, b := range s.Brokers {
		out = append(out, b.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NodeID < out[j].NodeID })
	return out
}
