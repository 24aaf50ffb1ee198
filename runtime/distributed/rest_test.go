package distributed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/client"
)

// restWorker is a worker with its REST API served on a real listener.
type restWorker struct {
	*node
	url string
	cl  *client.Client
}

// twoRESTWorkers starts two REST workers, the second once the first is
// ready (w0 leads), and returns once both are.
func twoRESTWorkers(t *testing.T, addr string) (w0, w1 *restWorker) {
	t.Helper()
	w0 = startRESTWorker(t, addr)
	eventually(t, "w0 ready", ready(w0.node))
	w1 = startRESTWorker(t, addr)
	eventually(t, "w1 ready", ready(w1.node))
	return w0, w1
}

func startRESTWorker(t *testing.T, addr string, setup ...func(*Herder)) *restWorker {
	t.Helper()
	return startRESTWorkerProps(t, addr, nil, setup...)
}

// startRESTWorkerProps starts a worker with extra properties (name, value
// pairs; "listeners" takes a %s for the port) serving its REST API with
// the options its config gives (TLS, auth, forwarding client).
func startRESTWorkerProps(t *testing.T, addr string, extra []string, setup ...func(*Herder)) *restWorker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	extra = slices.Clone(extra)
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i] == "listeners" {
			extra[i+1] = fmt.Sprintf(extra[i+1], port)
		}
	}
	var srv *api.Server
	n := startWorkerWith(t, addr, port, func(h *Herder) {
		for _, f := range setup {
			f(h)
		}
		opts := api.Options{Herder: h}
		if err := h.cfg.RESTOptions(&opts); err != nil {
			t.Fatal(err)
		}
		if srv, err = api.New(opts); err != nil {
			t.Fatal(err)
		}
	}, extra...)
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()); <-served })
	return &restWorker{node: n, url: n.cfg.URL, cl: client.New(n.cfg.URL)}
}

// placement maps worker id → RUNNING tasks, over every connector, as one
// worker's REST API reports it.
func placement(w *restWorker) (map[string]int, map[string]client.Expanded) {
	ctx := context.Background()
	all, err := w.cl.ConnectorsExpanded(ctx, true, false)
	if err != nil {
		return nil, nil
	}
	out := map[string]int{}
	for _, e := range all {
		if e.Status == nil {
			continue
		}
		for _, ts := range e.Status.Tasks {
			if ts.State == api.StateRunning {
				out[ts.WorkerID]++
			}
		}
	}
	return out, all
}

func balanced(p map[string]int, workers, total int) bool {
	if len(p) != workers {
		return false
	}
	sum, lo, hi := 0, total, 0
	for _, v := range p {
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	return sum == total && hi-lo <= 1
}

// TestThreeWorkersREST: three workers share 3 connectors × 4 tasks created
// on a follower (forwarded to the leader); one leaves and its tasks run on
// the others after the delay; a fourth joins and takes tasks without a
// restart of any task that keeps its owner; every worker's REST API agrees.
func TestThreeWorkersREST(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	w := []*restWorker{startRESTWorker(t, addr)}
	eventually(t, "w0 ready", ready(w[0].node))
	w = append(w, startRESTWorker(t, addr), startRESTWorker(t, addr))
	eventually(t, "all ready", func() bool { return ready(w[1].node)() && ready(w[2].node)() && ready(w[0].node)() })

	for i, name := range []string{"a", "b", "c"} {
		_, err := w[1+i%2].cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: name, Config: connConfig(name, 4)})
		if err != nil {
			t.Fatalf("create %s through a follower: %v", name, err)
		}
	}
	eventually(t, "12 tasks spread 4/4/4", func() bool { p, _ := placement(w[0]); return balanced(p, 3, 12) })
	eventually(t, "all workers agree", func() bool {
		_, a := placement(w[0])
		_, b := placement(w[1])
		_, c := placement(w[2])
		return a != nil && reflect.DeepEqual(a, b) && reflect.DeepEqual(a, c)
	})

	// A write to a follower's REST API is forwarded and applied.
	if err := w[2].cl.PauseConnector(ctx, "c"); err != nil {
		t.Fatalf("pause through a follower: %v", err)
	}
	if err := w[2].cl.ResumeConnector(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "12 running again", func() bool { p, _ := placement(w[0]); return balanced(p, 3, 12) })

	// Worker 2 leaves: its 4 tasks run on workers 0 and 1 after the delay.
	w[2].stopCheck(t)
	eventually(t, "12 tasks on 2 workers", func() bool { p, _ := placement(w[0]); return balanced(p, 2, 12) })

	// A fourth worker joins: tasks move to it, none of the kept ones restarts.
	before := []int64{w[0].Starts(), w[1].Starts()}
	w3 := startRESTWorker(t, addr)
	eventually(t, "12 tasks on 3 workers", func() bool { p, _ := placement(w[0]); return balanced(p, 3, 12) })
	if got := []int64{w[0].Starts(), w[1].Starts()}; !reflect.DeepEqual(got, before) {
		t.Fatalf("task starts of the kept workers moved from %v to %v", before, got)
	}
	p, _ := placement(w[0])
	if int(w3.Starts()) != p[w3.cfg.WorkerID] {
		t.Fatalf("new worker started %d tasks, runs %d", w3.Starts(), p[w3.cfg.WorkerID])
	}
	var ce *client.Error
	if _, err := w3.cl.Connector(ctx, "nope"); !errors.As(err, &ce) || ce.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown connector: %v", err)
	}
}

