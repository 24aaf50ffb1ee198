package distributed

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/cluster"
	"github.com/sluicehq/sluice/transforms"
)

// RestartConnector implements api.Herder as Kafka's leader does: it
// writes a restart request to the configs topic, and every worker that
// runs some of the connector restarts its part (tick.restart). The answer
// marks what restarts RESTARTING, from the statuses known now.
func (h *Herder) RestartConnector(ctx context.Context, req api.RestartRequest) (api.ConnectorStateInfo, error) {
	if s, err := h.snapshot(ctx); err != nil {
		return api.ConnectorStateInfo{}, err
	} else if _, ok := s.Connectors[req.Connector]; !ok {
		return api.ConnectorStateInfo{}, notFound(req.Connector)
	}
	st, err := h.ConnectorStatus(ctx, req.Connector)
	if err != nil {
		return st, err
	}
	return write(ctx, h, func(t *tick) (api.ConnectorStateInfo, error) {
		if _, ok := h.configs.Snapshot().Connectors[req.Connector]; !ok {
			return api.ConnectorStateInfo{}, notFound(req.Connector)
		}
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		defer cancel()
		r := cluster.RestartRequest{IncludeTasks: req.IncludeTasks, OnlyFailed: req.OnlyFailed}
		if err := h.configs.PutRestartRequest(wctx, req.Connector, r); err != nil {
			return api.ConnectorStateInfo{}, err
		}
		if !req.OnlyFailed || st.Connector.State == api.StateFailed {
			st.Connector.State = api.StateRestarting
		}
		if req.IncludeTasks {
			for i := range st.Tasks {
				if req.OnlyFailed && st.Tasks[i].State != api.StateFailed {
					continue
				}
				st.Tasks[i].State, st.Tasks[i].Trace = api.StateRestarting, ""
			}
		}
		return st, nil
	})
}

// RestartTask implements api.Herder: the task's owner restarts it; other
// workers send the request there (NotLeaderError with the owner's URL).
func (h *Herder) RestartTask(ctx context.Context, id api.TaskID) error {
	_, err := call(ctx, h, func(t *tick) (struct{}, error) {
		cid := cluster.TaskID{Connector: id.Connector, Task: id.Task}
		if id.Task < 0 || id.Task >= t.snap.TaskCounts[id.Connector] {
			return struct{}{}, api.Errorf(api.ErrNotFound, "Task %s-%d not found", id.Connector, id.Task)
		}
		if !slices.Contains(t.owned.Tasks, cid) {
			if st, ok := h.status.Task(cid); ok && st.WorkerID != "" && st.WorkerID != h.cfg.WorkerID {
				return struct{}{}, &api.NotLeaderError{LeaderURL: h.urlOf(st.WorkerID)}
			}
			return struct{}{}, api.Errorf(api.ErrConflict, "Task %s-%d is not assigned to a worker at the moment", id.Connector, id.Task)
		}
		t.stopTask(cid)
		t.reconcile(ctx)
		return struct{}{}, nil
	})
	return err
}

func (h *Herder) setTarget(ctx context.Context, name string, target cluster.TargetState) error {
	_, err := write(ctx, h, func(t *tick) (struct{}, error) {
		if _, ok := h.configs.Snapshot().Connectors[name]; !ok {
			return struct{}{}, notFound(name)
		}
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		defer cancel()
		return struct{}{}, h.configs.PutTargetState(wctx, name, target)
	})
	return err
}

// PauseConnector implements api.Herder.
func (h *Herder) PauseConnector(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, cluster.TargetPaused)
}

// ResumeConnector implements api.Herder.
func (h *Herder) ResumeConnector(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, cluster.TargetStarted)
}

// StopConnector implements api.Herder: the connector's owner then writes
// an empty set of task configs, as Kafka 3.5+ does.
func (h *Herder) StopConnector(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, cluster.TargetStopped)
}

// ActiveTopics implements api.Herder from the status topic (KIP-558).
func (h *Herder) ActiveTopics(ctx context.Context, name string) ([]string, error) {
	if !h.cfg.TopicTracking {
		return nil, api.Errorf(api.ErrForbidden, "Topic tracking is disabled.")
	}
	s, err := h.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := s.Connectors[name]; !ok {
		return nil, notFound(name)
	}
	if err := h.status.ReadToEnd(ctx); err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(h.status.Topics(name))), nil
}

// ResetActiveTopics implements api.Herder: as Kafka's, any worker writes
// the tombstones, whatever the connector's state.
func (h *Herder) ResetActiveTopics(ctx context.Context, name string) error {
	if !h.cfg.TopicTracking {
		return api.Errorf(api.ErrForbidden, "Topic tracking is disabled.")
	}
	if !h.cfg.TopicTrackingReset {
		return api.Errorf(api.ErrForbidden, "Topic tracking reset is disabled.")
	}
	s, err := h.snapshot(ctx)
	if err != nil {
		return err
	}
	if _, ok := s.Connectors[name]; !ok {
		return notFound(name)
	}
	if err := h.status.ReadToEnd(ctx); err != nil {
		return err
	}
	for topic := range h.status.Topics(name) {
		if err := h.status.DeleteTopic(ctx, name, topic); err != nil {
			return err
		}
	}
	return h.status.ReadToEnd(ctx)
}

