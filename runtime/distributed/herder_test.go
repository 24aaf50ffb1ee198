package distributed

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/broker/brokertest"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
	"github.com/sluicehq/sluice/runtime"
)

const waitTimeout = 60 * time.Second

func startBroker(t *testing.T) string {
	t.Helper()
	return brokertest.Start(t, "group.min.session.timeout.ms", "1000")
}

// source emits "0","1",… forever-ish per task with offsets {"pos": n}.
type source struct{}

func (source) Spec() sdk.Spec {
	return sdk.Spec{Name: "counting-source", Kind: sdk.Source, Config: sdk.NewConfigDef().
		Define(sdk.Key{Name: "topic", Type: sdk.String, Required: true})}
}
func (source) Validate(context.Context, map[string]string) map[string][]string { return nil }
func (source) TaskConfigs(_ context.Context, cfg map[string]string, n int) ([]map[string]string, error) {
	out := make([]map[string]string, n)
	for i := range out {
		out[i] = cfg
	}
	return out, nil
}
func (source) NewTask() sdk.SourceTask { return &sourceTask{} }

type sourceTask struct {
	fail  bool
	topic string
	task  int64
	pos   int64
}

func (s *sourceTask) Configure(_ context.Context, cfg map[string]string) error {
	s.topic, s.fail = cfg["topic"], cfg["fail"] == "always"
	s.task, _ = strconv.ParseInt(cfg["task.id"], 10, 64)
	return nil
}
func (s *sourceTask) Open(_ context.Context, committed []sdk.SourceOffset) error {
	for _, o := range committed {
		if o.Partition["task"] == s.task {
			s.pos, _ = o.Offset["pos"].(int64)
		}
	}
	return nil
}
func (s *sourceTask) Read(ctx context.Context) ([]record.Record, error) {
	if s.fail {
		return nil, errors.New("injected failure")
	}
	if s.pos >= 100 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	var recs []record.Record
	for range 10 {
		recs = append(recs, record.Record{Topic: s.topic, Partition: -1, Value: strconv.FormatInt(s.pos, 10),
			SourcePartition: map[string]any{"task": s.task}, SourceOffset: map[string]any{"pos": s.pos + 1}})
		s.pos++
	}
	return recs, nil
}
func (s *sourceTask) Commit(context.Context, []sdk.SourceOffset) error { return nil }
func (s *sourceTask) Stop(context.Context) error                       { return nil }

type node struct {
	*Herder
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned err
	err    error
}

func startWorker(t *testing.T, addr, port string) *node {
	t.Helper()
	return startWorkerWith(t, addr, port, nil)
}

// startWorkerWith starts a worker on addr advertising 127.0.0.1:port; ready
// (when set) is called once the herder exists, before Run.
func startWorkerWith(t *testing.T, addr, port string, ready func(*Herder), extra ...string) *node {
	t.Helper()
	props := map[string]string{
		"bootstrap.servers": addr, "group.id": "g1",
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
		"listeners":       "http://127.0.0.1:" + port, "offset.storage.partitions": "3", "status.storage.partitions": "2",
		"scheduled.rebalance.max.delay.ms": "1000", "heartbeat.interval.ms": "100", "session.timeout.ms": "6000",
		"task.restart.backoff.initial.ms": "10", "task.restart.backoff.max.ms": "100",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		props[extra[i]] = extra[i+1]
	}
	cfg, _, err := ParseConfig(props)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Config: cfg, Plugins: runtime.NewInProcess(source{}, secretSource{}, trackedSource{}, memSink{}), PluginClasses: []string{"counting-source"}})
	if err != nil {
		t.Fatal(err)
	}
	if ready != nil {
		ready(h)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{Herder: h, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(n.done); n.err = h.Run(ctx) }()
	t.Cleanup(n.stop)
	return n
}

func (n *node) stop() {
	n.cancel()
	<-n.done
}

