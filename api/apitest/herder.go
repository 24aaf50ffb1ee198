// Package apitest provides an in-memory api.Herder for tests of the REST
// server, its client and the CLI, in the spirit of net/http/httptest. It
// keeps Kafka Connect's rules that the REST contract exposes (404 for an
// unknown connector, 409 for a duplicate, offsets changed only when
// STOPPED, invalid configs named by property) but runs nothing: every
// connector is RUNNING on WorkerID unless a test says otherwise.
//
// All state is guarded by Herder.mu; the exported knobs are set through
// methods so tests stay race-free.
package apitest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/plugins/sdk"
)

// WorkerID is the worker every test connector and task runs on.
const WorkerID = "127.0.0.1:8083"

// Plugin classes the test herder knows.
const (
	SourceClass    = "io.sluice.connect.postgres.PostgresSourceConnector"
	SinkClass      = "io.sluice.connect.s3.S3SinkConnector"
	TransformClass = "io.sluice.connect.transforms.InsertField"
)

type plugin struct {
	info api.PluginInfo
	def  *sdk.ConfigDef
}

type connector struct {
	config  map[string]string
	target  api.TargetState
	state   string
	trace   string
	tasks   []api.TaskState
	topics  []string
	offsets []api.ConnectorOffset
}

// Herder is the in-memory herder.
type Herder struct {
	plugins map[string]plugin
	mu      struct {
		sync.Mutex
		connectors  map[string]*connector
		leaderURL   string // non-empty: writes answer NotLeaderError
		noLeader    bool
		rebalancing bool
		starting    bool
		noTracking  bool
		calls       []string
		signals     map[string][]SignalRecord // by topic
	}
}

// SignalRecord is a record Signal "produced".
type SignalRecord struct {
	Key, Value string
}

// sourceDef and sinkDef are the config definitions of the test plugins.
func sourceDef() *sdk.ConfigDef {
	return sdk.NewConfigDef().
		Define(sdk.Key{Name: "database.hostname", Type: sdk.String, Required: true, Importance: sdk.High, Doc: "Host of the Postgres server."}).
		Define(sdk.Key{Name: "database.password", Type: sdk.Password, Required: true, Importance: sdk.High, Doc: "Password of the replication user."}).
		Define(sdk.Key{Name: "slot.name", Type: sdk.String, Default: "sluice", Importance: sdk.Medium, Doc: "Replication slot."})
}

func sinkDef() *sdk.ConfigDef {
	return sdk.NewConfigDef().
		Define(sdk.Key{Name: "s3.bucket", Type: sdk.String, Required: true, Importance: sdk.High, Doc: "Bucket to write to."}).
		Define(sdk.Key{Name: "aws.secret.access.key", Type: sdk.Password, Default: "", Importance: sdk.High, Doc: "AWS secret key."})
}

// NewHerder returns a herder with a source, a sink and a transformation
// plugin installed and no connectors.
func NewHerder() *Herder {
	h := &Herder{plugins: map[string]plugin{
		SourceClass:    {api.PluginInfo{Class: SourceClass, Type: api.PluginSource, Version: "0.1.0"}, sourceDef()},
		SinkClass:      {api.PluginInfo{Class: SinkClass, Type: api.PluginSink, Version: "0.1.0"}, sinkDef()},
		TransformClass: {api.PluginInfo{Class: TransformClass, Type: api.PluginTransformation}, nil},
	}}
	h.mu.connectors = map[string]*connector{}
	return h
}

// SetLeader makes writes answer *api.NotLeaderError{LeaderURL: url}; "" makes
// this herder the leader again.
func (h *Herder) SetLeader(url string) { h.mu.Lock(); h.mu.leaderURL = url; h.mu.Unlock() }

// SetNoLeader makes writes answer a NotLeaderError with no known leader.
func (h *Herder) SetNoLeader(v bool) { h.mu.Lock(); h.mu.noLeader = v; h.mu.Unlock() }

// SetRebalancing makes writes answer ErrRebalanceInProgress.
func (h *Herder) SetRebalancing(v bool) { h.mu.Lock(); h.mu.rebalancing = v; h.mu.Unlock() }

// SetStarting makes the worker report it has not completed startup.
func (h *Herder) SetStarting(v bool) { h.mu.Lock(); h.mu.starting = v; h.mu.Unlock() }

// SetTopicTracking turns topic tracking on (the default) or off.
func (h *Herder) SetTopicTracking(on bool) { h.mu.Lock(); h.mu.noTracking = !on; h.mu.Unlock() }

