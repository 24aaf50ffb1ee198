package meta

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"

	"github.com/hashicorp/raft"
)

// fsm is the raft.FSM view of a Store. Raft calls Apply, Snapshot and
// Restore from one goroutine; each change is made under Store.mu and its
// events are published under Store.pub.mu, so watchers see changes in log
// order.
type fsm struct{ s *Store }

var _ raft.FSM = fsm{}

// Apply applies one committed log entry. It never rejects a command for a
// reason a later Sluice version could judge differently (names, config
// values and replication factors are validated before proposal): it checks
// only preconditions on the state itself, so replaying an old log always
// rebuilds the same state.
func (f fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	c, err := decodeCommand(l.Data)
	if err != nil {
		f.s.log.Error("skipping undecodable metadata log entry", "index", l.Index, "err", err)
		return applyResult{err: err}
	}
	f.s.pub.mu.Lock()
	defer f.s.pub.mu.Unlock()
	f.s.mu.Lock()
	res, evs := f.s.mu.st.apply(c)
	f.s.mu.Unlock()
	f.s.pub.publishLocked(evs)
	return res
}

func (st *state) apply(c *command) (applyResult, []Event) {
	switch c.Op {
	case opInitCluster:
		if st.ClusterID == "" {
			st.ClusterID = c.ClusterID
		}
	case opRegisterBroker:
		if c.Broker == nil {
			return applyResult{err: errors.New("register_broker without broker")}, nil
		}
		st.Brokers[c.Broker.NodeID] = c.Broker.clone()
	case opCreateTopic:
		return st.createTopic(c)
	case opDeleteTopic:
		t, ok := st.Topics[c.Name]
		if !ok {
			return applyResult{err: fmt.Errorf("%w: %s", ErrUnknownTopic, c.Name)}, nil
		}
		delete(st.Topics, c.Name)
		delete(st.byID, t.ID)
		return applyResult{}, []Event{{Kind: TopicDeleted, Topic: t.clone()}}
	case opCreatePartitions:
		t, ok := st.Topics[c.Name]
		if !ok {
			return applyResult{err: fmt.Errorf("%w: %s", ErrUnknownTopic, c.Name)}, nil
		}
		if int32(len(t.Partitions)) != c.From {
			return applyResult{err: fmt.Errorf("%w: topic %s has %d partitions, the request assumed %d (concurrent change)",
				ErrInvalidPartitions, c.Name, len(t.Partitions), c.From)}, nil
		}
		t = t.clone()
		for _, p := range c.New {
			t.Partitions = append(t.Partitions, p.clone())
		}
		st.Topics[c.Name] = t
		return applyResult{}, []Event{{Kind: PartitionsCreated, Topic: t.clone()}}
	case opSetTopicConfigs:
		t, ok := st.Topics[c.Name]
		if !ok {
			return applyResult{err: fmt.Errorf("%w: %s", ErrUnknownTopic, c.Name)}, nil
		}
		t = t.clone()
		editConfigs(t.Configs, c.Set, c.Del)
		st.Topics[c.Name] = t
		return applyResult{}, []Event{{Kind: TopicConfigsChanged, Topic: t.clone()}}
	case opSetBrokerConfigs:
		editConfigs(st.BrokerConfigs, c.Set, c.Del)
		return applyResult{}, []Event{{Kind: BrokerConfigsChanged, BrokerConfigs: maps.Clone(st.BrokerConfigs)}}
	case opAllocProducerIDs:
		if c.N <= 0 || st.NextProducerID > math.MaxInt64-c.N {
			return applyResult{err: fmt.Errorf("cannot allocate %d producer ids after %d", c.N, st.NextProducerID)}, nil
		}
		first := st.NextProducerID
		st.NextProducerID += c.N
		return applyResult{first: first}, nil
	default:
		return applyResult{err: fmt.Errorf("unknown metadata command %q", c.Op)}, nil
	}
	return applyResult{}, nil
}

func (st *state) createTopic(c *command) (applyResult, []Event) {
	if c.Topic == nil {
		return applyResult{err: errors.New("create_topic without topic")}, nil
	}
	t := c.Topic.clone()
	if _, ok := st.Topics[t.Name]; ok {
		return applyResult{err: fmt.Errorf("%w: %s", ErrTopicExists, t.Name)}, nil
	}
	if other, ok := st.byID[t.ID]; ok || t.ID == ([16]byte{}) {
		return applyResult{err: fmt.Errorf("%w: topic id of %s already used by %q", ErrTopicExists, t.Name, other)}, nil
	}
	st.Topics[t.Name] = t
	st.byID[t.ID] = t.Name
	return applyResult{}, []Event{{Kind: TopicCreated, Topic: t.clone()}}
}

func editConfigs(m, set map[string]string, del []string) {
	for _, k := range del {
		delete(m, k)
	}
	maps.Copy(m, set)
}

// Snapshot captures a deep copy; Persist runs concurrently with Apply.
func (f fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.s.mu.RLock()
	defer f.s.mu.RUnlock()
	return &fsmSnapshot{st: f.s.mu.st.clone()}, nil
}

// Restore replaces the whole state and publishes the difference as events,
// so watchers stay consistent when a follower installs a snapshot.
func (f fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	st, err := readSnapshot(rc)
	if err != nil {
		return err
	}
	f.s.pub.mu.Lock()
	defer f.s.pub.mu.Unlock()
	f.s.mu.Lock()
	old := f.s.mu.st
	f.s.mu.st = st
	f.s.mu.Unlock()
	f.s.pub.publishLocked(diff(old, st))
	return nil
}
