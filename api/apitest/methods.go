package apitest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/api"
)

// The api.Herder methods.

// Connectors implements api.Herder.
func (h *Herder) Connectors(ctx context.Context) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(maps.Keys(h.mu.connectors)), nil
}

// ConnectorInfo implements api.Herder.
func (h *Herder) ConnectorInfo(ctx context.Context, name string) (api.ConnectorInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.getLocked(name)
	if err != nil {
		return api.ConnectorInfo{}, err
	}
	return h.infoLocked(name, c), nil
}

// CreateConnector implements api.Herder.
func (h *Herder) CreateConnector(ctx context.Context, name string, config map[string]string, initial api.TargetState) (api.ConnectorInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked("create " + name); err != nil {
		return api.ConnectorInfo{}, err
	}
	if _, ok := h.mu.connectors[name]; ok {
		return api.ConnectorInfo{}, api.Errorf(api.ErrAlreadyExists, "Connector %s already exists", name)
	}
	if err := h.checkConfig(config); err != nil {
		return api.ConnectorInfo{}, err
	}
	if initial == "" {
		initial = api.TargetRunning
	}
	// As Kafka's, the answer lists the tasks the configs topic holds when
	// the config is written: none yet for a new connector.
	info := h.infoLocked(name, h.applyLocked(name, config, initial))
	info.Tasks = []api.TaskID{}
	return info, nil
}

// PutConnectorConfig implements api.Herder.
func (h *Herder) PutConnectorConfig(ctx context.Context, name string, config map[string]string) (api.ConnectorInfo, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked("put " + name); err != nil {
		return api.ConnectorInfo{}, false, err
	}
	if err := h.checkConfig(config); err != nil {
		return api.ConnectorInfo{}, false, err
	}
	target := api.TargetRunning
	old, exists := h.mu.connectors[name]
	if exists {
		target = old.target
	}
	info := h.infoLocked(name, h.applyLocked(name, config, target))
	if !exists {
		info.Tasks = []api.TaskID{} // none yet, as Kafka answers
	}
	return info, !exists, nil
}

// PatchConnectorConfig implements api.Herder.
func (h *Herder) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (api.ConnectorInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked("patch " + name); err != nil {
		return api.ConnectorInfo{}, err
	}
	c, err := h.getLocked(name)
	if err != nil {
		return api.ConnectorInfo{}, err
	}
	config := maps.Clone(c.config)
	for k, v := range patch {
		if v == nil {
			delete(config, k)
		} else {
			config[k] = *v
		}
	}
	if err := h.checkConfig(config); err != nil {
		return api.ConnectorInfo{}, err
	}
	return h.infoLocked(name, h.applyLocked(name, config, c.target)), nil
}

// DeleteConnector implements api.Herder.
func (h *Herder) DeleteConnector(ctx context.Context, name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked("delete " + name); err != nil {
		return err
	}
	if _, err := h.getLocked(name); err != nil {
		return err
	}
	delete(h.mu.connectors, name)
	return nil
}

// ConnectorStatus implements api.Herder.
func (h *Herder) ConnectorStatus(ctx context.Context, name string) (api.ConnectorStateInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.mu.connectors[name]
	if !ok {
		return api.ConnectorStateInfo{}, api.Errorf(api.ErrNotFound, "No status found for connector %s", name)
	}
	return h.statusLocked(name, c), nil
}

// TaskStatus implements api.Herder.
func (h *Herder) TaskStatus(ctx context.Context, id api.TaskID) (api.TaskState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.mu.connectors[id.Connector]
	if !ok || id.Task < 0 || id.Task >= len(c.tasks) {
		return api.TaskState{}, api.Errorf(api.ErrNotFound, "No status found for task %s-%d", id.Connector, id.Task)
	}
	return c.tasks[id.Task], nil
}

