package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/runtime/offsets"
)

// Options configure a Worker.
type Options struct {
	Config  *WorkerConfig
	Plugins Plugins
	// Offsets stores source offsets; nil opens Config.OffsetFile.
	Offsets offsets.Store
	// Converters builds key and value converters; nil: DefaultConverters.
	Converters ConverterFactory
	Logger     *slog.Logger
	// ProgressInterval is how often a progress line is logged per
	// connector: 0 means 5s, negative means never.
	ProgressInterval time.Duration
	// OnTaskStatus, when set, is called after every change of a task's
	// status (a distributed herder writes it to the status topic). It runs
	// on the task's goroutine and must not block.
	OnTaskStatus func(TaskStatus)
	// OnActiveTopic, when set, is called the first time a task produces to
	// or consumes from a topic (KIP-558 active topics); it may be called
	// again for the same pair and must not block.
	OnActiveTopic func(task TaskID, topic string)
}

// Worker runs connectors' tasks in this process: the standalone herder.
type Worker struct {
	cfg        *WorkerConfig
	plugins    Plugins
	offsets    offsets.Store
	converters ConverterFactory
	logger     *slog.Logger
	progress   time.Duration
	onStatus   func(TaskStatus)
	onTopic    func(task TaskID, topic string)
	metrics    *metrics

	mu struct {
		sync.Mutex
		stats  map[string]*connectorStats
		status map[TaskID]*TaskStatus
	}
}

// connectorStats counts one connector's records: read from the source or
// the topics, and written to the broker (acknowledged) or to the sink.
type connectorStats struct {
	read    atomic.Int64
	written atomic.Int64
	errant  atomic.Int64
}

// State of a task, with Kafka Connect's names.
type State string

const (
	Unassigned State = "UNASSIGNED"
	Running    State = "RUNNING"
	Failed     State = "FAILED"
)

// TaskStatus is what the worker knows about one task.
type TaskStatus struct {
	ID       TaskID
	State    State
	Trace    string // why it failed
	Restarts int    // starts after the first
}

// NewWorker checks opts and opens the offset store.
func NewWorker(opts Options) (*Worker, error) {
	if opts.Config == nil || opts.Plugins == nil {
		return nil, errors.New("runtime: Options need Config and Plugins")
	}
	if opts.Converters == nil {
		opts.Converters = DefaultConverters
	}
	w := &Worker{cfg: opts.Config, plugins: opts.Plugins, offsets: opts.Offsets, converters: opts.Converters, logger: opts.Logger, progress: opts.ProgressInterval, onStatus: opts.OnTaskStatus, onTopic: opts.OnActiveTopic, metrics: newMetrics()}
	if w.logger == nil {
		w.logger = slog.New(slog.DiscardHandler)
	}
	if w.progress == 0 {
		w.progress = 5 * time.Second
	}
	if w.offsets == nil {
		f, err := offsets.OpenFile(opts.Config.OffsetFile)
		if err != nil {
			return nil, err
		}
		w.offsets = f
	}
	w.mu.stats = map[string]*connectorStats{}
	w.mu.status = map[TaskID]*TaskStatus{}
	return w, nil
}

// activeTopic reports that task uses topic.
func (w *Worker) activeTopic(task TaskID, topic string) {
	if w.onTopic != nil {
		w.onTopic(task, topic)
	}
}

func (w *Worker) stats(connector string) *connectorStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.mu.stats[connector]
	if !ok {
		s = &connectorStats{}
		w.mu.stats[connector] = s
	}
	return s
}

// Counts returns the records a connector read and wrote so far.
func (w *Worker) Counts(connector string) (read, written int64) {
	s := w.stats(connector)
	return s.read.Load(), s.written.Load()
}

// Status returns the status of the connector's tasks, by task number.
func (w *Worker) Status(connector string) []TaskStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []TaskStatus
	for id, s := range w.mu.status {
		if id.Connector == connector {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b TaskStatus) int { return a.ID.Task - b.ID.Task })
	return out
}

func (w *Worker) setStatus(id TaskID, state State, trace string, restart bool) {
	w.mu.Lock()
	s, ok := w.mu.status[id]
	if !ok {
		s = &TaskStatus{ID: id}
		w.mu.status[id] = s
	}
	s.State, s.Trace = state, trace
	if restart {
		s.Restarts++
	}
	cp := *s
	w.mu.Unlock()
	w.metrics.setState(id, state)
	if w.onStatus != nil {
		w.onStatus(cp)
	}
}

