// Package cluster tests distributed `sluice worker` processes sharing work
// over a broker's group protocol: three workers survive the SIGKILL of one,
// adding a worker moves tasks without restarting the ones that keep their
// owner. The kill test also runs against franz-go's kfake as the cluster.
package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"io"
	"net/http"
	"regexp"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/client"
	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

// brokerKind selects the cluster the workers run against.
type brokerKind string

const (
	sluiceBroker brokerKind = "sluice"
	kfakeBroker  brokerKind = "kfake"
)

func sluiceBin(tb testing.TB) string {
	if bin := os.Getenv("SLUICE_WORKER_BIN"); bin != "" {
		return bin
	}
	bin, err := buildOnce("./cmd/sluice", "sluice")
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

var builds sync.Map // pkg -> *buildResult

type buildResult struct {
	once sync.Once
	path string
	err  error
}

func buildOnce(pkg, name string) (string, error) {
	v, _ := builds.LoadOrStore(pkg, &buildResult{})
	r := v.(*buildResult)
	r.once.Do(func() { r.path, r.err = brokerproc.Build(pkg, name) })
	return r.path, r.err
}

func freeAddr(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startBroker starts the cluster the workers use and returns its address.
func startBroker(tb testing.TB, kind brokerKind) string {
	var bin string
	switch kind {
	case kfakeBroker:
		var err error
		if bin, err = buildOnce(brokerproc.KfakePackage, "kfakeserver"); err != nil {
			tb.Fatal(err)
		}
	default:
		bin = sluiceBin(tb)
	}
	b := brokerproc.StartT(tb, brokerproc.Options{Bin: bin, DataDir: filepath.Join(tb.TempDir(), "broker")})
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("broker log tail:\n%s", b.LogTail())
		}
	})
	return b.Addr
}

