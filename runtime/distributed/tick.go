package distributed

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/cluster"
)

// tick is the herder state owned by the tick goroutine.
type tick struct {
	h        *Herder
	m        *member
	snap     cluster.ConfigSnapshot
	assigned map[string]int // AssignableTasks at the last reconcile
	owned    cluster.Assignment
	running  map[cluster.TaskID]*runningTask
	// computed remembers, per owned connector, the config and target its
	// task configs were last computed for, so a config change elsewhere
	// does not make every owner ask its plugins again.
	computed map[string]computedFor
	// shown is the last connector status this worker queued, per connector.
	shown map[string]cluster.State
	// sendFailures counts failed sends of task configs to the leader, per
	// connector, for the retry backoff.
	sendFailures map[string]int
	// retries counts failed attempts to compute a connector's task
	// configs, for the retry backoff.
	retries map[string]int

	ready      bool
	generation int32
	leader     bool
	leaderURL  string
}

type computedFor struct {
	props  map[string]string
	target cluster.TargetState
	tasks  int
}

type runningTask struct {
	cfg    map[string]string
	cancel context.CancelFunc
	done   chan struct{}
}

func (t *tick) loop(ctx context.Context) {
	keys := time.NewTicker(min(t.h.cfg.KeyTTL/4, time.Minute))
	defer keys.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keys.C:
			t.ensureSessionKey(ctx)
		case f := <-t.h.requests:
			f(t)
		case ev := <-t.h.rebalances:
			t.apply(ctx, ev)
		case <-t.h.changed:
			t.reconcile(ctx)
		}
	}
}

// apply takes a round's assignment: stop what is revoked, then start
// what is assigned.
func (t *tick) apply(ctx context.Context, ev *rebalanced) {
	defer close(ev.applied)
	if ev.revokeAll {
		t.stopAll()
		t.owned = cluster.Assignment{}
		clear(t.computed)
		clear(t.shown)
		t.leader, t.leaderURL = false, ""
		t.h.logger.Info("membership lost: all connectors and tasks stopped", "generation", t.generation)
		return
	}
	wa := ev.wire
	if t.h.configs.Snapshot().Offset < wa.ConfigOffset {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_ = t.h.configs.ReadToEnd(rctx)
		cancel()
	}
	t.stopTasks(wa.Revoked.Tasks)
	t.owned = union(without(t.owned, wa.Revoked), wa.Assigned)
	for _, c := range wa.Revoked.Connectors {
		delete(t.computed, c)
		delete(t.shown, c)
	}
	t.generation, t.leader, t.leaderURL, t.ready = ev.generation, ev.leader, wa.LeaderURL, true
	t.h.statuses.gen.Store(ev.generation)
	t.h.setRebalancing(false)
	t.h.logger.Info("rebalance applied", "generation", ev.generation, "leader", ev.leader,
		"assigned", len(wa.Assigned.Tasks), "revoked", len(wa.Revoked.Tasks), "delay", wa.Delay)
	t.ensureSessionKey(ctx)
	t.reconcile(ctx)
}

// reconcile drives what this worker owns to the config snapshot.
func (t *tick) reconcile(ctx context.Context) {
	t.snap = t.h.configs.Snapshot()
	if at := t.snap.AssignableTasks(); t.assigned != nil && !maps.Equal(at, t.assigned) {
		select { // the set of work changed: a new round places it
		case t.m.rejoin <- struct{}{}:
		default:
		}
		t.assigned = at
	} else if t.assigned == nil {
		t.assigned = at
	}
	t.restart()
	for _, name := range t.owned.Connectors {
		t.reconcileConnector(ctx, name)
	}
	for id, rt := range t.running {
		if !slices.Contains(t.owned.Tasks, id) {
			t.stopTask(id)
			continue
		}
		if cfg, ok := t.snap.Tasks[id]; !ok || t.snap.TargetStates[id.Connector] != cluster.TargetStarted && t.snap.TargetStates[id.Connector] != "" || !maps.Equal(cfg, rt.cfg) {
			t.stopTask(id)
		}
	}
	for _, id := range t.owned.Tasks {
		if _, ok := t.running[id]; ok {
			continue
		}
		cfg, ok := t.snap.Tasks[id]
		_, exists := t.snap.Connectors[id.Connector]
		switch target := t.snap.TargetStates[id.Connector]; {
		case !exists:
			t.h.statuses.put(id, cluster.StateDestroyed, "")
		case target == cluster.TargetPaused && ok:
			t.h.statuses.put(id, cluster.StatePaused, "")
		case ok && (target == cluster.TargetStarted || target == ""):
			t.startTask(ctx, id, cfg)
		}
	}
}

