package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TargetState is the state a connector's owner should drive it to.
type TargetState string

// Target states, as Kafka Connect's TargetState.
const (
	TargetStarted TargetState = "STARTED"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// Config record key prefixes, as KafkaConfigBackingStore.
const (
	connectorPrefix   = "connector-"
	taskPrefix        = "task-"
	commitPrefix      = "commit-"
	targetStatePrefix = "target-state-"
	sessionKeyKey     = "session-key"
	restartPrefix     = "restart-connector-"
)

// SessionKey signs internal REST requests between workers (KIP-507).
type SessionKey struct {
	Key       []byte
	Algorithm string // e.g. HmacSHA256
	Created   time.Time
}

// ConfigSnapshot is the cluster's configuration at one point of the configs
// topic. It is a copy: the caller may keep and change it.
type ConfigSnapshot struct {
	// Offset is the configs topic offset the snapshot includes records
	// below (Kafka's ClusterConfigState.offset): the version members compare.
	Offset       int64
	Connectors   map[string]map[string]string
	TargetStates map[string]TargetState
	TaskCounts   map[string]int // committed task count per connector
	Tasks        map[TaskID]map[string]string
	// Inconsistent names connectors whose last commit found an incomplete
	// set of task configs (compaction, or a writer that died mid-way); their
	// tasks are not in Tasks and their connector should regenerate them.
	Inconsistent []string
	SessionKey   *SessionKey
}

// AssignableTasks is the input Assign needs: connectors with their task
// counts (an inconsistent connector runs, its tasks wait).
func (s ConfigSnapshot) AssignableTasks() map[string]int {
	out := map[string]int{}
	for c := range s.Connectors {
		out[c] = s.TaskCounts[c]
		if slices.Contains(s.Inconsistent, c) {
			out[c] = 0
		}
	}
	return out
}

// TaskConfigs returns connector's committed task configs by index (none
// while the connector is inconsistent).
func (s ConfigSnapshot) TaskConfigs(connector string) []map[string]string {
	if slices.Contains(s.Inconsistent, connector) {
		return nil
	}
	var out []map[string]string
	for i := range s.TaskCounts[connector] {
		out = append(out, s.Tasks[TaskID{connector, i}])
	}
	return out
}

// ChangeKind says what a ConfigChange is about.
type ChangeKind int

// Change kinds.
const (
	ConnectorConfigChanged ChangeKind = iota + 1
	ConnectorRemoved
	TaskConfigsCommitted
	TargetStateChanged
	SessionKeyChanged
	// RestartRequested: a restart-connector-NAME record (Restart says
	// what); reported only for records read after the store opened.
	RestartRequested
)

// RestartRequest is a restart-connector-NAME record (KIP-745): every
// worker restarts what it runs of the connector.
type RestartRequest struct {
	IncludeTasks bool `json:"include-tasks"`
	OnlyFailed   bool `json:"only-failed"`
}

// ConfigChange is passed to the change callback after the store applied a
// record read from the topic (written by any worker).
type ConfigChange struct {
	Kind      ChangeKind
	Connector string
	Tasks     []TaskID       // TaskConfigsCommitted: the tasks whose configs were committed
	Restart   RestartRequest // RestartRequested
	Offset    int64          // the record's offset
}

// ConfigStore is the cluster's connector and task configuration on the
// configs topic, KafkaConfigBackingStore's equivalent (formats in the
// package doc). Writes return after the store read them back, so a
// Snapshot taken after a write includes it.
//
// The tail goroutine applies records to mu.state and then calls the change
// callback, outside the lock, in topic order.
type ConfigStore struct {
	log      *TopicLog    // set once open; the tail never touches it
	logger   *slog.Logger // used by the tail
	onChange func(ConfigChange)
	mu       struct {
		sync.Mutex
		state   configState
		started bool // callbacks start after the initial read
	}
}

// OpenConfigStore reads the configs topic to its end; then onChange (may
// be nil) is called for every record applied, from the tail goroutine: it
// must not block on the store's writes or ReadToEnd.
func OpenConfigStore(ctx context.Context, cfg LogConfig, onChange func(ConfigChange)) (*ConfigStore, error) {
	s := &ConfigStore{onChange: onChange, logger: cfg.logger()}
	s.mu.state = configState{
		connectors:   map[string]map[string]string{},
		targets:      map[string]TargetState{},
		taskCounts:   map[string]int{},
		tasks:        map[TaskID]map[string]string{},
		deferred:     map[string]map[int]map[string]string{},
		inconsistent: map[string]bool{},
	}
	l, err := OpenTopicLog(ctx, cfg, s.apply)
	if err != nil {
		return nil, fmt.Errorf("config store: %w", err)
	}
	s.log = l
	s.mu.Lock()
	s.mu.started = true
	s.mu.Unlock()
	return s, nil
}

type propertiesValue struct {
	Properties map[string]string `json:"properties"`
}

type commitValue struct {
	Tasks int `json:"tasks"`
}

type targetStateValue struct {
	State   TargetState `json:"state"`
	StateV2 TargetState `json:"state.v2,omitempty"`
}

type sessionKeyValue struct {
	Key       string `json:"key"`
	Algorithm string `json:"algorithm"`
	Created   int64  `json:"creation-timestamp"`
}

// PutConnectorConfig writes connector-NAME {"properties": …}. A new
// connector without a target-state record starts as STARTED.
func (s *ConfigStore) PutConnectorConfig(ctx context.Context, name string, props map[string]string) error {
	v, _ := json.Marshal(propertiesValue{Properties: props})
	return s.write(ctx, &kgo.Record{Key: []byte(connectorPrefix + name), Value: v})
}

// PutTaskConfigs writes task-NAME-I {"properties": …} for each task, then
// commit-NAME {"tasks": N}; readers apply the task configs only at the
// commit, and only when it finds all N.
func (s *ConfigStore) PutTaskConfigs(ctx context.Context, name string, tasks []map[string]string) error {
	recs := make([]*kgo.Record, 0, len(tasks)+1)
	for i, t := range tasks {
		v, _ := json.Marshal(propertiesValue{Properties: t})
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprintf("%s%s-%d", taskPrefix, name, i)), Value: v})
	}
	v, _ := json.Marshal(commitValue{Tasks: len(tasks)})
	recs = append(recs, &kgo.Record{Key: []byte(commitPrefix + name), Value: v})
	return s.write(ctx, recs...)
}