// isSink tells whether a connector's class is a sink connector's.
func (h *Herder) isSink(ctx context.Context, props map[string]string) bool {
	return h.typeOf(ctx, props[runtime.ConnectorClassConfig]) == api.TypeSink
}

// Offsets implements api.Herder (KIP-875): a source connector's offsets
// from the offsets topic, a sink connector's from its consumer group.
func (h *Herder) Offsets(ctx context.Context, name string) (api.ConnectorOffsets, error) {
	s, err := h.snapshot(ctx)
	if err != nil {
		return api.ConnectorOffsets{}, err
	}
	props, ok := s.Connectors[name]
	if !ok {
		return api.ConnectorOffsets{}, notFound(name)
	}
	if h.isSink(ctx, props) {
		return h.sinkOffsets(ctx, name)
	}
	if err := h.offsets.ReadToEnd(ctx); err != nil {
		return api.ConnectorOffsets{}, err
	}
	offs, err := h.offsets.Load(name)
	if err != nil {
		return api.ConnectorOffsets{}, err
	}
	out := api.ConnectorOffsets{Offsets: []api.ConnectorOffset{}}
	for _, o := range offs {
		out.Offsets = append(out.Offsets, api.ConnectorOffset{Partition: o.Partition, Offset: o.Offset})
	}
	return out, nil
}

