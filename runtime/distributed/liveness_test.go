package distributed

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// live counts the running instances of each tracked task across every
// worker of a test (they share the process), and remembers any moment two
// ran at once.
var live struct {
	sync.Mutex
	running map[string]int
	overlap []string
}

// trackedSource is a source whose tasks report their lifetime to live and
// whose Stop takes "stop.ms" milliseconds (a slow plugin).
type trackedSource struct{}

func (trackedSource) Spec() sdk.Spec {
	return sdk.Spec{Name: "tracked-source", Kind: sdk.Source, Config: sdk.NewConfigDef().
		Define(sdk.Key{Name: "topic", Type: sdk.String, Required: true}).
		Define(sdk.Key{Name: "stop.ms", Type: sdk.Int, Default: "0"})}
}
func (trackedSource) Validate(context.Context, map[string]string) map[string][]string { return nil }
func (trackedSource) TaskConfigs(_ context.Context, cfg map[string]string, n int) ([]map[string]string, error) {
	return source{}.TaskConfigs(context.Background(), cfg, n)
}
func (trackedSource) NewTask() sdk.SourceTask { return &trackedTask{} }

type trackedTask struct {
	key    string
	topic  string
	stopMs int
}

func (t *trackedTask) Configure(_ context.Context, cfg map[string]string) error {
	t.key, t.topic = cfg["name"]+"-"+cfg["task.id"], cfg["topic"]
	t.stopMs, _ = strconv.Atoi(cfg["stop.ms"])
	return nil
}
func (t *trackedTask) Open(context.Context, []sdk.SourceOffset) error {
	live.Lock()
	defer live.Unlock()
	if live.running == nil {
		live.running = map[string]int{}
	}
	live.running[t.key]++
	if live.running[t.key] > 1 {
		live.overlap = append(live.overlap, fmt.Sprintf("%s at %s", t.key, time.Now().Format(time.StampMilli)))
	}
	return nil
}
func (t *trackedTask) Read(ctx context.Context) ([]record.Record, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (t *trackedTask) Commit(context.Context, []sdk.SourceOffset) error { return nil }
func (t *trackedTask) Stop(ctx context.Context) error {
	if t.stopMs > 0 {
		timer := time.NewTimer(time.Duration(t.stopMs) * time.Millisecond) // a slow plugin, not a wait for a condition
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
		}
	}
	live.Lock()
	live.running[t.key]--
	live.Unlock()
	return nil
}

func liveCount(key string) int {
	live.Lock()
	defer live.Unlock()
	return live.running[key]
}

func overlaps() []string {
	live.Lock()
	defer live.Unlock()
	return append([]string(nil), live.overlap...)
}

func trackedConfig(name string, tasks, stopMs int) map[string]string {
	return map[string]string{"name": name, "connector.class": "tracked-source", "tasks.max": strconv.Itoa(tasks),
		"topic": "out-" + name, "stop.ms": strconv.Itoa(stopMs)}
}

// TestLostMembershipStopsWork: a worker cut off from the coordinator
// stops its tasks once its membership went unconfirmed for
// scheduled.rebalance.max.delay.ms, before the leader gives them to the
// other worker, so no task ever runs twice; when the partition heals it
// rejoins and takes a share again.
func TestLostMembershipStopsWork(t *testing.T) {
	addr := startBroker(t)
	w0, w1 := twoRESTWorkers(t, addr)
	id0, id1 := w0.cfg.WorkerID, w1.cfg.WorkerID
	ctx := context.Background()
	if _, err := w0.CreateConnector(ctx, "lost", trackedConfig("lost", 4, 0), ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 tasks over 2 workers", func() bool {
		_, m := states(w0.node, "lost")
		return m[id0] == 2 && m[id1] == 2
	})
	onW1 := func() []string {
		st, _ := w0.ConnectorStatus(ctx, "lost")
		var keys []string
		for _, ts := range st.Tasks {
			if ts.WorkerID == id1 {
				keys = append(keys, fmt.Sprintf("lost-%d", ts.ID))
			}
		}
		return keys
	}
	moved := onW1()
	w1.partitioned.Store(true)
	cut := time.Now()
	eventually(t, "w1 stops its tasks", func() bool { return w1.runningTasks() == 0 })
	stopped := time.Since(cut)
	eventually(t, "all 4 tasks RUNNING on w0", func() bool {
		s, m := states(w0.node, "lost")
		return s == api.StateRunning && m[id0] == 4
	})
	for _, k := range moved {
		if n := liveCount(k); n != 1 {
			t.Errorf("task %s has %d live instances", k, n)
		}
	}
	if o := overlaps(); len(o) > 0 {
		t.Fatalf("tasks ran on two workers at once: %v", o)
	}
	t.Logf("w1 stopped its tasks %.1fs after the partition (max delay %v)", stopped.Seconds(), w1.cfg.MaxDelay)
	if stopped < w1.cfg.MaxDelay {
		t.Errorf("w1 stopped its tasks after %v, before the max delay %v", stopped, w1.cfg.MaxDelay)
	}

	w1.partitioned.Store(false)
	eventually(t, "w1 back with a share", func() bool {
		_, m := states(w0.node, "lost")
		return m[id0] == 2 && m[id1] == 2
	})
	if o := overlaps(); len(o) > 0 {
		t.Fatalf("tasks ran on two workers at once: %v", o)
	}
}

// TestSlowStopKeepsMembership: revoking tasks whose Stop takes longer
// than the session timeout does not cost the worker its membership: it
// heartbeats while they stop.
func TestSlowStopKeepsMembership(t *testing.T) {
	addr := startBroker(t)
	session := []string{"session.timeout.ms", "2000"}
	w0 := startRESTWorkerProps(t, addr, session)
	eventually(t, "w0 ready", ready(w0.node))
	id0 := w0.cfg.WorkerID
	ctx := context.Background()
	stopMs := 3500 // longer than the session, shorter than the task shutdown timeout
	if _, err := w0.CreateConnector(ctx, "slow", trackedConfig("slow", 4, stopMs), ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 tasks on w0", func() bool { _, m := states(w0.node, "slow"); return m[id0] == 4 })
	member0, _ := w0.member.ids()
	w1 := startRESTWorkerProps(t, addr, session)
	eventually(t, "tasks balanced 2/2", func() bool {
		_, m := states(w0.node, "slow")
		return m[id0] == 2 && m[w1.cfg.WorkerID] == 2
	})
	if id, _ := w0.member.ids(); id != member0 {
		t.Errorf("w0 lost its membership while its revoked tasks stopped: member id %q, then %q", member0, id)
	}
	if o := overlaps(); len(o) > 0 {
		t.Fatalf("tasks ran on two workers at once: %v", o)
	}
}
