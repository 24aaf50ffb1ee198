package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// State is a connector's or task's state, as Kafka Connect's
// AbstractStatus.State.
type State string

// States.
const (
	StateUnassigned State = "UNASSIGNED"
	StateRunning    State = "RUNNING"
	StatePaused     State = "PAUSED"
	StateFailed     State = "FAILED"
	StateRestarting State = "RESTARTING"
	StateStopped    State = "STOPPED"
	// StateDestroyed is never stored: putting it writes a tombstone.
	StateDestroyed State = "DESTROYED"
)

// Status of a connector or a task.
type Status struct {
	State      State
	Trace      string // stack trace or error text when FAILED
	WorkerID   string
	Generation int32 // group generation of the writer's assignment
}

// TopicUse records that a connector used a topic (KIP-558).
type TopicUse struct {
	Topic      string
	Connector  string
	Task       int
	Discovered time.Time
}

// Status record key prefixes, as KafkaStatusBackingStore.
const (
	connectorStatusPrefix = "status-connector-"
	taskStatusPrefix      = "status-task-"
	topicStatusPrefix     = "status-topic-"
	topicStatusSeparator  = ":connector-"
)

type statusValue struct {
	State      State   `json:"state"`
	Trace      *string `json:"trace"`
	WorkerID   string  `json:"worker_id"`
	Generation int32   `json:"generation"`
}

type topicValue struct {
	Name       string `json:"name"`
	Connector  string `json:"connector"`
	Task       int    `json:"task"`
	Discovered int64  `json:"discoverTimestamp"`
}

// StatusStore keeps connector, task and topic statuses on the status topic
// (KafkaStatusBackingStore's equivalent; formats in the package doc). The
// tail goroutine applies records to mu, last record per key wins (as
// compaction keeps it).
type StatusStore struct {
	log    *TopicLog    // set once open; the tail never touches it
	logger *slog.Logger // used by the tail
	mu     struct {
		sync.Mutex
		connectors map[string]Status
		tasks      map[TaskID]Status
		topics     map[string]map[string]TopicUse // connector -> topic -> use
	}
}

// OpenStatusStore reads the status topic to its end.
func OpenStatusStore(ctx context.Context, cfg LogConfig) (*StatusStore, error) {
	s := &StatusStore{logger: cfg.logger()}
	s.mu.connectors = map[string]Status{}
	s.mu.tasks = map[TaskID]Status{}
	s.mu.topics = map[string]map[string]TopicUse{}
	l, err := OpenTopicLog(ctx, cfg, s.apply)
	if err != nil {
		return nil, fmt.Errorf("status store: %w", err)
	}
	s.log = l
	return s, nil
}

// PutConnector writes a connector's status unless fenced (see put).
func (s *StatusStore) PutConnector(ctx context.Context, name string, st Status) (bool, error) {
	return s.put(ctx, connectorStatusPrefix+name, st, func() (Status, bool) {
		cur, ok := s.mu.connectors[name]
		return cur, ok
	})
}

// PutTask writes a task's status unless fenced (see put).
func (s *StatusStore) PutTask(ctx context.Context, id TaskID, st Status) (bool, error) {
	return s.put(ctx, fmt.Sprintf("%s%s-%d", taskStatusPrefix, id.Connector, id.Task), st, func() (Status, bool) {
		cur, ok := s.mu.tasks[id]
		return cur, ok
	})
}

// put reads to the end, then writes st unless the stored status is from
// another worker with a newer generation (Kafka's putSafe rule): a worker
// that lost the work in a later rebalance cannot overwrite its new owner's
// status. It reports whether it wrote. The check and the write are not
// atomic across workers; two writers racing in one instant both write, and
// the later record wins everywhere.
func (s *StatusStore) put(ctx context.Context, key string, st Status, current func() (Status, bool)) (bool, error) {
	if err := s.log.ReadToEnd(ctx); err != nil {
		return false, fmt.Errorf("status store: %w", err)
	}
	s.mu.Lock()
	cur, ok := current()
	s.mu.Unlock()
	if ok && cur.WorkerID != st.WorkerID && cur.Generation > st.Generation {
		return false, nil
	}
	r := &kgo.Record{Key: []byte(key)}
	if st.State != StateDestroyed {
		v := statusValue{State: st.State, WorkerID: st.WorkerID, Generation: st.Generation}
		if st.Trace != "" {
			v.Trace = &st.Trace
		}
		r.Value, _ = json.Marshal(v)
	}
	if err := s.log.Send(ctx, r); err != nil {
		return false, fmt.Errorf("status store: %w", err)
	}
	return true, nil
}

