package meta

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/broker/config"
)

// maxPartitions bounds one topic's partition count, so a typo cannot
// allocate millions of partition logs.
const maxPartitions = 100_000

// Topic returns a copy of the named topic.
func (s *Store) Topic(name string) (Topic, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.mu.st.Topics[name]
	if !ok {
		return Topic{}, false
	}
	return t.clone(), true
}

// TopicByID returns a copy of the topic with the given id.
func (s *Store) TopicByID(id [16]byte) (Topic, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := s.mu.st.byID[id]
	if !ok {
		return Topic{}, false
	}
	return s.mu.st.Topics[name].clone(), true
}

// TopicName returns the name of the topic with the given id, without
// copying the topic (the Fetch path resolves ids on every request).
func (s *Store) TopicName(id [16]byte) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := s.mu.st.byID[id]
	return name, ok
}

// Topics returns copies of all topics sorted by name.
func (s *Store) Topics() []Topic {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.st.sortedTopics()
}

// ValidateTopicName applies Kafka's rules: 1 to 249 characters from
// [a-zA-Z0-9._-], and not "." or "..".
func ValidateTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: the empty string is not allowed", ErrInvalidTopicName)
	case name == "." || name == "..":
		return fmt.Errorf("%w: %q is not allowed", ErrInvalidTopicName, name)
	case len(name) > 249:
		return fmt.Errorf("%w: %q is %d characters long, the maximum is 249", ErrInvalidTopicName, name, len(name))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%w: %q contains %q; legal characters are ASCII letters, digits, '.', '_' and '-'", ErrInvalidTopicName, name, r)
		}
	}
	return nil
}

// collisionName maps '.' to '_': Kafka refuses topics that differ only there,
// because metric names would collide.
func collisionName(name string) string { return strings.ReplaceAll(name, ".", "_") }

// CreateTopic validates and creates a topic. partitions -1 means
// num.partitions and replicationFactor -1 means default.replication.factor
// (dynamic broker config, else static, else default). Replicas are assigned
// round-robin over the registered brokers; the leader is the first replica,
// at epoch 0, with all replicas in sync.
func (s *Store) CreateTopic(name string, partitions int32, replicationFactor int16, configs map[string]string, internal bool) (Topic, error) {
	if err := ValidateTopicName(name); err != nil {
		return Topic{}, err
	}
	if err := config.ValidateTopicConfigs(configs); err != nil {
		return Topic{}, fmt.Errorf("%w: topic %s: %w", ErrInvalidConfig, name, err)
	}
	s.mu.RLock()
	brokerCfg := s.brokerSettingsLocked()
	brokers := s.mu.st.sortedBrokers()
	existing := len(s.mu.st.Topics)
	var collides string
	if _, ok := s.mu.st.Topics[name]; !ok {
		for other := range s.mu.st.Topics {
			if collisionName(other) == collisionName(name) {
				collides = other
			}
		}
	}
	s.mu.RUnlock()
	if collides != "" {
		return Topic{}, fmt.Errorf("%w: %q collides with existing topic %q ('.' and '_' are interchangeable)", ErrInvalidTopicName, name, collides)
	}
	if partitions == -1 {
		partitions = int32(config.BrokerInt64(brokerCfg, "num.partitions"))
	}
	if partitions < 1 || partitions > maxPartitions {
		return Topic{}, fmt.Errorf("%w: topic %s: %d partitions, must be in [1, %d]", ErrInvalidPartitions, name, partitions, maxPartitions)
	}
	rf := int64(replicationFactor)
	if rf == -1 {
		rf = config.BrokerInt64(brokerCfg, "default.replication.factor")
	}
	if rf < 1 || rf > int64(len(brokers)) {
		return Topic{}, fmt.Errorf("%w: topic %s: replication factor %d, must be in [1, %d] (the number of brokers)",
			ErrInvalidReplicationFactor, name, rf, len(brokers))
	}
	t := Topic{Name: name, ID: newUUID(), Configs: configs, Internal: internal}
	t.Partitions = assign(brokers, 0, partitions, int(rf), existing)
	if _, err := s.apply(&command{Op: opCreateTopic, Topic: &t}); err != nil {
		return Topic{}, err
	}
	return t.clone(), nil
}

// assign places partitions [from, to) round-robin over brokers: partition p
// gets brokers start+p, start+p+1, ... so leaders spread across brokers and,
// through start, across topics.
func assign(brokers []Broker, from, to int32, rf, start int) []Partition {
	ps := make([]Partition, 0, to-from)
	for p := from; p < to; p++ {
		replicas := make([]int32, rf)
		for j := range replicas {
			replicas[j] = brokers[(start+int(p)+j)%len(brokers)].NodeID
		}
		ps = append(ps, Partition{ID: p, Leader: replicas[0], Replicas: replicas, ISR: append([]int32(nil), replicas...)})
	}
	return ps
}