func (n *node) stopCheck(t *testing.T) {
	t.Helper()
	n.stop()
	if n.err != nil {
		t.Fatalf("Run: %v", n.err)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func ready(n *node) func() bool {
	return func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		ws, err := n.Worker(ctx)
		return err == nil && ws.Ready && !ws.Rebalancing
	}
}

func states(n *node, name string) (string, map[string]int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st, err := n.ConnectorStatus(ctx, name)
	if err != nil {
		return err.Error(), nil
	}
	byWorker := map[string]int{}
	for _, ts := range st.Tasks {
		if ts.State == api.StateRunning {
			byWorker[ts.WorkerID]++
		}
	}
	return st.Connector.State, byWorker
}

func running(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func connConfig(name string, tasks int) map[string]string {
	return map[string]string{"name": name, "connector.class": "counting-source", "tasks.max": strconv.Itoa(tasks), "topic": "out-" + name}
}

func TestOneWorker(t *testing.T) {
	addr := startBroker(t)
	w := startWorker(t, addr, "18083")
	eventually(t, "worker ready", ready(w))
	ctx := context.Background()
	if _, err := w.CreateConnector(ctx, "c1", connConfig("c1", 2), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.CreateConnector(ctx, "c1", connConfig("c1", 2), ""); !errors.Is(err, api.ErrAlreadyExists) {
		t.Fatalf("duplicate: %v", err)
	}
	eventually(t, "2 tasks running", func() bool { s, m := states(w, "c1"); return s == api.StateRunning && running(m) == 2 })
	// Records arrive.
	cl, _ := kgo.NewClient(kgo.SeedBrokers(addr))
	defer cl.Close()
	eventually(t, "200 records", func() bool {
		ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, "out-c1")
		if err != nil {
			return false
		}
		var n int64
		ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
		return n == 200
	})
	eventually(t, "offsets", func() bool {
		o, err := w.Offsets(ctx, "c1")
		return err == nil && len(o.Offsets) == 2 && fmt.Sprint(o.Offsets[0].Offset["pos"]) == "100"
	})
	if _, err := w.ResetOffsets(ctx, "c1"); !errors.Is(err, api.ErrConnectorNotStopped) {
		t.Fatalf("reset while running: %v", err)
	}
	if err := w.PauseConnector(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "paused", func() bool {
		st, err := w.ConnectorStatus(ctx, "c1")
		return err == nil && st.Connector.State == api.StatePaused && len(st.Tasks) == 2 && st.Tasks[0].State == api.StatePaused && st.Tasks[1].State == api.StatePaused
	})
	if err := w.ResumeConnector(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "resumed", func() bool { s, m := states(w, "c1"); return s == api.StateRunning && running(m) == 2 })
	if err := w.StopConnector(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "stopped", func() bool {
		st, err := w.ConnectorStatus(ctx, "c1")
		return err == nil && st.Connector.State == api.StateStopped && len(st.Tasks) == 0
	})
	if _, err := w.ResetOffsets(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if o, _ := w.Offsets(ctx, "c1"); len(o.Offsets) != 0 {
		t.Fatalf("offsets after reset: %v", o)
	}
	if err := w.DeleteConnector(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ConnectorInfo(ctx, "c1"); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestTwoWorkers(t *testing.T) {
	addr := startBroker(t)
	w1 := startWorker(t, addr, "18084")
	eventually(t, "w1 ready", ready(w1))
	ctx := context.Background()
	if _, err := w1.CreateConnector(ctx, "c", connConfig("c", 4), ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 tasks on w1", func() bool { _, m := states(w1, "c"); return m["127.0.0.1:18084"] == 4 })
	startsBefore := w1.Starts()

	w2 := startWorker(t, addr, "18085")
	eventually(t, "tasks balanced 2/2", func() bool {
		_, m := states(w1, "c")
		return m["127.0.0.1:18084"] == 2 && m["127.0.0.1:18085"] == 2
	})
	if got := w2.Starts(); got != 2 {
		t.Fatalf("w2 started %d tasks, want 2", got)
	}
	if got := w1.Starts(); got != startsBefore {
		t.Fatalf("w1 restarted tasks it kept: %d starts, had %d", got, startsBefore)
	}
	// A write on the follower names the leader.
	_, err := w2.CreateConnector(ctx, "d", connConfig("d", 1), "")
	var nl *api.NotLeaderError
	if !errors.As(err, &nl) || nl.LeaderURL != "http://127.0.0.1:18084" {
		t.Fatalf("follower write: %v", err)
	}
	// w2 leaves: its tasks move back to w1 after the delay.
	w2.stopCheck(t)
	eventually(t, "4 tasks on w1 again", func() bool { _, m := states(w1, "c"); return m["127.0.0.1:18084"] == 4 })
}

func TestFailedTaskReported(t *testing.T) {
	addr := startBroker(t)
	w := startWorker(t, addr, "18086")
	eventually(t, "worker ready", ready(w))
	ctx := context.Background()
	cfg := connConfig("bad", 1)
	cfg["fail"] = "always"
	if _, err := w.CreateConnector(ctx, "bad", cfg, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "task FAILED", func() bool {
		st, err := w.TaskStatus(ctx, api.TaskID{Connector: "bad", Task: 0})
		return err == nil && st.State == api.StateFailed && st.WorkerID == "127.0.0.1:18086" && strings.Contains(st.Trace, "injected failure")
	})
	// Supervise keeps restarting it; a restart request is accepted.
	if err := w.RestartTask(ctx, api.TaskID{Connector: "bad", Task: 0}); err != nil {
		t.Fatal(err)
	}
	if err := w.RestartTask(ctx, api.TaskID{Connector: "bad", Task: 7}); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
}

func TestCreateInvalidAndInitialState(t *testing.T) {
	addr := startBroker(t)
	w := startWorker(t, addr, "18087")
	eventually(t, "worker ready", ready(w))
	ctx := context.Background()
	_, err := w.CreateConnector(ctx, "x", map[string]string{"name": "x", "connector.class": "counting-source"}, "")
	if !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "topic") {
		t.Fatalf("missing topic: %v", err)
	}
	if names, _ := w.Connectors(ctx); len(names) != 0 {
		t.Fatalf("invalid create left %v", names)
	}
	if _, err := w.CreateConnector(ctx, "s", connConfig("s", 1), api.TargetStopped); err != nil {
		t.Fatal(err)
	}
	eventually(t, "created STOPPED", func() bool {
		st, err := w.ConnectorStatus(ctx, "s")
		return err == nil && st.Connector.State == api.StateStopped && len(st.Tasks) == 0
	})
	alter := []api.ConnectorOffset{{Partition: map[string]any{"task": int64(0)}, Offset: map[string]any{"pos": int64(42)}}}
	if _, err := w.AlterOffsets(ctx, "s", alter); err != nil {
		t.Fatal(err)
	}
	o, err := w.Offsets(ctx, "s")
	if err != nil || len(o.Offsets) != 1 || fmt.Sprint(o.Offsets[0].Offset["pos"]) != "42" {
		t.Fatalf("offsets after alter: %v %v", o, err)
	}
	ws, err := w.Worker(ctx)
	if err != nil || !ws.IsLeader || ws.LeaderURL != "http://127.0.0.1:18087" || ws.KafkaClusterID == "" {
		t.Fatalf("worker state: %+v %v", ws, err)
	}
	plugins, _ := w.Plugins(ctx, true)
	if len(plugins) != 1 || plugins[0].Type != api.PluginSource {
		t.Fatalf("plugins: %v", plugins)
	}
	infos, err := w.Validate(ctx, "counting-source", map[string]string{"connector.class": "counting-source", "name": "v"})
	if err != nil || infos.ErrorCount == 0 {
		t.Fatalf("validate without topic: %+v %v", infos, err)
	}
}