// PutTopic records that connector's task used topic.
func (s *StatusStore) PutTopic(ctx context.Context, u TopicUse) error {
	v, _ := json.Marshal(map[string]topicValue{"topic": {Name: u.Topic, Connector: u.Connector, Task: u.Task, Discovered: u.Discovered.UnixMilli()}})
	r := &kgo.Record{Key: []byte(topicStatusPrefix + u.Topic + topicStatusSeparator + u.Connector), Value: v}
	if err := s.log.Send(ctx, r); err != nil {
		return fmt.Errorf("status store: %w", err)
	}
	return nil
}

// DeleteTopic forgets that connector used topic (a tombstone).
func (s *StatusStore) DeleteTopic(ctx context.Context, connector, topic string) error {
	r := &kgo.Record{Key: []byte(topicStatusPrefix + topic + topicStatusSeparator + connector)}
	if err := s.log.Send(ctx, r); err != nil {
		return fmt.Errorf("status store: %w", err)
	}
	return nil
}

// ReadToEnd waits until every record written before the call is applied;
// call it before reading for an up-to-date answer.
func (s *StatusStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Connector returns a connector's last status read.
func (s *StatusStore) Connector(name string) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.mu.connectors[name]
	return st, ok
}

// Task returns a task's last status read.
func (s *StatusStore) Task(id TaskID) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.mu.tasks[id]
	return st, ok
}

// Tasks returns the statuses of connector's tasks.
func (s *StatusStore) Tasks(connector string) map[TaskID]Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[TaskID]Status{}
	for id, st := range s.mu.tasks {
		if id.Connector == connector {
			out[id] = st
		}
	}
	return out
}

// All returns every connector and task status.
func (s *StatusStore) All() (map[string]Status, map[TaskID]Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.mu.connectors), maps.Clone(s.mu.tasks)
}

// Topics returns the topics connector used.
func (s *StatusStore) Topics(connector string) map[string]TopicUse {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.mu.topics[connector])
}

// Close stops the store.
func (s *StatusStore) Close() { s.log.Close() }

func (s *StatusStore) apply(r *kgo.Record) {
	key := string(r.Key)
	warn := func(what string) {
		s.logger.Warn("status store: skipping record", "key", key, "offset", r.Offset, "reason", what)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case strings.HasPrefix(key, connectorStatusPrefix):
		name := key[len(connectorStatusPrefix):]
		st, ok := decodeStatus(r.Value)
		switch {
		case r.Value == nil:
			delete(s.mu.connectors, name)
		case ok:
			s.mu.connectors[name] = st
		default:
			warn("malformed status")
		}
	case strings.HasPrefix(key, taskStatusPrefix):
		id, ok := parseTaskKey(key[len(taskStatusPrefix):])
		if !ok {
			warn("malformed task id")
			return
		}
		st, ok := decodeStatus(r.Value)
		switch {
		case r.Value == nil:
			delete(s.mu.tasks, id)
		case ok:
			s.mu.tasks[id] = st
		default:
			warn("malformed status")
		}
	case strings.HasPrefix(key, topicStatusPrefix):
		topic, connector, ok := strings.Cut(key[len(topicStatusPrefix):], topicStatusSeparator)
		if !ok {
			warn("malformed topic key")
			return
		}
		if r.Value == nil {
			delete(s.mu.topics[connector], topic)
			return
		}
		var v map[string]topicValue
		if err := json.Unmarshal(r.Value, &v); err != nil {
			warn(err.Error())
			return
		}
		t, ok := v["topic"]
		if !ok {
			warn("no \"topic\" field")
			return
		}
		if s.mu.topics[connector] == nil {
			s.mu.topics[connector] = map[string]TopicUse{}
		}
		s.mu.topics[connector][topic] = TopicUse{Topic: t.Name, Connector: t.Connector, Task: t.Task, Discovered: time.UnixMilli(t.Discovered).UTC()}
	default:
		warn("unknown key")
	}
}

func decodeStatus(b []byte) (Status, bool) {
	if b == nil {
		return Status{}, false
	}
	var v statusValue
	if err := json.Unmarshal(b, &v); err != nil || v.State == "" {
		return Status{}, false
	}
	st := Status{State: v.State, WorkerID: v.WorkerID, Generation: v.Generation}
	if v.Trace != nil {
		st.Trace = *v.Trace
	}
	return st, true
}