// restart handles the restart requests read from the configs topic: this
// worker restarts what it runs of each connector (the connector: its task
// configs are computed again; with include-tasks its tasks), only what is
// FAILED with only-failed. What restarts is shown RESTARTING first.
func (t *tick) restart() {
	for name, r := range t.h.takeRestarts() {
		if _, ok := t.snap.Connectors[name]; !ok {
			continue
		}
		if slices.Contains(t.owned.Connectors, name) {
			if st, _ := t.h.status.Connector(name); !r.OnlyFailed || st.State == cluster.StateFailed {
				t.h.statuses.put(cluster.TaskID{Connector: name, Task: -1}, cluster.StateRestarting, "")
				delete(t.computed, name)
				delete(t.shown, name)
			}
		}
		if !r.IncludeTasks {
			continue
		}
		var ids []cluster.TaskID
		for _, id := range t.owned.Tasks {
			if id.Connector != name {
				continue
			}
			if st, ok := t.h.status.Task(id); r.OnlyFailed && (!ok || st.State != cluster.StateFailed) {
				continue
			}
			t.h.statuses.put(id, cluster.StateRestarting, "")
			ids = append(ids, id)
		}
		t.h.logger.Info("restarting on request", "connector", name, "tasks", len(ids), "only_failed", r.OnlyFailed)
		t.stopTasks(ids)
	}
}

// reconcileConnector is the owner's job: status, and task configs that
// match the connector's config and target state.
func (t *tick) reconcileConnector(ctx context.Context, name string) {
	props, ok := t.snap.Connectors[name]
	if !ok {
		if _, was := t.shown[name]; was {
			t.showConnector(name, cluster.StateDestroyed, "")
			delete(t.shown, name)
			delete(t.computed, name)
			t.forgetTopics(ctx, name)
		}
		return
	}
	target := t.snap.TargetStates[name]
	if c, ok := t.computed[name]; ok && c.target == target && maps.Equal(c.props, props) &&
		c.tasks == t.snap.TaskCounts[name] && !slices.Contains(t.snap.Inconsistent, name) {
		return
	}
	failed := false // a failed write is retried on the next reconcile
	defer func() {
		if !failed {
			t.computed[name] = computedFor{props: props, target: target, tasks: t.snap.TaskCounts[name]}
		}
	}()
	switch target {
	case cluster.TargetStopped:
		if t.snap.TaskCounts[name] > 0 {
			failed = !t.writeTasks(ctx, name, nil)
		}
		t.showConnector(name, cluster.StateStopped, "")
		return
	case cluster.TargetPaused:
		t.showConnector(name, cluster.StatePaused, "")
	default:
		t.showConnector(name, cluster.StateRunning, "")
	}
	conn, err := t.h.worker.ValidateConnector(ctx, props)
	if err != nil {
		t.showConnector(name, cluster.StateFailed, err.Error())
		return
	}
	// The connector sees the values of ${env:…} and ${file:…}; the task
	// configs written back get the placeholders again (no secrets stored).
	// A placeholder that does not resolve yet (a file or variable not
	// there yet), a plugin that does not start or fails to split the work
	// may all be transient: the connector shows FAILED and is tried again
	// with backoff, not left until its config changes.
	resolved, err := runtime.ResolveConfig(conn.Props)
	if err != nil {
		failed = true
		t.showConnector(name, cluster.StateFailed, err.Error())
		t.retryLater(name)
		return
	}
	hd, err := t.h.plugins.Connector(ctx, conn.Class)
	if err != nil {
		failed = true
		t.showConnector(name, cluster.StateFailed, err.Error())
		t.retryLater(name)
		return
	}
	cfgs, err := hd.TaskConfigs(ctx, resolved, conn.TasksMax)
	hd.Close(context.WithoutCancel(ctx))
	if err != nil {
		failed = true
		t.showConnector(name, cluster.StateFailed, "task configs: "+err.Error())
		t.retryLater(name)
		return
	}
	delete(t.retries, name)
	cfgs = runtime.RestorePlaceholders(conn.Props, resolved, cfgs)
	if len(cfgs) > conn.TasksMax {
		cfgs = cfgs[:conn.TasksMax]
	}
	if !slices.Contains(t.snap.Inconsistent, name) && slices.EqualFunc(cfgs, t.snap.TaskConfigs(name), maps.Equal) && len(cfgs) == t.snap.TaskCounts[name] {
		delete(t.sendFailures, name)
		return
	}
	failed = !t.writeTasks(ctx, name, cfgs)
}

