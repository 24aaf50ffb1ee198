package distributed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/cluster"
)

var _ api.Herder = (*Herder)(nil)

const writeTimeout = 30 * time.Second

// snapshot answers reads from the local replica of the configs topic.
func (h *Herder) snapshot(ctx context.Context) (cluster.ConfigSnapshot, error) {
	select {
	case <-h.started:
		return h.configs.Snapshot(), nil
	case <-ctx.Done():
		return cluster.ConfigSnapshot{}, api.Errorf(api.ErrStarting, "The worker is still starting")
	}
}

// errRebalancing answers a write that finds the group rebalancing: 409
// with Kafka's "stale configuration" message (RebalanceNeededException).
var errRebalancing = fmt.Errorf("distributed: a rebalance is under way: %w", api.ErrRebalanceInProgress)

// leaderCheck is the check every write makes on the tick goroutine: only
// the leader of a settled generation writes to the configs topic, so two
// workers that both believe they lead never write at once.
func (t *tick) leaderCheck() error {
	if reb, _ := t.h.rebalanceState(); reb || !t.ready {
		return errRebalancing
	}
	if !t.leader {
		if t.leaderURL == "" {
			return errRebalancing
		}
		return &api.NotLeaderError{LeaderURL: t.leaderURL}
	}
	return nil
}

// write runs f on the tick goroutine on the leader (a follower answers
// *api.NotLeaderError and the REST server forwards). A write that finds a
// rebalance under way waits for it to settle, as Kafka's herder holds
// requests until the group is stable, for at most h.rebalanceWait; then
// it answers errRebalancing (409) so that the client retries.
func write[T any](ctx context.Context, h *Herder, f func(*tick) (T, error)) (T, error) {
	giveUp := time.NewTimer(time.Duration(h.rebalanceWait.Load()))
	defer giveUp.Stop()
	for {
		_, settled := h.rebalanceState()
		v, err := call(ctx, h, func(t *tick) (T, error) {
			if err := t.leaderCheck(); err != nil {
				var zero T
				return zero, err
			}
			return f(t)
		})
		if !errors.Is(err, errRebalancing) {
			return v, err
		}
		select {
		case <-settled:
			// Settled since: try again (after a breath, should the
			// generation be applied but not yet led).
			if !wait(ctx, 10*time.Millisecond) {
				return v, err
			}
		case <-giveUp.C:
			return v, err
		case <-ctx.Done():
			return v, err
		}
	}
}

func (h *Herder) typeOf(ctx context.Context, class string) api.ConnectorType {
	c, err := h.plugins.Connector(ctx, class)
	if err != nil {
		return api.TypeUnknown
	}
	defer c.Close(context.WithoutCancel(ctx))
	if c.Spec().Kind == sdk.Sink {
		return api.TypeSink
	}
	return api.TypeSource
}

func notFound(name string) error { return api.Errorf(api.ErrNotFound, "Connector %s not found", name) }

func (h *Herder) info(ctx context.Context, s cluster.ConfigSnapshot, name string) api.ConnectorInfo {
	tasks := []api.TaskID{}
	for i := range s.TaskCounts[name] {
		tasks = append(tasks, api.TaskID{Connector: name, Task: i})
	}
	cfg := maps.Clone(s.Connectors[name])
	return api.ConnectorInfo{Name: name, Config: cfg, Tasks: tasks, Type: h.typeOf(ctx, cfg[runtime.ConnectorClassConfig])}
}

// Connectors implements api.Herder.
func (h *Herder) Connectors(ctx context.Context) ([]string, error) {
	s, err := h.snapshot(ctx)
	return slices.Sorted(maps.Keys(s.Connectors)), err
}

// ConnectorInfo implements api.Herder.
func (h *Herder) ConnectorInfo(ctx context.Context, name string) (api.ConnectorInfo, error) {
	s, err := h.snapshot(ctx)
	if err != nil {
		return api.ConnectorInfo{}, err
	}
	if _, ok := s.Connectors[name]; !ok {
		return api.ConnectorInfo{}, notFound(name)
	}
	return h.info(ctx, s, name), nil
}

// invalid turns a validation failure into Kafka's 400 answer: every
// problem's message, by property name.
func invalid(err error) error {
	var ce *runtime.ConfigError
	if !errors.As(err, &ce) {
		return invalidLines([]string{err.Error()})
	}
	var lines []string
	for _, k := range ce.Properties() {
		lines = append(lines, ce.Problems[k]...)
	}
	return invalidLines(lines)
}

func invalidLines(lines []string) error {
	return api.Errorf(api.ErrBadRequest, "Connector configuration is invalid and contains the following %d error(s):\n%s\n"+
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
		len(lines), strings.Join(lines, "\n"))
}

// putConfig validates and writes a connector's config (and its target
// state when given) on the leader.
func (t *tick) putConfig(ctx context.Context, name string, config map[string]string, target cluster.TargetState) error {
	if class := config[runtime.ConnectorClassConfig]; class != "" {
		c, err := t.h.plugins.Connector(ctx, class)
		if err != nil {
			return invalidLines([]string{fmt.Sprintf("Invalid value %s for configuration %s: Class %s could not be found.", class, runtime.ConnectorClassConfig, class)})
		}
		c.Close(context.WithoutCancel(ctx))
	}
	if _, err := t.h.worker.ValidateConnector(ctx, config); err != nil {
		return invalid(err)
	}
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if target != "" {
		if err := t.h.configs.PutTargetState(wctx, name, target); err != nil {
			return err
		}
	}
	return t.h.configs.PutConnectorConfig(wctx, name, config)
}