// brokerSettingsLocked merges static and dynamic broker configs (dynamic
// wins); s.mu must be held.
func (s *Store) brokerSettingsLocked() map[string]string {
	m := make(map[string]string, len(s.cfg.StaticBrokerConfigs)+len(s.mu.st.BrokerConfigs))
	for k, v := range s.cfg.StaticBrokerConfigs {
		m[k] = v
	}
	for k, v := range s.mu.st.BrokerConfigs {
		m[k] = v
	}
	return m
}

// DeleteTopic deletes a topic.
func (s *Store) DeleteTopic(name string) error {
	if _, ok := s.Topic(name); !ok {
		return fmt.Errorf("%w: %s", ErrUnknownTopic, name)
	}
	_, err := s.apply(&command{Op: opDeleteTopic, Name: name})
	return err
}

// CreatePartitions grows a topic to total partitions, which must exceed
// the current count. New partitions get the replication factor of
// partition 0.
func (s *Store) CreatePartitions(name string, total int32) error {
	s.mu.RLock()
	t, ok := s.mu.st.Topics[name]
	brokers := s.mu.st.sortedBrokers()
	s.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownTopic, name)
	}
	cur := int32(len(t.Partitions))
	if total <= cur || total > maxPartitions {
		return fmt.Errorf("%w: topic %s has %d partitions; the new count %d must be greater and at most %d",
			ErrInvalidPartitions, name, cur, total, maxPartitions)
	}
	rf := 1
	if cur > 0 {
		rf = len(t.Partitions[0].Replicas)
	}
	if rf > len(brokers) {
		return fmt.Errorf("%w: topic %s: replication factor %d exceeds the %d brokers", ErrInvalidReplicationFactor, name, rf, len(brokers))
	}
	start := 0
	if cur > 0 && len(t.Partitions[0].Replicas) > 0 {
		for i, b := range brokers {
			if b.NodeID == t.Partitions[0].Replicas[0] {
				start = i
			}
		}
	}
	_, err := s.apply(&command{Op: opCreatePartitions, Name: name, From: cur, New: assign(brokers, cur, total, rf, start)})
	return err
}

// SetTopicConfigs sets and deletes a topic's config overrides
// (IncrementalAlterConfigs; AlterConfigs passes in del every other set
// config). Deleting an override that is not set is not an error.
func (s *Store) SetTopicConfigs(name string, set map[string]string, del []string) error {
	if err := checkChanges(set, del, config.ValidateTopicConfigs, config.TopicDef, "topic"); err != nil {
		return fmt.Errorf("%w: topic %s: %w", ErrInvalidConfig, name, err)
	}
	if _, ok := s.Topic(name); !ok {
		return fmt.Errorf("%w: %s", ErrUnknownTopic, name)
	}
	_, err := s.apply(&command{Op: opSetTopicConfigs, Name: name, Set: set, Del: del})
	return err
}

// SetBrokerConfigs sets and deletes cluster-wide dynamic broker configs.
// Read-only configs (broker.id, node.id, ...) are rejected.
func (s *Store) SetBrokerConfigs(set map[string]string, del []string) error {
	if err := checkChanges(set, del, config.ValidateDynamicBrokerConfigs, config.BrokerDef, "broker"); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	_, err := s.apply(&command{Op: opSetBrokerConfigs, Set: set, Del: del})
	return err
}

func checkChanges(set map[string]string, del []string, validate func(map[string]string) error,
	lookup func(string) (config.Def, bool), kind string) error {
	errs := []error{validate(set)}
	for _, n := range del {
		if _, ok := lookup(n); !ok {
			errs = append(errs, fmt.Errorf("%w: unknown %s config %q", config.ErrUnknownConfig, kind, n))
		}
	}
	return errors.Join(errs...)
}

// AllocateProducerIDs reserves n consecutive producer ids and returns the
// first. Ids are never handed out twice, also across restarts.
func (s *Store) AllocateProducerIDs(n int64) (first int64, err error) {
	if n < 1 {
		return 0, fmt.Errorf("meta: allocate %d producer ids: count must be positive", n)
	}
	res, err := s.apply(&command{Op: opAllocProducerIDs, N: n})
	if err != nil {
		return 0, err
	}
	return res.first, nil
}

func resolveTCP(addr string) (net.Addr, error) {
	a, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, err
	}
	if a.IP == nil || a.IP.IsUnspecified() {
		return nil, fmt.Errorf("%q is not an address other voters can dial (port %s)", addr, strconv.Itoa(a.Port))
	}
	return a, nil
}