// ValidateConnector checks a connector configuration: the worker's keys,
// the connector's ConfigDef and its own Validate. It returns a *ConfigError
// naming every problem.
func (w *Worker) ValidateConnector(ctx context.Context, props map[string]string) (*ConnectorConfig, error) {
	p := problems{}
	what := "connector config"
	if n := props[NameConfig]; n != "" {
		what = fmt.Sprintf("connector config %q", n)
	}
	// Placeholders (${env:…}, ${file:…}) are checked with their values
	// where this worker can resolve them; Props keeps them.
	raw := props
	props = resolveLenient(props)
	class := props[ConnectorClassConfig]
	var spec sdk.Spec
	if class != "" {
		c, err := w.plugins.Connector(ctx, class)
		if err != nil {
			p.add(ConnectorClassConfig, "%v", err)
		} else {
			defer c.Close(context.WithoutCancel(ctx))
			spec = c.Spec()
			p.merge(c.Validate(ctx, props))
		}
	}
	cc := checkConnectorConfig(props, spec, w.cfg, p)
	cc.Props = raw
	if _, err := w.converters(cc.KeyConverter, true, cc.KeyConverterProps); err != nil {
		p.add(KeyConverterConfig, "%v", err)
	}
	if _, err := w.converters(cc.ValueConverter, false, cc.ValueConverterProps); err != nil {
		p.add(ValueConverterConfig, "%v", err)
	}
	if err := p.err(what); err != nil {
		return nil, err
	}
	return cc, nil
}

// Run starts every connector's tasks and returns when ctx is cancelled and
// the tasks stopped. A failing task is restarted with backoff; Run itself
// fails only when a connector cannot be started (its task configs).
func (w *Worker) Run(ctx context.Context, conns []*ConnectorConfig) error {
	type planned struct {
		conn *ConnectorConfig
		id   TaskID
		cfg  map[string]string
	}
	var plan []planned
	for _, c := range conns {
		h, err := w.plugins.Connector(ctx, c.Class)
		if err != nil {
			return fmt.Errorf("connector %s: %w", c.Name, err)
		}
		resolved, err := ResolveConfig(c.Props)
		if err != nil {
			h.Close(context.WithoutCancel(ctx))
			return fmt.Errorf("connector %s: %w", c.Name, err)
		}
		cfgs, err := h.TaskConfigs(ctx, resolved, c.TasksMax)
		h.Close(context.WithoutCancel(ctx))
		if err != nil {
			return fmt.Errorf("connector %s: task configs: %w", c.Name, err)
		}
		cfgs = RestorePlaceholders(c.Props, resolved, cfgs)
		if len(cfgs) > c.TasksMax {
			return fmt.Errorf("connector %s: %d task configs for tasks.max=%d", c.Name, len(cfgs), c.TasksMax)
		}
		w.logger.Info("connector started", "connector", c.Name, "class", c.Spec.Name, "kind", c.Spec.Kind.String(), "tasks", len(cfgs))
		for i, tc := range cfgs {
			tc = maps.Clone(tc)
			tc["task.id"] = strconv.Itoa(i)
			plan = append(plan, planned{conn: c, id: TaskID{Connector: c.Name, Task: i}, cfg: tc})
		}
	}
	var wg sync.WaitGroup
	for _, p := range plan {
		w.setStatus(p.id, Unassigned, "", false)
		wg.Go(func() { w.superviseTask(ctx, p.conn, p.id, p.cfg) })
	}
	if w.progress > 0 {
		wg.Go(func() { w.logProgress(ctx, conns) })
	}
	wg.Wait()
	return nil
}

// logProgress logs each connector's counts every progress interval.
func (w *Worker) logProgress(ctx context.Context, conns []*ConnectorConfig) {
	t := time.NewTicker(w.progress)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, c := range conns {
			s := w.stats(c.Name)
			w.logger.Info("progress", "connector", c.Name, "records_read", s.read.Load(), "records_written", s.written.Load(), "records_errant", s.errant.Load())
		}
	}
}