// PutTargetState writes target-state-NAME. STOPPED is written as Kafka 3.5+
// does, {"state":"PAUSED","state.v2":"STOPPED"}, so older readers pause.
func (s *ConfigStore) PutTargetState(ctx context.Context, name string, state TargetState) error {
	switch state {
	case TargetStarted, TargetPaused, TargetStopped:
	default:
		return fmt.Errorf("config store: unknown target state %q", state)
	}
	v := targetStateValue{State: state, StateV2: state}
	if state == TargetStopped {
		v.State = TargetPaused
	}
	b, _ := json.Marshal(v)
	return s.write(ctx, &kgo.Record{Key: []byte(targetStatePrefix + name), Value: b})
}

// DeleteConnector writes tombstones for connector-NAME and
// target-state-NAME, as Kafka Connect does (task records stay until the
// connector's name is reused; readers drop them with the connector).
func (s *ConfigStore) DeleteConnector(ctx context.Context, name string) error {
	return s.write(ctx, &kgo.Record{Key: []byte(connectorPrefix + name)}, &kgo.Record{Key: []byte(targetStatePrefix + name)})
}

// PutRestartRequest writes restart-connector-NAME
// {"include-tasks":…,"only-failed":…}, as Kafka Connect's leader does.
func (s *ConfigStore) PutRestartRequest(ctx context.Context, name string, r RestartRequest) error {
	b, _ := json.Marshal(r)
	return s.write(ctx, &kgo.Record{Key: []byte(restartPrefix + name), Value: b})
}

// PutSessionKey writes session-key.
func (s *ConfigStore) PutSessionKey(ctx context.Context, k SessionKey) error {
	b, _ := json.Marshal(sessionKeyValue{Key: base64.StdEncoding.EncodeToString(k.Key), Algorithm: k.Algorithm, Created: k.Created.UnixMilli()})
	return s.write(ctx, &kgo.Record{Key: []byte(sessionKeyKey), Value: b})
}

func (s *ConfigStore) write(ctx context.Context, recs ...*kgo.Record) error {
	if err := s.log.Send(ctx, recs...); err != nil {
		return fmt.Errorf("config store: %w", err)
	}
	if err := s.log.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("config store: %w", err)
	}
	return nil
}

// ReadToEnd waits until every record written before the call is applied.
func (s *ConfigStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Snapshot returns a copy of the current configuration.
func (s *ConfigStore) Snapshot() ConfigSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.mu.state
	snap := ConfigSnapshot{
		Offset:       st.offset,
		Connectors:   map[string]map[string]string{},
		TargetStates: maps.Clone(st.targets),
		TaskCounts:   maps.Clone(st.taskCounts),
		Tasks:        map[TaskID]map[string]string{},
		Inconsistent: slices.Sorted(maps.Keys(st.inconsistent)),
	}
	for c, p := range st.connectors {
		snap.Connectors[c] = maps.Clone(p)
	}
	for id, p := range st.tasks {
		snap.Tasks[id] = maps.Clone(p)
	}
	if st.sessionKey != nil {
		k := *st.sessionKey
		k.Key = slices.Clone(k.Key)
		snap.SessionKey = &k
	}
	return snap
}

// Close stops the store.
func (s *ConfigStore) Close() { s.log.Close() }