// retryLater reconciles the connector again after a backoff that doubles
// with each failure, from the task restart backoff up to its maximum.
func (t *tick) retryLater(name string) {
	n := t.retries[name]
	t.retries[name] = n + 1
	lo, hi := t.h.cfg.Worker.RestartBackoffInitial, t.h.cfg.Worker.RestartBackoffMax
	d := min(max(lo, time.Millisecond)<<min(n, 20), max(hi, lo))
	t.h.logger.Info("connector failed; trying again", "connector", name, "attempt", n+1, "backoff", d)
	time.AfterFunc(d, func() { t.h.configChanged(cluster.ConfigChange{}) })
}

// forgetTopics deletes a deleted connector's active topics, as Kafka's
// herder does on deletion.
func (t *tick) forgetTopics(ctx context.Context, name string) {
	for topic := range t.h.status.Topics(name) {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := t.h.status.DeleteTopic(wctx, name, topic)
		cancel()
		if err != nil {
			t.h.logger.Warn("forget active topic failed", "connector", name, "topic", topic, "err", err)
		}
	}
}

// showConnector queues the connector's status when it changed.
func (t *tick) showConnector(name string, st cluster.State, trace string) {
	if t.shown[name] == st && st != cluster.StateFailed {
		return
	}
	t.shown[name] = st
	t.h.statuses.put(cluster.TaskID{Connector: name, Task: -1}, st, trace)
}

// writeTasks writes the connector's task configs: the leader on the
// configs topic, a follower through the leader (sendTasks, whose failure
// brings the connector back here). It reports whether the write was done
// or handed over.
func (t *tick) writeTasks(ctx context.Context, name string, cfgs []map[string]string) bool {
	if !t.leader {
		if t.leaderURL == "" {
			return false
		}
		t.sendTasks(ctx, name, cfgs)
		return true
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := t.h.configs.PutTaskConfigs(wctx, name, cfgs); err != nil {
		t.h.logger.Warn("write task configs failed", "connector", name, "err", err)
		return false
	}
	t.snap = t.h.configs.Snapshot()
	return true
}

func (t *tick) startTask(ctx context.Context, id cluster.TaskID, cfg map[string]string) {
	props := t.snap.Connectors[id.Connector]
	conn, err := t.h.worker.ValidateConnector(ctx, props)
	if err != nil {
		t.h.statuses.put(id, cluster.StateFailed, err.Error())
		return
	}
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rt := &runningTask{cfg: cfg, cancel: cancel, done: make(chan struct{})}
	t.running[id] = rt
	t.h.starts.Add(1)
	go func() {
		defer close(rt.done)
		t.h.worker.RunTask(tctx, conn, runtime.TaskID{Connector: id.Connector, Task: id.Task}, cfg)
	}()
}

// stopTask stops a running task and waits for it (its UNASSIGNED status
// is queued before this returns).
func (t *tick) stopTask(id cluster.TaskID) {
	rt, ok := t.running[id]
	if !ok {
		return
	}
	rt.cancel()
	<-rt.done
	delete(t.running, id)
}

// stopTasks stops tasks together: all are told first, then waited for.
func (t *tick) stopTasks(ids []cluster.TaskID) {
	for _, id := range ids {
		if rt, ok := t.running[id]; ok {
			rt.cancel()
		}
	}
	for _, id := range ids {
		t.stopTask(id)
	}
}

func (t *tick) stopAll() {
	t.stopTasks(slices.Collect(maps.Keys(t.running)))
}
