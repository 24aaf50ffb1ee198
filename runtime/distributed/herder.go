package distributed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/cluster"
)

// Options configure a Herder.
type Options struct {
	Config  *Config
	Plugins runtime.Plugins
	// PluginClasses lists the connector classes GET /connector-plugins
	// shows (runtime.Plugins cannot enumerate).
	PluginClasses []string
	// ClientOpts are extra franz-go options for every client (TLS, SASL).
	ClientOpts []kgo.Opt
	Logger     *slog.Logger
}

// Herder is a distributed worker: it joins the group, runs what the leader
// assigns it and answers api.Herder. Its state (assignment, running
// tasks, leader) is owned by the tick goroutine started by Run; REST calls
// reach it through the bounded requests channel.
type Herder struct {
	cfg     *Config
	plugins runtime.Plugins
	classes []string
	copts   []kgo.Opt
	logger  *slog.Logger
	worker  *runtime.Worker
	http    *http.Client // to other workers' REST APIs
	// bg holds goroutines the tick loop starts (task configs sent to the
	// leader); they end with Run's ctx and Run waits for them.
	bg sync.WaitGroup

	// Set by Run before the tick loop starts; safe to read afterwards.
	configs *cluster.ConfigStore
	offsets *cluster.OffsetStore
	status  *cluster.StatusStore
	admin   *kadm.Client // sink connectors' consumer groups

	clusterID string // set by Run before started closes
	// crashed (tests) makes Run end as a killed process would: no
	// LeaveGroup, no last statuses; the group notices at session timeout.
	crashed bool
	// partitioned (tests) makes every group request of the member fail
	// as if the coordinator were unreachable.
	partitioned atomic.Bool

	requests   chan func(*tick) // bounded: a full queue makes REST calls wait
	rebalances chan *rebalanced
	changed    chan struct{} // cap 1: the configs topic changed
	started    chan struct{} // closed when the tick loop serves requests
	member     *member       // set by Run before started closes
	statuses   *statusWriter
	starts     atomic.Int64 // task starts, for tests and metrics
	metrics    *herderMetrics

	// rebalanceWait bounds how long a write waits for a rebalance to
	// settle before it answers 409 (tests shorten it).
	rebalanceWait atomic.Int64 // a time.Duration

	mu struct {
		sync.Mutex
		rebalancing bool
		settled     chan struct{} // closed when rebalancing turns false
		// restarts are restart requests read from the configs topic and
		// not yet handled by the tick loop; a newer one for the same
		// connector replaces an older one, as in Kafka's herder.
		restarts map[string]cluster.RestartRequest
	}
}