// FailTask marks a task FAILED with trace.
func (h *Herder) FailTask(name string, task int, trace string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.mu.connectors[name]; ok && task < len(c.tasks) {
		c.tasks[task].State, c.tasks[task].Trace = api.StateFailed, trace
	}
}

// SetTopics records the topics a connector used.
func (h *Herder) SetTopics(name string, topics ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.mu.connectors[name]; ok {
		c.topics = topics
	}
}

// SignalRecords returns the records Signal wrote to topic, in order (the
// offset of each is its index).
func (h *Herder) SignalRecords(topic string) []SignalRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.mu.signals[topic])
}

// Calls returns the writes this herder applied, in order ("create NAME", …).
func (h *Herder) Calls() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.mu.calls)
}

// writeLocked says whether this herder may apply a write now.
func (h *Herder) writeLocked(call string) error {
	switch {
	case h.mu.noLeader:
		return &api.NotLeaderError{}
	case h.mu.leaderURL != "":
		return &api.NotLeaderError{LeaderURL: h.mu.leaderURL}
	case h.mu.rebalancing:
		return api.ErrRebalanceInProgress
	}
	h.mu.calls = append(h.mu.calls, call)
	return nil
}

func (h *Herder) getLocked(name string) (*connector, error) {
	c, ok := h.mu.connectors[name]
	if !ok {
		return nil, api.Errorf(api.ErrNotFound, "Connector %s not found", name)
	}
	return c, nil
}

// plugin finds a plugin by class name, simple name or alias (the simple
// name without "Connector"), as Kafka's plugin registry does.
func (h *Herder) plugin(class string) (plugin, bool) {
	if p, ok := h.plugins[class]; ok {
		return p, true
	}
	for name, p := range h.plugins {
		simple := name[strings.LastIndexByte(name, '.')+1:]
		if class == simple || class+"Connector" == simple {
			return p, true
		}
	}
	return plugin{}, false
}

func (h *Herder) typeOf(config map[string]string) api.ConnectorType {
	if p, ok := h.plugin(config["connector.class"]); ok {
		return api.ConnectorType(p.info.Type)
	}
	return api.TypeUnknown
}

// checkConfig names every problem of config, as Kafka's create does.
func (h *Herder) checkConfig(config map[string]string) error {
	class := config["connector.class"]
	p, ok := h.plugin(class)
	if !ok || p.def == nil {
		return api.Errorf(api.ErrBadRequest, "Connector configuration is invalid and contains the following 1 error(s):\n"+
			"Invalid value %s for configuration connector.class: Class %s could not be found.\n"+
			"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`", class, class)
	}
	problems := p.def.Validate(config)
	if len(problems) == 0 {
		return nil
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(problems)) {
		lines = append(lines, problems[k]...)
	}
	return api.Errorf(api.ErrBadRequest, "Connector configuration is invalid and contains the following %d error(s):\n%s\n"+
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
		len(lines), strings.Join(lines, "\n"))
}

// applyLocked (re)starts a connector with config: tasks.max tasks.
func (h *Herder) applyLocked(name string, config map[string]string, target api.TargetState) *connector {
	c := h.mu.connectors[name]
	if c == nil {
		c = &connector{}
		h.mu.connectors[name] = c
	}
	c.config, c.target = maps.Clone(config), target
	n, err := strconv.Atoi(config["tasks.max"])
	if err != nil || n < 1 {
		n = 1
	}
	c.tasks = nil
	if target != api.TargetStopped {
		for i := range n {
			c.tasks = append(c.tasks, api.TaskState{ID: i, State: string(target), WorkerID: WorkerID})
		}
	}
	c.state, c.trace = string(target), ""
	return c
}

func (h *Herder) infoLocked(name string, c *connector) api.ConnectorInfo {
	tasks := []api.TaskID{}
	for _, t := range c.tasks {
		tasks = append(tasks, api.TaskID{Connector: name, Task: t.ID})
	}
	return api.ConnectorInfo{Name: name, Config: maps.Clone(c.config), Tasks: tasks, Type: h.typeOf(c.config)}
}

func (h *Herder) statusLocked(name string, c *connector) api.ConnectorStateInfo {
	return api.ConnectorStateInfo{
		Name:      name,
		Connector: api.ConnectorState{State: c.state, WorkerID: WorkerID, Trace: c.trace},
		Tasks:     slices.Clone(c.tasks),
		Type:      h.typeOf(c.config),
	}
}