// TaskConfigs implements api.Herder.
func (h *Herder) TaskConfigs(ctx context.Context, name string) ([]api.TaskInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.getLocked(name)
	if err != nil {
		return nil, err
	}
	var out []api.TaskInfo
	for _, t := range c.tasks {
		cfg := maps.Clone(c.config)
		cfg["task.id"] = strconv.Itoa(t.ID)
		out = append(out, api.TaskInfo{ID: api.TaskID{Connector: name, Task: t.ID}, Config: cfg})
	}
	return out, nil
}

// RestartConnector implements api.Herder: what restarts is reported
// RESTARTING, and stays so until the test looks again.
func (h *Herder) RestartConnector(ctx context.Context, req api.RestartRequest) (api.ConnectorStateInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked("restart " + req.Connector); err != nil {
		return api.ConnectorStateInfo{}, err
	}
	c, err := h.getLocked(req.Connector)
	if err != nil {
		return api.ConnectorStateInfo{}, err
	}
	st := h.statusLocked(req.Connector, c)
	if !req.OnlyFailed || c.state == api.StateFailed {
		st.Connector.State = api.StateRestarting
	}
	if req.IncludeTasks {
		for i := range st.Tasks {
			if !req.OnlyFailed || st.Tasks[i].State == api.StateFailed {
				st.Tasks[i].State, st.Tasks[i].Trace = api.StateRestarting, ""
			}
		}
	}
	return st, nil
}

// RestartTask implements api.Herder.
func (h *Herder) RestartTask(ctx context.Context, id api.TaskID) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked(fmt.Sprintf("restart %s-%d", id.Connector, id.Task)); err != nil {
		return err
	}
	c, err := h.getLocked(id.Connector)
	if err != nil {
		return err
	}
	if id.Task < 0 || id.Task >= len(c.tasks) {
		return api.Errorf(api.ErrNotFound, "Task %s-%d not found", id.Connector, id.Task)
	}
	c.tasks[id.Task].State, c.tasks[id.Task].Trace = api.StateRunning, ""
	return nil
}

func (h *Herder) setTarget(name string, target api.TargetState) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked(strings.ToLower(string(target)) + " " + name); err != nil {
		return err
	}
	c, err := h.getLocked(name)
	if err != nil {
		return err
	}
	h.applyLocked(name, c.config, target)
	return nil
}

// PauseConnector implements api.Herder.
func (h *Herder) PauseConnector(ctx context.Context, name string) error {
	return h.setTarget(name, api.TargetPaused)
}

// ResumeConnector implements api.Herder.
func (h *Herder) ResumeConnector(ctx context.Context, name string) error {
	return h.setTarget(name, api.TargetRunning)
}

// StopConnector implements api.Herder.
func (h *Herder) StopConnector(ctx context.Context, name string) error {
	return h.setTarget(name, api.TargetStopped)
}

// ActiveTopics implements api.Herder.
func (h *Herder) ActiveTopics(ctx context.Context, name string) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.noTracking {
		return nil, api.Errorf(api.ErrForbidden, "Topic tracking is disabled.")
	}
	c, err := h.getLocked(name)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.topics), nil
}

// ResetActiveTopics implements api.Herder.
func (h *Herder) ResetActiveTopics(ctx context.Context, name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.noTracking {
		return api.Errorf(api.ErrForbidden, "Topic tracking is disabled.")
	}
	if err := h.writeLocked("reset-topics " + name); err != nil {
		return err
	}
	c, err := h.getLocked(name)
	if err != nil {
		return err
	}
	c.topics = nil
	return nil
}

// Offsets implements api.Herder.
func (h *Herder) Offsets(ctx context.Context, name string) (api.ConnectorOffsets, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.getLocked(name)
	if err != nil {
		return api.ConnectorOffsets{}, err
	}
	return api.ConnectorOffsets{Offsets: slices.Clone(c.offsets)}, nil
}