// New checks opts and builds the worker that runs tasks.
func New(opts Options) (*Herder, error) {
	if opts.Config == nil || opts.Plugins == nil {
		return nil, errors.New("distributed: Options need Config and Plugins")
	}
	h := &Herder{
		cfg: opts.Config, plugins: opts.Plugins, classes: opts.PluginClasses, copts: opts.ClientOpts, logger: opts.Logger,
		requests: make(chan func(*tick), 16), rebalances: make(chan *rebalanced),
		changed: make(chan struct{}, 1), started: make(chan struct{}),
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	h.statuses = newStatusWriter(h)
	hc, err := opts.Config.HTTPClient(0)
	if err != nil {
		return nil, err
	}
	h.http = hc
	ro := runtime.Options{
		Config: opts.Config.Worker, Plugins: opts.Plugins, Offsets: lazyOffsets{h}, Logger: h.logger,
		ProgressInterval: -1, OnTaskStatus: h.statuses.taskChanged,
	}
	if opts.Config.TopicTracking {
		ro.OnActiveTopic = h.statuses.activeTopic
	}
	w, err := runtime.NewWorker(ro)
	if err != nil {
		return nil, err
	}
	h.worker = w
	h.metrics = newHerderMetrics(w.Registry())
	h.mu.rebalancing, h.mu.settled = true, make(chan struct{})
	h.rebalanceWait.Store(int64(defaultRebalanceWait))
	return h, nil
}

// RuntimeWorker returns the runtime.Worker that runs this herder's tasks (counts).
func (h *Herder) RuntimeWorker() *runtime.Worker { return h.worker }

// defaultRebalanceWait is how long a write waits for a rebalance to settle.
const defaultRebalanceWait = 15 * time.Second

func (h *Herder) setRebalancing(v bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if v == h.mu.rebalancing {
		return
	}
	h.mu.rebalancing = v
	if v {
		h.mu.settled = make(chan struct{})
	} else {
		close(h.mu.settled)
	}
}

// rebalanceState tells whether a rebalance is under way and returns the
// channel closed when it settles.
func (h *Herder) rebalanceState() (bool, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mu.rebalancing, h.mu.settled
}

// Run creates or checks the internal topics, opens the stores, joins the
// group and serves until ctx ends; then it stops its tasks, writes their
// last statuses, leaves the group and closes the stores.
func (h *Herder) Run(ctx context.Context) error {
	seeds := h.cfg.Worker.BootstrapServers
	opts := append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, h.copts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("distributed: client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	h.admin = adm
	if md, err := adm.BrokerMetadata(ctx); err == nil {
		h.clusterID = md.Cluster
	}
	for _, spec := range []cluster.TopicSpec{
		{Name: h.cfg.ConfigTopic, Purpose: "configs", Partitions: cluster.ConfigPartitions, ReplicationFactor: h.cfg.ConfigReplication, OnePartition: true},
		{Name: h.cfg.OffsetTopic, Purpose: "offsets", Partitions: h.cfg.OffsetPartitions, ReplicationFactor: h.cfg.OffsetReplication},
		{Name: h.cfg.StatusTopic, Purpose: "status", Partitions: h.cfg.StatusPartitions, ReplicationFactor: h.cfg.StatusReplication},
	} {
		if err := cluster.EnsureTopic(ctx, adm, spec); err != nil {
			return fmt.Errorf("distributed: %w", err)
		}
	}
	lc := func(topic string) cluster.LogConfig {
		return cluster.LogConfig{Seeds: seeds, Topic: topic, Opts: h.copts, Logger: h.logger}
	}
	if h.offsets, err = cluster.OpenOffsetStore(ctx, lc(h.cfg.OffsetTopic), 30*time.Second); err != nil {
		return fmt.Errorf("distributed: %w", err)
	}
	defer h.offsets.Close()
	if h.status, err = cluster.OpenStatusStore(ctx, lc(h.cfg.StatusTopic)); err != nil {
		return fmt.Errorf("distributed: %w", err)
	}
	defer h.status.Close()
	if h.configs, err = cluster.OpenConfigStore(ctx, lc(h.cfg.ConfigTopic), h.configChanged); err != nil {
		return fmt.Errorf("distributed: %w", err)
	}
	defer h.configs.Close()

	var wg sync.WaitGroup
	defer wg.Wait()
	writerCtx, stopWriter := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWriter()
	wg.Go(func() { h.statuses.run(writerCtx) })

	// The member outlives ctx until the tasks are stopped, so it leaves
	// the group only when nothing of its assignment still runs.
	memberCtx, stopMember := context.WithCancel(context.WithoutCancel(ctx))
	m := newMember(h, cl)
	h.member = m
	memberDone := make(chan struct{})
	go func() { defer close(memberDone); m.run(memberCtx) }()

	t := &tick{h: h, m: m, running: map[cluster.TaskID]*runningTask{}, computed: map[string]computedFor{}, shown: map[string]cluster.State{},
		sendFailures: map[string]int{}, retries: map[string]int{}, snap: h.configs.Snapshot()}
	close(h.started)
	t.loop(ctx)
	h.bg.Wait()
	// Stop the work before leaving, so the next owner never overlaps.
	if h.crashed {
		stopWriter()
	}
	t.stopAll()
	stopMember()
	<-memberDone
	if h.crashed {
		return nil
	}
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	h.statuses.flush(flushCtx)
	cancel()
	return nil
}

// configChanged runs on the config store's tail goroutine: it only flags
// (and queues restart requests).
func (h *Herder) configChanged(ch cluster.ConfigChange) {
	if ch.Kind == cluster.RestartRequested {
		h.mu.Lock()
		if h.mu.restarts == nil {
			h.mu.restarts = map[string]cluster.RestartRequest{}
		}
		h.mu.restarts[ch.Connector] = ch.Restart
		h.mu.Unlock()
	}
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// takeRestarts takes the queued restart requests.
func (h *Herder) takeRestarts() map[string]cluster.RestartRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.mu.restarts
	h.mu.restarts = nil
	return r
}

// call runs f on the tick goroutine and waits for it.
func call[T any](ctx context.Context, h *Herder, f func(*tick) (T, error)) (T, error) {
	var zero T
	select {
	case <-h.started:
	case <-ctx.Done():
		return zero, api.Errorf(api.ErrStarting, "The worker is still starting")
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	select {
	case h.requests <- func(t *tick) { v, err := f(t); done <- result{v, err} }:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// lazyOffsets hands the runtime the offset store opened by Run.
type lazyOffsets struct{ h *Herder }

func (l lazyOffsets) Load(connector string) ([]sdk.SourceOffset, error) {
	return l.h.offsets.Load(connector)
}
func (l lazyOffsets) Save(connector string, offs []sdk.SourceOffset) error {
	return l.h.offsets.Save(connector, offs)
}