func targetOf(s api.TargetState) cluster.TargetState {
	switch s {
	case api.TargetPaused:
		return cluster.TargetPaused
	case api.TargetStopped:
		return cluster.TargetStopped
	}
	return cluster.TargetStarted
}

// CreateConnector implements api.Herder.
func (h *Herder) CreateConnector(ctx context.Context, name string, config map[string]string, initial api.TargetState) (api.ConnectorInfo, error) {
	return write(ctx, h, func(t *tick) (api.ConnectorInfo, error) {
		if _, ok := h.configs.Snapshot().Connectors[name]; ok {
			return api.ConnectorInfo{}, api.Errorf(api.ErrAlreadyExists, "Connector %s already exists", name)
		}
		if err := t.putConfig(ctx, name, config, targetOf(initial)); err != nil {
			return api.ConnectorInfo{}, err
		}
		return h.info(ctx, h.configs.Snapshot(), name), nil
	})
}

// PutConnectorConfig implements api.Herder.
func (h *Herder) PutConnectorConfig(ctx context.Context, name string, config map[string]string) (api.ConnectorInfo, bool, error) {
	type res struct {
		info    api.ConnectorInfo
		created bool
	}
	r, err := write(ctx, h, func(t *tick) (res, error) {
		_, exists := h.configs.Snapshot().Connectors[name]
		target := cluster.TargetState("")
		if !exists {
			target = cluster.TargetStarted
		}
		if err := t.putConfig(ctx, name, config, target); err != nil {
			return res{}, err
		}
		return res{h.info(ctx, h.configs.Snapshot(), name), !exists}, nil
	})
	return r.info, r.created, err
}

// PatchConnectorConfig implements api.Herder.
func (h *Herder) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (api.ConnectorInfo, error) {
	return write(ctx, h, func(t *tick) (api.ConnectorInfo, error) {
		old, ok := h.configs.Snapshot().Connectors[name]
		if !ok {
			return api.ConnectorInfo{}, notFound(name)
		}
		cfg := maps.Clone(old)
		for k, v := range patch {
			if v == nil {
				delete(cfg, k)
			} else {
				cfg[k] = *v
			}
		}
		if err := t.putConfig(ctx, name, cfg, ""); err != nil {
			return api.ConnectorInfo{}, err
		}
		return h.info(ctx, h.configs.Snapshot(), name), nil
	})
}

// DeleteConnector implements api.Herder.
func (h *Herder) DeleteConnector(ctx context.Context, name string) error {
	_, err := write(ctx, h, func(t *tick) (struct{}, error) {
		if _, ok := h.configs.Snapshot().Connectors[name]; !ok {
			return struct{}{}, notFound(name)
		}
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		defer cancel()
		return struct{}{}, h.configs.DeleteConnector(wctx, name)
	})
	return err
}

func taskState(id int, st cluster.Status, ok bool) api.TaskState {
	if !ok {
		return api.TaskState{ID: id, State: api.StateUnassigned}
	}
	return api.TaskState{ID: id, State: string(st.State), WorkerID: st.WorkerID, Trace: st.Trace}
}

// ConnectorStatus implements api.Herder.
func (h *Herder) ConnectorStatus(ctx context.Context, name string) (api.ConnectorStateInfo, error) {
	s, err := h.snapshot(ctx)
	if err != nil {
		return api.ConnectorStateInfo{}, err
	}
	props, ok := s.Connectors[name]
	if !ok {
		return api.ConnectorStateInfo{}, api.Errorf(api.ErrNotFound, "No status found for connector %s", name)
	}
	out := api.ConnectorStateInfo{Name: name, Tasks: []api.TaskState{}, Type: h.typeOf(ctx, props[runtime.ConnectorClassConfig])}
	out.Connector.State = api.StateUnassigned
	if st, ok := h.status.Connector(name); ok {
		out.Connector = api.ConnectorState{State: string(st.State), WorkerID: st.WorkerID, Trace: st.Trace}
	}
	for i := range s.TaskCounts[name] {
		st, ok := h.status.Task(cluster.TaskID{Connector: name, Task: i})
		out.Tasks = append(out.Tasks, taskState(i, st, ok))
	}
	return out, nil
}

// TaskStatus implements api.Herder.
func (h *Herder) TaskStatus(ctx context.Context, id api.TaskID) (api.TaskState, error) {
	s, err := h.snapshot(ctx)
	if err != nil {
		return api.TaskState{}, err
	}
	if id.Task < 0 || id.Task >= s.TaskCounts[id.Connector] {
		return api.TaskState{}, api.Errorf(api.ErrNotFound, "No status found for task %s-%d", id.Connector, id.Task)
	}
	st, ok := h.status.Task(cluster.TaskID{Connector: id.Connector, Task: id.Task})
	return taskState(id.Task, st, ok), nil
}

// TaskConfigs implements api.Herder.
func (h *Herder) TaskConfigs(ctx context.Context, name string) ([]api.TaskInfo, error) {
	s, err := h.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := s.Connectors[name]; !ok {
		return nil, notFound(name)
	}
	out := []api.TaskInfo{}
	for i, cfg := range s.TaskConfigs(name) {
		out = append(out, api.TaskInfo{ID: api.TaskID{Connector: name, Task: i}, Config: cfg})
	}
	return out, nil
}
