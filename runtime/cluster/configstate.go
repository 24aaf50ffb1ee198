package cluster

import (
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// configState is the configs topic folded in order, as
// KafkaConfigBackingStore's in-memory state: task configs wait in deferred
// until their commit record.
type configState struct {
	offset       int64
	connectors   map[string]map[string]string
	targets      map[string]TargetState
	taskCounts   map[string]int
	tasks        map[TaskID]map[string]string
	deferred     map[string]map[int]map[string]string
	inconsistent map[string]bool
	sessionKey   *SessionKey
}

func (s *ConfigStore) apply(r *kgo.Record) {
	s.mu.Lock()
	ch, ok := s.mu.state.applyLocked(r, s.logger)
	started := s.mu.started
	s.mu.Unlock()
	if ok && started && s.onChange != nil {
		ch.Offset = r.Offset
		s.onChange(ch)
	}
}

func (st *configState) applyLocked(r *kgo.Record, logger *slog.Logger) (ConfigChange, bool) {
	st.offset = r.Offset + 1
	key := string(r.Key)
	warn := func(what string) {
		logger.Warn("config store: skipping record", "key", key, "offset", r.Offset, "reason", what)
	}
	switch {
	case strings.HasPrefix(key, targetStatePrefix):
		name := key[len(targetStatePrefix):]
		if r.Value == nil {
			delete(st.targets, name)
			return ConfigChange{}, false // the connector's tombstone notifies
		}
		var v targetStateValue
		if err := json.Unmarshal(r.Value, &v); err != nil {
			warn(err.Error())
			return ConfigChange{}, false
		}
		state := v.StateV2
		if state == "" {
			state = v.State
		}
		switch state {
		case TargetStarted, TargetPaused, TargetStopped:
		default:
			warn("unknown target state " + string(state))
			return ConfigChange{}, false
		}
		st.targets[name] = state
		_, exists := st.connectors[name]
		return ConfigChange{Kind: TargetStateChanged, Connector: name}, exists
	case strings.HasPrefix(key, connectorPrefix):
		name := key[len(connectorPrefix):]
		if r.Value == nil {
			st.removeLocked(name)
			return ConfigChange{Kind: ConnectorRemoved, Connector: name}, true
		}
		var v propertiesValue
		if err := json.Unmarshal(r.Value, &v); err != nil || v.Properties == nil {
			warn("connector config is not {\"properties\": {...}}")
			return ConfigChange{}, false
		}
		st.connectors[name] = v.Properties
		if _, ok := st.targets[name]; !ok {
			st.targets[name] = TargetStarted
		}
		return ConfigChange{Kind: ConnectorConfigChanged, Connector: name}, true
	case strings.HasPrefix(key, taskPrefix):
		id, ok := parseTaskKey(key[len(taskPrefix):])
		var v propertiesValue
		if !ok || r.Value == nil || json.Unmarshal(r.Value, &v) != nil || v.Properties == nil {
			warn("malformed task config")
			return ConfigChange{}, false
		}
		if st.deferred[id.Connector] == nil {
			st.deferred[id.Connector] = map[int]map[string]string{}
		}
		st.deferred[id.Connector][id.Task] = v.Properties
		return ConfigChange{}, false
	case strings.HasPrefix(key, commitPrefix):
		name := key[len(commitPrefix):]
		var v commitValue
		if r.Value == nil || json.Unmarshal(r.Value, &v) != nil || v.Tasks < 0 {
			warn("malformed commit")
			return ConfigChange{}, false
		}
		if _, ok := st.connectors[name]; !ok {
			st.removeLocked(name) // deleted, and compaction took its config and tombstone
			return ConfigChange{}, false
		}
		deferred := st.deferred[name]
		delete(st.deferred, name)
		complete := true
		for i := range v.Tasks {
			if _, ok := deferred[i]; !ok {
				complete = false
			}
		}
		st.taskCounts[name] = v.Tasks
		if !complete {
			st.inconsistent[name] = true
			return ConfigChange{}, false
		}
		delete(st.inconsistent, name)
		var ids []TaskID
		for id := range st.tasks {
			if id.Connector == name && id.Task >= v.Tasks {
				delete(st.tasks, id)
			}
		}
		for i := range v.Tasks {
			st.tasks[TaskID{name, i}] = deferred[i]
			ids = append(ids, TaskID{name, i})
		}
		return ConfigChange{Kind: TaskConfigsCommitted, Connector: name, Tasks: ids}, true
	case key == sessionKeyKey:
		var v sessionKeyValue
		if r.Value == nil || json.Unmarshal(r.Value, &v) != nil {
			warn("malformed session key")
			return ConfigChange{}, false
		}
		k, err := base64.StdEncoding.DecodeString(v.Key)
		if err != nil {
			warn("session key is not base64")
			return ConfigChange{}, false
		}
		st.sessionKey = &SessionKey{Key: k, Algorithm: v.Algorithm, Created: time.UnixMilli(v.Created).UTC()}
		return ConfigChange{Kind: SessionKeyChanged}, true
	case strings.HasPrefix(key, restartPrefix):
		name := key[len(restartPrefix):]
		var v RestartRequest
		if r.Value == nil {
			return ConfigChange{}, false
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			warn("malformed restart request")
			return ConfigChange{}, false
		}
		_, exists := st.connectors[name]
		return ConfigChange{Kind: RestartRequested, Connector: name, Restart: v}, exists
	}
	return ConfigChange{}, false // logger-cluster-, tasks-fencing-: not handled yet
}

func (st *configState) removeLocked(name string) {
	delete(st.connectors, name)
	delete(st.targets, name)
	delete(st.taskCounts, name)
	delete(st.deferred, name)
	delete(st.inconsistent, name)
	for id := range st.tasks {
		if id.Connector == name {
			delete(st.tasks, id)
		}
	}
}

// parseTaskKey parses "NAME-N" (NAME may itself contain dashes).
func parseTaskKey(s string) (TaskID, bool) {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return TaskID{}, false
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 0 {
		return TaskID{}, false
	}
	return TaskID{s[:i], n}, true
}