func (h *Herder) stoppedLocked(name string) (*connector, error) {
	c, err := h.getLocked(name)
	if err != nil {
		return nil, err
	}
	if c.target != api.TargetStopped {
		return nil, api.Errorf(api.ErrConnectorNotStopped, "Connectors must be in the STOPPED state before their offsets can be modified. "+
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
	}
	return c, nil
}

// AlterOffsets implements api.Herder.
func (h *Herder) AlterOffsets(ctx context.Context, name string, offsets []api.ConnectorOffset) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked("alter-offsets " + name); err != nil {
		return "", err
	}
	c, err := h.stoppedLocked(name)
	if err != nil {
		return "", err
	}
	for _, o := range offsets {
		i := slices.IndexFunc(c.offsets, func(e api.ConnectorOffset) bool { return fmt.Sprint(e.Partition) == fmt.Sprint(o.Partition) })
		switch {
		case i >= 0 && o.Offset == nil:
			c.offsets = slices.Delete(c.offsets, i, i+1)
		case i >= 0:
			c.offsets[i] = o
		case o.Offset != nil:
			c.offsets = append(c.offsets, o)
		}
	}
	return "The offsets for this connector have been altered successfully", nil
}

// ResetOffsets implements api.Herder.
func (h *Herder) ResetOffsets(ctx context.Context, name string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLocked("reset-offsets " + name); err != nil {
		return "", err
	}
	c, err := h.stoppedLocked(name)
	if err != nil {
		return "", err
	}
	c.offsets = nil
	return "The offsets for this connector have been reset successfully", nil
}

// Plugins implements api.Herder.
func (h *Herder) Plugins(ctx context.Context, connectorsOnly bool) ([]api.PluginInfo, error) {
	var out []api.PluginInfo
	for _, p := range h.plugins {
		if connectorsOnly && p.info.Type != api.PluginSource && p.info.Type != api.PluginSink {
			continue
		}
		out = append(out, p.info)
	}
	return out, nil
}

// PluginConfig implements api.Herder.
func (h *Herder) PluginConfig(ctx context.Context, class string) ([]api.ConfigKeyInfo, error) {
	p, ok := h.plugin(class)
	if !ok {
		return nil, api.Errorf(api.ErrNotFound, "Unknown plugin %s.", class)
	}
	var out []api.ConfigKeyInfo
	for i, k := range p.def.Keys() {
		out = append(out, api.KeyInfo(k, "", i+1))
	}
	return out, nil
}

// Validate implements api.Herder.
func (h *Herder) Validate(ctx context.Context, class string, config map[string]string) (api.ConfigInfos, error) {
	p, ok := h.plugin(class)
	if !ok || p.def == nil {
		return api.ConfigInfos{}, api.Errorf(api.ErrBadRequest, "Unknown connector class %s", class)
	}
	return api.Validation(p.info.Class, "Common", p.def, config), nil
}

// Worker implements api.Herder.
func (h *Herder) Worker(ctx context.Context) (api.WorkerState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ws := api.WorkerState{
		Ready:          !h.mu.starting,
		WorkerID:       WorkerID,
		KafkaClusterID: "sluice-test-cluster",
		LeaderURL:      h.mu.leaderURL,
		IsLeader:       h.mu.leaderURL == "",
		Rebalancing:    h.mu.rebalancing,
		Generation:     1,
	}
	if h.mu.starting {
		ws.Details = "The worker is currently reading to the end of the config topic."
	}
	return ws, nil
}

// Signal implements api.Herder: the record goes to an in-memory topic of
// one partition. Any worker answers it, so leadership does not matter.
func (h *Herder) Signal(ctx context.Context, name string, value []byte) (api.SignalResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.getLocked(name)
	if err != nil {
		return api.SignalResult{}, err
	}
	topic, key, err := api.SignalTarget(name, c.config)
	if err != nil {
		return api.SignalResult{}, err
	}
	if h.mu.signals == nil {
		h.mu.signals = map[string][]SignalRecord{}
	}
	h.mu.calls = append(h.mu.calls, "signal "+name)
	h.mu.signals[topic] = append(h.mu.signals[topic], SignalRecord{Key: key, Value: string(value)})
	return api.SignalResult{Topic: topic, Partition: 0, Offset: int64(len(h.mu.signals[topic]) - 1)}, nil
}