// TestCrashedWorkerTasksMove: a worker that vanishes without leaving the
// group (as after SIGKILL) loses its tasks once the coordinator expires its
// session and the assignor's delay passes; they then run on the survivor.
func TestCrashedWorkerTasksMove(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	w0 := startRESTWorker(t, addr)
	eventually(t, "w0 ready", ready(w0.node))
	w1 := startRESTWorker(t, addr, func(h *Herder) { h.crashed = true })
	eventually(t, "w1 ready", ready(w1.node))
	if _, err := w0.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: "k", Config: connConfig("k", 4)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 tasks on 2 workers", func() bool { p, _ := placement(w0); return balanced(p, 2, 4) })
	w1.stopCheck(t)
	eventually(t, "4 tasks on w0", func() bool { p, _ := placement(w0); return p[w0.cfg.WorkerID] == 4 })
}

// TestRestartOnEveryOwner: POST /connectors/{name}/restart?includeTasks=true
// on any worker restarts the tasks on every worker that runs them (a
// restart request in the configs topic, as Kafka's), and a task restart
// sent to a worker that does not run the task reaches its owner.
func TestRestartOnEveryOwner(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	w0, w1 := twoRESTWorkers(t, addr)
	if _, err := w1.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: "r", Config: connConfig("r", 4)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 tasks on 2 workers", func() bool { p, _ := placement(w0); return balanced(p, 2, 4) })
	before := []int64{w0.Starts(), w1.Starts()}

	// Only failed ones: none is, nothing restarts.
	st, err := w1.cl.RestartConnector(ctx, "r", true, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range st.Tasks {
		if ts.State != api.StateRunning {
			t.Errorf("onlyFailed answer marks task %d %s", ts.ID, ts.State)
		}
	}
	st, err = w1.cl.RestartConnector(ctx, "r", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Connector.State != api.StateRestarting || len(st.Tasks) != 4 || st.Tasks[3].State != api.StateRestarting {
		t.Errorf("restart answer %+v", st)
	}
	eventually(t, "both workers restarted their 2 tasks", func() bool {
		return w0.Starts() == before[0]+2 && w1.Starts() == before[1]+2
	})
	eventually(t, "4 tasks RUNNING again", func() bool { p, _ := placement(w0); return balanced(p, 2, 4) })

	// A task restart sent to the worker that does not run the task.
	_, all := placement(w0)
	var task int
	var owner, other *restWorker = w0, w1
	for _, ts := range all["r"].Status.Tasks {
		if ts.WorkerID == w1.cfg.WorkerID {
			task, owner, other = ts.ID, w1, w0
			break
		}
	}
	before = []int64{owner.Starts(), other.Starts()}
	if err := other.cl.RestartTask(ctx, "r", task); err != nil {
		t.Fatalf("restart task %d through the worker that does not run it: %v", task, err)
	}
	eventually(t, "the owner restarted the task", func() bool { return owner.Starts() == before[0]+1 })
	if other.Starts() != before[1] {
		t.Errorf("the other worker started tasks")
	}
}

// TestActiveTopics: the topics a connector's tasks produce to are recorded
// in the status topic (KIP-558) and listed by GET /connectors/{name}/topics
// on every worker; PUT …/topics/reset forgets them while the connector
// runs; with topic.tracking.enable=false both answer 403.
func TestActiveTopics(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	w0, w1 := twoRESTWorkers(t, addr)
	if _, err := w0.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: "at", Config: connConfig("at", 1)}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*restWorker{w0, w1} {
		eventually(t, "topics on "+w.cfg.WorkerID, func() bool {
			topics, err := w.cl.ActiveTopics(ctx, "at")
			return err == nil && reflect.DeepEqual(topics, []string{"out-at"})
		})
	}
	if err := w1.cl.ResetActiveTopics(ctx, "at"); err != nil {
		t.Fatal(err)
	}
	if topics, err := w0.cl.ActiveTopics(ctx, "at"); err != nil || len(topics) != 0 {
		t.Fatalf("after reset: %v %v", topics, err)
	}
	var ce *client.Error
	if _, err := w0.cl.ActiveTopics(ctx, "nope"); !errors.As(err, &ce) || ce.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown connector: %v", err)
	}

	off := startRESTWorkerProps(t, addr, []string{"topic.tracking.enable", "false"})
	eventually(t, "off ready", ready(off.node))
	if _, err := off.cl.ActiveTopics(ctx, "at"); !errors.As(err, &ce) || ce.StatusCode != http.StatusForbidden || ce.Message != "Topic tracking is disabled." {
		t.Fatalf("tracking disabled: %v", err)
	}
}