// changeOffsets runs source (a source connector) or sink on the leader
// once the connector is known and STOPPED.
func (h *Herder) changeOffsets(ctx context.Context, name string, source func() ([]sdk.SourceOffset, error), sink func() error, msg string) (string, error) {
	return write(ctx, h, func(t *tick) (string, error) {
		s := h.configs.Snapshot()
		props, ok := s.Connectors[name]
		if !ok {
			return "", notFound(name)
		}
		if s.TargetStates[name] != cluster.TargetStopped {
			return "", api.Errorf(api.ErrConnectorNotStopped, "Connectors must be in the STOPPED state before their offsets can be modified. "+
				"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
		}
		if h.isSink(ctx, props) {
			if err := sink(); err != nil {
				return "", err
			}
			return msg, nil
		}
		offs, err := source()
		if err != nil {
			return "", err
		}
		if err := h.offsets.Set(ctx, name, offs); err != nil {
			return "", err
		}
		return msg, nil
	})
}

// AlterOffsets implements api.Herder.
func (h *Herder) AlterOffsets(ctx context.Context, name string, offsets []api.ConnectorOffset) (string, error) {
	return h.changeOffsets(ctx, name, func() ([]sdk.SourceOffset, error) {
		var out []sdk.SourceOffset
		for _, o := range offsets {
			out = append(out, sdk.SourceOffset{Partition: o.Partition, Offset: o.Offset})
		}
		return out, nil
	}, func() error { return h.alterSinkOffsets(ctx, name, offsets) },
		"The offsets for this connector have been altered successfully")
}

// ResetOffsets implements api.Herder.
func (h *Herder) ResetOffsets(ctx context.Context, name string) (string, error) {
	return h.changeOffsets(ctx, name, func() ([]sdk.SourceOffset, error) {
		if err := h.offsets.ReadToEnd(ctx); err != nil {
			return nil, err
		}
		offs, err := h.offsets.Load(name)
		for i := range offs {
			offs[i].Offset = nil
		}
		return offs, err
	}, func() error { return h.resetSinkOffsets(ctx, name) },
		"The offsets for this connector have been reset successfully")
}

// Plugins implements api.Herder over Options.PluginClasses, plus the
// transformations and predicates (Kafka's KIP-769 listing) unless
// connectorsOnly.
func (h *Herder) Plugins(ctx context.Context, connectorsOnly bool) ([]api.PluginInfo, error) {
	var out []api.PluginInfo
	for _, class := range h.classes {
		c, err := h.plugins.Connector(ctx, class)
		if err != nil {
			continue
		}
		spec := c.Spec()
		c.Close(context.WithoutCancel(ctx))
		typ := api.PluginSource
		if spec.Kind == sdk.Sink {
			typ = api.PluginSink
		}
		out = append(out, api.PluginInfo{Class: spec.Name, Type: typ, Version: spec.Version})
	}
	if !connectorsOnly {
		for _, p := range transforms.Plugins() {
			out = append(out, api.PluginInfo{Class: p.Name, Type: string(p.Kind), Version: p.Version})
		}
	}
	return out, nil
}

// pluginDef is the framework's connector keys plus the plugin's own.
func (h *Herder) pluginDef(ctx context.Context, class string) (*sdk.ConfigDef, string, error) {
	c, err := h.plugins.Connector(ctx, class)
	if err != nil {
		return nil, "", api.Errorf(api.ErrNotFound, "Unknown plugin %s.", class)
	}
	defer c.Close(context.WithoutCancel(ctx))
	spec := c.Spec()
	def := runtime.ConnectorConfigDef()
	if spec.Config != nil {
		for _, k := range spec.Config.Keys() {
			if _, ok := def.Key(k.Name); !ok {
				def.Define(k)
			}
		}
	}
	return def, spec.Name, nil
}

// PluginConfig implements api.Herder: a connector's keys (the framework's
// and its own), or a transformation's or predicate's options.
func (h *Herder) PluginConfig(ctx context.Context, class string) ([]api.ConfigKeyInfo, error) {
	def, _, err := h.pluginDef(ctx, class)
	if err != nil {
		p, ok := transforms.Lookup(transforms.Plugins(), class)
		if !ok {
			return nil, err
		}
		def = p.Config
	}
	var out []api.ConfigKeyInfo
	for i, k := range def.Keys() {
		out = append(out, api.KeyInfo(k, "", i+1))
	}
	return out, nil
}

// Validate implements api.Herder: the keys' own checks, then everything the
// worker checks before it accepts a connector (the connector's Validate,
// transforms and predicates, converters), each problem under its property;
// properties outside the definitions (transforms.a.type, …) get an entry
// of their own, as Kafka adds the transforms' keys to the answer.
func (h *Herder) Validate(ctx context.Context, class string, config map[string]string) (api.ConfigInfos, error) {
	def, name, err := h.pluginDef(ctx, class)
	if err != nil {
		return api.ConfigInfos{}, api.Errorf(api.ErrBadRequest, "Unknown connector class %s", class)
	}
	ci := api.Validation(name, "Common", def, config)
	_, verr := h.worker.ValidateConnector(ctx, config)
	var ce *runtime.ConfigError
	if !errors.As(verr, &ce) {
		return ci, nil
	}
	index := map[string]int{}
	for i, c := range ci.Configs {
		index[c.Definition.Name] = i
	}
	for _, prop := range ce.Properties() {
		if prop == "" {
			continue
		}
		i, ok := index[prop]
		if !ok {
			group := "Common"
			if strings.HasPrefix(prop, "transforms.") || strings.HasPrefix(prop, "predicates.") {
				group = "Transforms"
				if !slices.Contains(ci.Groups, group) {
					ci.Groups = append(ci.Groups, group)
				}
			}
			k := api.KeyInfo(sdk.Key{Name: prop, Type: sdk.String, Importance: sdk.High}, group, len(ci.Configs)+1)
			v := api.ConfigValueInfo{Name: prop, RecommendedValues: []string{}, Errors: []string{}, Visible: true}
			if s, ok := config[prop]; ok {
				v.Value = &s
			}
			ci.Configs = append(ci.Configs, api.ConfigInfo{Definition: k, Value: v})
			i = len(ci.Configs) - 1
			index[prop] = i
		}
		for _, msg := range ce.Problems[prop] {
			if !slices.Contains(ci.Configs[i].Value.Errors, msg) {
				ci.Configs[i].Value.Errors = append(ci.Configs[i].Value.Errors, msg)
				ci.ErrorCount++
			}
		}
	}
	return ci, nil
}

// Worker implements api.Herder, answered by the tick loop.
func (h *Herder) Worker(ctx context.Context) (api.WorkerState, error) {
	select {
	case <-h.started:
	default:
		return api.WorkerState{WorkerID: h.cfg.WorkerID, Rebalancing: true,
			Details: "The worker is creating or reading its internal topics."}, nil
	}
	return call(ctx, h, func(t *tick) (api.WorkerState, error) {
		reb, _ := h.rebalanceState()
		ws := api.WorkerState{Ready: t.ready, WorkerID: h.cfg.WorkerID, KafkaClusterID: h.clusterID, LeaderURL: t.leaderURL, IsLeader: t.leader && t.ready,
			Rebalancing: reb, Generation: t.generation}
		if !t.ready {
			ws.Details = "The worker is joining its group."
		}
		return ws, nil
	})
}

// Starts counts the task starts of this worker (a restart after a failure
// inside a run is not counted: it is the same assignment).
func (h *Herder) Starts() int64 { return h.starts.Load() }

// runningTasks counts the task goroutines this worker runs now.
func (h *Herder) runningTasks() int {
	n, _ := call(context.Background(), h, func(t *tick) (int, error) { return len(t.running), nil })
	return n
}

// urlOf is the REST URL of the worker with id workerID (its advertised
// host:port), with this worker's scheme: a cluster serves one scheme.
func (h *Herder) urlOf(workerID string) string {
	scheme, _, _ := strings.Cut(h.cfg.URL, "://")
	return scheme + "://" + workerID
}