// worker is one `sluice worker` process.
type worker struct {
	ID      string // its REST host:port, which is also its worker id
	C       *client.Client
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

func (w *worker) alive() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// kill SIGKILLs the worker and waits for it to be gone.
func (w *worker) kill() {
	w.cmd.Process.Kill()
	<-w.exited
}

// stop SIGTERMs the worker, then SIGKILLs it after a deadline.
func (w *worker) stop(tb testing.TB) {
	if !w.alive() {
		return
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(15 * time.Second):
		tb.Errorf("worker %s did not stop within 15s of SIGTERM; killing it", w.ID)
		w.kill()
	}
}

func (w *worker) logTail() string {
	data, _ := os.ReadFile(w.logPath)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

type workerProps struct {
	maxDelayMs, sessionMs, heartbeatMs int
}

var testProps = workerProps{maxDelayMs: 3000, sessionMs: 6000, heartbeatMs: 1000}

// startWorker starts a worker and waits until its REST API answers healthy.
func startWorker(tb testing.TB, ctx context.Context, bootstrap, group string, p workerProps) *worker {
	tb.Helper()
	dir := tb.TempDir()
	props := filepath.Join(dir, "worker.properties")
	var sb strings.Builder
	if p.maxDelayMs >= 0 {
		fmt.Fprintf(&sb, "scheduled.rebalance.max.delay.ms=%d\n", p.maxDelayMs)
	}
	fmt.Fprintf(&sb, "session.timeout.ms=%d\nheartbeat.interval.ms=%d\noffset.flush.interval.ms=500\n", p.sessionMs, p.heartbeatMs)
	if err := os.WriteFile(props, []byte(sb.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	rest := freeAddr(tb)
	logPath := filepath.Join(dir, "worker.log")
	logf, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(sluiceBin(tb), "worker", "--bootstrap", bootstrap, "--group-id", group, "--rest", rest, "--log-level", "info", props)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	w := &worker{ID: rest, C: client.New("http://" + rest), logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(w.exited) }()
	tb.Cleanup(func() {
		w.stop(tb)
		if tb.Failed() {
			tb.Logf("worker %s log tail:\n%s", w.ID, w.logTail())
		}
	})
	poll(tb, ctx, "worker "+rest+" healthy", func() bool {
		if !w.alive() {
			tb.Fatalf("worker %s exited:\n%s", rest, w.logTail())
		}
		h, err := w.C.Health(ctx)
		return err == nil && h.Status == "healthy"
	})
	return w
}

func poll(tb testing.TB, ctx context.Context, what string, cond func() bool) {
	tb.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			tb.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// createDatagen creates n rate-limited DatagenSource connectors with
// tasksMax tasks each, named gen0…, through c.
func createDatagen(tb testing.TB, ctx context.Context, c *client.Client, n, tasksMax int) []string {
	var names []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("gen%d", i)
		req := api.CreateConnectorRequest{Name: name, Config: map[string]string{
			"connector.class": "DatagenSource", "topic": "t-" + name, "schema": "users",
			"tasks.max": fmt.Sprint(tasksMax), "records.per.second": "40", "count": "100000000",
		}}
		poll(tb, ctx, "create connector "+name, func() bool {
			_, err := c.CreateConnector(ctx, req)
			if err != nil && !strings.Contains(err.Error(), "409") {
				tb.Logf("create %s: %v", name, err)
			}
			return err == nil || strings.Contains(strings.ToLower(err.Error()), "already exists")
		})
		names = append(names, name)
	}
	return names
}

// taskKey names a task as NAME-ID.
type taskKey string

// placement maps every task to its worker, from one worker's
// GET /connectors?expand=status; ok is false unless every connector and
// task is RUNNING (and each connector has want tasks).
func placement(ctx context.Context, c *client.Client, names []string, want int) (map[taskKey]string, bool) {
	exp, err := c.ConnectorsExpanded(ctx, true, false)
	if err != nil {
		return nil, false
	}
	out := map[taskKey]string{}
	ok := true
	for _, name := range names {
		e, found := exp[name]
		if !found || e.Status == nil {
			return nil, false
		}
		if e.Status.Connector.State != "RUNNING" || len(e.Status.Tasks) != want {
			ok = false
		}
		for _, ts := range e.Status.Tasks {
			out[taskKey(fmt.Sprintf("%s-%d", name, ts.ID))] = ts.WorkerID
			if ts.State != "RUNNING" {
				ok = false
			}
		}
	}
	return out, ok
}

func workersOf(p map[taskKey]string) map[string]int {
	n := map[string]int{}
	for _, w := range p {
		n[w]++
	}
	return n
}

func onlyOn(p map[taskKey]string, ws []*worker) bool {
	allowed := map[string]bool{}
	for _, w := range ws {
		allowed[w.ID] = true
	}
	for _, id := range p {
		if !allowed[id] {
			return false
		}
	}
	return true
}

func equalPlacement(a, b map[taskKey]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// offsetWatch samples GET /connectors/{name}/offsets and records any source
// offset that moves backwards between samples.
type offsetWatch struct {
	mu          sync.Mutex
	last        map[string]float64 // connector/partition -> seq
	samples     int
	regressions []string
	stop        chan struct{}
	done        chan struct{}
}

func watchOffsets(ctx context.Context, names []string, clients func() []*client.Client) *offsetWatch {
	o := &offsetWatch{last: map[string]float64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, c := range clients() {
				for _, name := range names {
					qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
					offs, err := c.Offsets(qctx, name)
					cancel()
					if err != nil {
						continue // 409 during a rebalance, or a dead worker
					}
					o.observe(name, offs)
				}
			}
			select {
			case <-o.stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return o
}

func (o *offsetWatch) observe(name string, offs api.ConnectorOffsets) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.samples++
	for _, off := range offs.Offsets {
		pk, _ := json.Marshal(off.Partition)
		key := name + string(pk)
		seq, ok := off.Offset["seq"].(float64)
		if !ok {
			o.regressions = append(o.regressions, fmt.Sprintf("%s: offset %v has no numeric seq", key, off.Offset))
			continue
		}
		if prev, seen := o.last[key]; seen && seq < prev {
			o.regressions = append(o.regressions, fmt.Sprintf("%s: seq went back from %v to %v", key, prev, seq))
		}
		if seq > o.last[key] {
			o.last[key] = seq
		}
	}
}

func (o *offsetWatch) snapshot() map[string]float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := make(map[string]float64, len(o.last))
	for k, v := range o.last {
		m[k] = v
	}
	return m
}

func (o *offsetWatch) finish() (samples int, regressions []string) {
	close(o.stop)
	<-o.done
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.samples, o.regressions
}

func TestThreeWorkersSurviveAKill(t *testing.T) { threeWorkersSurviveAKill(t, sluiceBroker) }

// TestThreeWorkersSurviveAKillKfake is the same test against franz-go's
// kfake as the cluster: nothing in the workers depends on Sluice-only
// broker behaviour. kfake expires a member whose JoinGroup waits longer
// than its session timeout; the worker keeps heartbeating while it waits,
// and stops its work when the group has not confirmed its membership for
// scheduled.rebalance.max.delay.ms (KAFKA-9184), so no task runs twice.
func TestThreeWorkersSurviveAKillKfake(t *testing.T) { threeWorkersSurviveAKill(t, kfakeBroker) }

func threeWorkersSurviveAKill(t *testing.T, kind brokerKind) {
	const connectors, tasksMax = 3, 4
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	bootstrap := startBroker(t, kind)
	ws := []*worker{
		startWorker(t, ctx, bootstrap, "survive", testProps),
		startWorker(t, ctx, bootstrap, "survive", testProps),
		startWorker(t, ctx, bootstrap, "survive", testProps),
	}
	checkInternalTopics(t, ctx, bootstrap)
	names := createDatagen(t, ctx, ws[0].C, connectors, tasksMax)

	var before map[taskKey]string
	poll(t, ctx, "all 12 tasks RUNNING spread over 3 workers", func() bool {
		p, ok := placement(ctx, ws[0].C, names, tasksMax)
		before = p
		return ok && len(p) == connectors*tasksMax && len(workersOf(p)) == 3 && onlyOn(p, ws)
	})
	t.Logf("before the kill: %v", workersOf(before))

	var (
		mu       sync.Mutex
		watchers = ws
	)
	watch := watchOffsets(ctx, names, func() []*client.Client {
		mu.Lock()
		defer mu.Unlock()
		var cs []*client.Client
		for _, w := range watchers {
			cs = append(cs, w.C)
		}
		return cs
	})
	// Offsets have been committed by every task before the kill.
	poll(t, ctx, "committed offsets for all 12 tasks", func() bool { return len(watch.snapshot()) == connectors*tasksMax })
	preKill := watch.snapshot()

	victim, survivors := ws[2], ws[:2]
	mu.Lock()
	watchers = survivors
	mu.Unlock()
	victim.kill()
	killed := time.Now()

	limit := time.Duration(testProps.sessionMs+testProps.maxDelayMs)*time.Millisecond + 12*time.Second
	rctx, rcancel := context.WithTimeout(ctx, limit)
	defer rcancel()
	var after map[taskKey]string
	poll(t, rctx, fmt.Sprintf("all 12 tasks RUNNING on the two survivors within %v of the kill", limit), func() bool {
		p0, ok0 := placement(rctx, survivors[0].C, names, tasksMax)
		p1, ok1 := placement(rctx, survivors[1].C, names, tasksMax)
		after = p0
		return ok0 && ok1 && len(p0) == connectors*tasksMax && onlyOn(p0, survivors) && equalPlacement(p0, p1)
	})
	t.Logf("all tasks RUNNING on the survivors %.1fs after the SIGKILL: %v", time.Since(killed).Seconds(), workersOf(after))
	if n := workersOf(after); n[survivors[0].ID] == 0 || n[survivors[1].ID] == 0 {
		t.Errorf("tasks not spread over both survivors: %v (placement before %v, after %v)", n, before, after)
	}

	// No task runs on two workers: each survivor's task state gauge shows
	// RUNNING for exactly the tasks the status answer places on it.
	poll(t, ctx, "each survivor's /metrics RUNNING tasks to match the placement (no task running twice)", func() bool {
		seen := map[taskKey]int{}
		for _, w := range survivors {
			running, err := metricsRunning(ctx, w)
			if err != nil {
				return false
			}
			for k := range running {
				seen[k]++
				if after[k] != w.ID {
					t.Logf("task %s RUNNING in the metrics of %s but placed on %s", k, w.ID, after[k])
					return false
				}
			}
		}
		return len(seen) == connectors*tasksMax
	})

	// The moved tasks resume from their committed offsets and make progress.
	poll(t, ctx, "every task's offset past its pre-kill sample", func() bool {
		now := watch.snapshot()
		for k, v := range preKill {
			if now[k] <= v {
				return false
			}
		}
		return true
	})
	samples, regressions := watch.finish()
	t.Logf("%d offset samples", samples)
	for _, r := range regressions {
		t.Errorf("source offset moved backwards: %s", r)
	}
}

// statusLog consumes the connect-status topic from the start.
type statusLog struct {
	mu      sync.Mutex
	records []statusRecord
	cl      *kgo.Client
}

type statusRecord struct {
	Key      string
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Gen      int    `json:"generation"`
}

func consumeStatus(tb testing.TB, bootstrap string) *statusLog {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumeTopics("connect-status"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		tb.Fatal(err)
	}
	s := &statusLog{cl: cl}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				if r.Value == nil {
					return
				}
				var sr statusRecord
				if json.Unmarshal(r.Value, &sr) != nil {
					return
				}
				sr.Key = string(r.Key)
				s.mu.Lock()
				s.records = append(s.records, sr)
				s.mu.Unlock()
			})
		}
	}()
	tb.Cleanup(func() { cancel(); <-done; cl.Close() })
	return s
}

func (s *statusLog) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// runningStarts counts RUNNING records per task (status-task-NAME-N) from
// record index from on.
func (s *statusLog) runningStarts(from int) map[taskKey][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[taskKey][]string{}
	for _, r := range s.records[from:] {
		if r.State == "RUNNING" && strings.HasPrefix(r.Key, "status-task-") {
			k := taskKey(strings.TrimPrefix(r.Key, "status-task-"))
			out[k] = append(out[k], r.WorkerID)
		}
	}
	return out
}

// settle waits until no status record has arrived for quiet.
func (s *statusLog) settle(tb testing.TB, ctx context.Context, quiet time.Duration) {
	n, since := s.len(), time.Now()
	poll(tb, ctx, "the status topic to go quiet", func() bool {
		if m := s.len(); m != n {
			n, since = m, time.Now()
		}
		return time.Since(since) >= quiet
	})
}

// addWorkerResult is what adding a worker did.
type addWorkerResult struct {
	kept, moved, keptRestarted, movedStarts int
	restarted                               []string
}

func addAWorker(tb testing.TB, kind brokerKind, initial int, p workerProps) addWorkerResult {
	const connectors, tasksMax = 3, 4
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	bootstrap := startBroker(tb, kind)
	var ws []*worker
	for i := 0; i < initial; i++ {
		ws = append(ws, startWorker(tb, ctx, bootstrap, "grow", p))
	}
	names := createDatagen(tb, ctx, ws[0].C, connectors, tasksMax)
	var before map[taskKey]string
	poll(tb, ctx, fmt.Sprintf("all 12 tasks RUNNING over %d workers", initial), func() bool {
		p, ok := placement(ctx, ws[0].C, names, tasksMax)
		before = p
		return ok && len(p) == connectors*tasksMax && len(workersOf(p)) == initial && onlyOn(p, ws)
	})
	status := consumeStatus(tb, bootstrap)
	status.settle(tb, ctx, 1500*time.Millisecond)
	mark := status.len()
	if starts := status.runningStarts(0); len(starts) != connectors*tasksMax {
		tb.Fatalf("connect-status has RUNNING records for %d tasks, want %d", len(starts), connectors*tasksMax)
	}

	added := startWorker(tb, ctx, bootstrap, "grow", p)
	ws = append(ws, added)
	var after map[taskKey]string
	poll(tb, ctx, "tasks RUNNING on the new worker too", func() bool {
		p, ok := placement(ctx, ws[0].C, names, tasksMax)
		after = p
		return ok && len(p) == connectors*tasksMax && workersOf(p)[added.ID] > 0 && onlyOn(p, ws)
	})
	status.settle(tb, ctx, 2*time.Second)
	// Re-read the placement after settling; it must still be all RUNNING.
	poll(tb, ctx, "all tasks RUNNING after the rebalance settled", func() bool {
		p, ok := placement(ctx, ws[0].C, names, tasksMax)
		after = p
		return ok
	})
	tb.Logf("before: %v; after: %v", workersOf(before), workersOf(after))

	var r addWorkerResult
	starts := status.runningStarts(mark)
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, ks := range keys {
		k := taskKey(ks)
		if after[k] == before[k] {
			r.kept++
			if n := len(starts[k]); n > 0 {
				r.keptRestarted++
				r.restarted = append(r.restarted, fmt.Sprintf("%s (on %s, %d new RUNNING records: %v)", k, after[k], n, starts[k]))
			}
		} else {
			r.moved++
			r.movedStarts += len(starts[k])
			if got := starts[k]; len(got) == 0 || got[len(got)-1] != after[k] {
				tb.Errorf("task %s moved %s -> %s but its last new RUNNING record is %v", k, before[k], after[k], got)
			}
		}
	}
	return r
}

func TestAddingAWorkerKeepsTasks(t *testing.T) {
	r := addAWorker(t, sluiceBroker, 2, testProps)
	t.Logf("adding a third worker: %d tasks kept their owner (%d restarted), %d moved to the new worker (%d RUNNING records)",
		r.kept, r.keptRestarted, r.moved, r.movedStarts)
	if r.moved == 0 {
		t.Errorf("no task moved to the new worker")
	}
	for _, s := range r.restarted {
		t.Errorf("task restarted though it kept its owner: %s", s)
	}
}

// BenchmarkWorkerFailover measures the time from the SIGKILL of a worker to
// all of its tasks RUNNING elsewhere, with scheduled.rebalance.max.delay.ms
// at 0 and at its default, and the task restarts caused by adding a worker.
func BenchmarkWorkerFailover(b *testing.B) {
	for _, tc := range []struct {
		name  string
		delay int // -1: the default
	}{{"delay=0", 0}, {"delay=default", -1}} {
		b.Run(tc.name, func(b *testing.B) {
			p := workerProps{maxDelayMs: tc.delay, sessionMs: 6000, heartbeatMs: 1000}
			var total time.Duration
			for i := 0; i < b.N; i++ {
				total += failoverOnce(b, p)
			}
			secs := total.Seconds() / float64(b.N)
			fmt.Printf("worker failover %s: %.1f s\n", tc.name, secs)
			b.ReportMetric(secs, "s/failover")
		})
	}
	b.Run("add-worker", func(b *testing.B) {
		// The timer runs on so that one slow iteration ends the run (b.N=1).
		var r addWorkerResult
		for i := 0; i < b.N; i++ {
			r = addAWorker(b, sluiceBroker, 2, testProps)
		}
		fmt.Printf("adding a worker: %d task restarts among %d tasks that kept their owner; %d tasks moved\n", r.keptRestarted, r.kept, r.moved)
		b.ReportMetric(float64(r.keptRestarted), "restarts-of-kept-tasks")
		b.ReportMetric(float64(r.moved), "moved-tasks")
	})
}

func failoverOnce(b *testing.B, p workerProps) time.Duration {
	b.StopTimer()
	const connectors, tasksMax = 2, 3
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	bootstrap := startBroker(b, sluiceBroker)
	ws := []*worker{
		startWorker(b, ctx, bootstrap, "bench", p),
		startWorker(b, ctx, bootstrap, "bench", p),
		startWorker(b, ctx, bootstrap, "bench", p),
	}
	names := createDatagen(b, ctx, ws[0].C, connectors, tasksMax)
	poll(b, ctx, "all tasks RUNNING over 3 workers", func() bool {
		pl, ok := placement(ctx, ws[0].C, names, tasksMax)
		return ok && len(pl) == connectors*tasksMax && len(workersOf(pl)) == 3 && onlyOn(pl, ws)
	})
	b.StartTimer()
	ws[2].kill()
	start := time.Now()
	poll(b, ctx, "all tasks RUNNING on the survivors", func() bool {
		pl, ok := placement(ctx, ws[0].C, names, tasksMax)
		return ok && len(pl) == connectors*tasksMax && onlyOn(pl, ws[:2])
	})
	d := time.Since(start)
	b.StopTimer()
	for _, w := range ws[:2] {
		w.stop(b)
	}
	return d
}

// checkInternalTopics asserts that the workers created the internal topics
// compacted, with Kafka Connect's partition counts.
func checkInternalTopics(tb testing.TB, ctx context.Context, bootstrap string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	want := map[string]int{"connect-configs": 1, "connect-offsets": 25, "connect-status": 5}
	details, err := adm.ListTopics(ctx, "connect-configs", "connect-offsets", "connect-status")
	if err != nil {
		tb.Fatalf("list internal topics: %v", err)
	}
	for name, parts := range want {
		d, ok := details[name]
		if !ok || d.Err != nil {
			tb.Errorf("internal topic %s missing: %v", name, d.Err)
			continue
		}
		if len(d.Partitions) != parts {
			tb.Errorf("internal topic %s has %d partitions, want %d", name, len(d.Partitions), parts)
		}
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, "connect-configs", "connect-offsets", "connect-status")
	if err != nil {
		tb.Fatalf("describe internal topic configs: %v", err)
	}
	for _, rc := range rcs {
		policy := ""
		for _, c := range rc.Configs {
			if c.Key == "cleanup.policy" {
				policy = c.MaybeValue()
			}
		}
		if policy != "compact" {
			tb.Errorf("internal topic %s: cleanup.policy=%q, want compact", rc.Name, policy)
		}
	}
}

var taskStateLine = regexp.MustCompile(`^sluice_connect_task_state\{(.*)\} 1$`)
var labelPair = regexp.MustCompile(`(\w+)="([^"]*)"`)

// metricsRunning reads the tasks a worker's /metrics shows RUNNING.
func metricsRunning(ctx context.Context, w *worker) (map[taskKey]bool, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+w.ID+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	out := map[taskKey]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		m := taskStateLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, lp := range labelPair.FindAllStringSubmatch(m[1], -1) {
			labels[lp[1]] = lp[2]
		}
		if labels["state"] == "RUNNING" {
			out[taskKey(labels["connector"]+"-"+labels["task"])] = true
		}
	}
	return out, nil
}
