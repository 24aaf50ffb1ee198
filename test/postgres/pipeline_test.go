package postgres

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/broker/brokertest"
	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/runtime/offsets"
	"github.com/sluicehq/sluice/test/internal/procs"
)

const connectorName = "pgcdc"

// startBroker runs a Sluice broker in this process until the test ends.
func startBroker(t *testing.T) string {
	t.Helper()
	return brokertest.Start(t)
}

// workerProps is the standalone worker's configuration.
func workerProps(bootstrap, offsetsFile string) map[string]string {
	return map[string]string{
		"bootstrap.servers":               bootstrap,
		"key.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":    "false",
		"value.converter":                 "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":  "false",
		"offset.storage.file.filename":    offsetsFile,
		"offset.flush.interval.ms":        "2000",
		"task.restart.backoff.initial.ms": "100",
	}
}

// connectorProps captures public.items of db.
func connectorProps(db string) map[string]string {
	return map[string]string{
		"name":                        connectorName,
		"connector.class":             "PostgresCdcSource",
		"tasks.max":                   "1",
		"database.hostname":           "127.0.0.1",
		"database.port":               "5432",
		"database.user":               "postgres",
		"database.password":           pgtest.Password(),
		"database.dbname":             db,
		"database.sslmode":            "disable",
		"topic.prefix":                "srv",
		"slot.name":                   db,
		"publication.name":            db,
		"publication.autocreate.mode": "filtered",
		"table.include.list":          "public.items",
		"snapshot.mode":               "initial",
		"status.update.interval.ms":   "500",
		"poll.interval.ms":            "100",
	}
}

const topic = "srv.public.items"

func writeProps(t *testing.T, path string, props map[string]string) {
	t.Helper()
	var b strings.Builder
	keys := make([]string, 0, len(props))
	for k := range maps.Keys(props) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// committedLSN is the change LSN of the connector's committed offset in
// the offsets file (0 when none).
func committedLSN(t *testing.T, path string) int64 {
	t.Helper()
	f, err := offsets.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	offs, err := f.Load(connectorName)
	if err != nil {
		t.Fatal(err)
	}
	var lsn int64
	for _, o := range offs {
		if snap, _ := o.Offset["snapshot"].(bool); snap {
			continue
		}
		if l, err := sdk.OffsetInt64(o.Offset["lsn"]); err == nil {
			lsn = max(lsn, l)
		}
	}
	return lsn
}

func newAdmin(t *testing.T, bootstrap string) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// createTopic makes the change topic with three partitions, so per-key
// order is checked across partitions, not only within one log.
func createTopic(t *testing.T, adm *kadm.Client) {
	t.Helper()
	resp, err := adm.CreateTopic(context.Background(), 3, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
}

// records sums the end offsets of the change topic.
func records(adm *kadm.Client) int64 { return endOffset(adm, topic) }

// endOffset sums the end offsets of topic's partitions (0 while it does
// not exist).
func endOffset(adm *kadm.Client, topic string) int64 {
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		return 0
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			n += o.Offset
		}
	})
	return n
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	procs.WaitFor(t, what, timeout, cond)
}

// childPID finds a process started by parent whose command line holds args.
func childPID(parent int, args ...string) int { return procs.ChildPID(parent, args...) }

// load is a database with the captured table and a writer ready to run.
type load struct {
	db      string
	log     *changeLog
	w       *writer
	stop    chan struct{}
	done    chan error
	initial int
}

func newLoad(t *testing.T, initial int) *load {
	db := pgtest.NewDB(t, "sluice_kill")
	conn, err := pgx.Connect(context.Background(), pgtest.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	l := &load{db: db, log: &changeLog{}, initial: initial}
	l.w = loadTable(t, conn, initial, l.log)
	return l
}

func (l *load) start(t *testing.T) {
	l.stop, l.done = make(chan struct{}), make(chan error, 1)
	go func() { l.done <- l.w.run(l.stop) }()
	t.Cleanup(l.finish)
}

// finish tells the writer to stop (idempotent).
func (l *load) finish() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
}

func (l *load) wait(t *testing.T) {
	l.finish()
	if err := <-l.done; err != nil {
		t.Fatalf("writer: %v", err)
	}
}

// grow waits until the writer committed n more events.
func (l *load) grow(t *testing.T, n int, what string) {
	t.Helper()
	target := l.log.len() + n
	waitFor(t, what, 30*time.Second, func() bool {
		select {
		case err := <-l.done:
			t.Fatalf("writer stopped: %v", err)
		default:
		}
		return l.log.len() >= target
	})
}

// workerProcess is `sluice connect standalone` run as a child process.
type workerProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startWorkerProcess(t *testing.T, logPath string, args ...string) *workerProcess {
	t.Helper()
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sluiceBin, append([]string{"connect", "standalone", "--log-level", "warn"}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &workerProcess{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the worker gracefully (SIGTERM), killing it after 30 s.
func (p *workerProcess) stop(t *testing.T) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Errorf("worker %d ignored SIGTERM for 30 s; killing it", p.cmd.Process.Pid)
		p.kill()
	}
}

func (p *workerProcess) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// readTail returns the last 4 KB of a log file.
func readTail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 4096 {
		data = data[len(data)-4096:]
	}
	return string(data)
}
