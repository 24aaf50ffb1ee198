package cdcbench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/test/internal/procs"
)

// say prints one line of results (go test -bench shows stdout).
func say(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func newAdmin(b testing.TB, addr string) *kadm.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func createTopic(b testing.TB, adm *kadm.Client, topic string) {
	resp, err := adm.CreateTopic(context.Background(), 1, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		b.Fatalf("create topic %s: %v", topic, err)
	}
}

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

// waitRecords polls the topic's end offset every 5 ms until it reaches n
// and returns when the first record was seen; failed (if not nil) is
// checked on each poll and stops the wait.
func waitRecords(b testing.TB, adm *kadm.Client, topic string, n int64, timeout time.Duration, failed func() error) (first time.Time) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		got := endOffset(adm, topic)
		if got > 0 && first.IsZero() {
			first = time.Now()
		}
		if got >= n {
			return first
		}
		if failed != nil {
			if err := failed(); err != nil {
				b.Fatalf("%s: %d of %d records: %v", topic, got, n, err)
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d of %d records after %v", topic, got, n, timeout)
		}
		<-tick.C
	}
}

// sluiceWorker is a standalone worker process (`sluice connect
// standalone`, as users run it) running PostgresCdcSource in its plugin
// subprocess. Its log is kept in a file; CDC_BENCH_LOG=1 shows it on
// stderr too. SLUICE_CPUPROFILE and SLUICE_PLUGIN_CPUPROFILE, set for the
// benchmark, reach the worker and the plugin.
type sluiceWorker struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    string
}

func startSluice(b testing.TB, bin, brokerAddr string, conn map[string]string) *sluiceWorker {
	b.Helper()
	dir := b.TempDir()
	worker := map[string]string{
		"bootstrap.servers":               brokerAddr,
		"key.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":    "false",
		"value.converter":                 "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":  "false",
		"offset.storage.file.filename":    filepath.Join(dir, "offsets.json"),
		"task.restart.backoff.initial.ms": "100000", // a failure shows as a stall
		"task.restart.backoff.max.ms":     "100000",
	}
	for _, kv := range strings.Split(*workerProps, ",") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			b.Fatalf("-cdc-worker-props: %q is not key=value", kv)
		}
		worker[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	wfile, cfile := filepath.Join(dir, "worker.properties"), filepath.Join(dir, "connector.properties")
	for path, props := range map[string]map[string]string{wfile: worker, cfile: conn} {
		var sb strings.Builder
		for k, v := range props {
			fmt.Fprintf(&sb, "%s=%s\n", k, v)
		}
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	s := &sluiceWorker{exited: make(chan struct{}), log: filepath.Join(dir, "worker.log")}
	logFile, err := os.Create(s.log)
	if err != nil {
		b.Fatal(err)
	}
	s.cmd = exec.Command(bin, "connect", "standalone", "--log-level", "info", wfile, cfile)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if os.Getenv("CDC_BENCH_LOG") != "" {
		s.cmd.Stdout, s.cmd.Stderr = io.MultiWriter(logFile, os.Stderr), io.MultiWriter(logFile, os.Stderr)
	}
	if err := s.cmd.Start(); err != nil {
		b.Fatalf("start the worker: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	b.Cleanup(s.stop)
	return s
}

// stop ends the worker gracefully (SIGTERM: its profile, if any, is
// written), killing it after 30 s.
func (s *sluiceWorker) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// plugins finds the worker's PostgresCdcSource plugin processes.
func (s *sluiceWorker) plugins() []int {
	return procs.Children(s.cmd.Process.Pid, "plugin", "serve", "PostgresCdcSource")
}

// failed reports a worker that exited or a task that failed (the
// supervisor logs "task failed" before its backoff).
func (s *sluiceWorker) failed(string) func() error {
	return func() error {
		select {
		case <-s.exited:
			return fmt.Errorf("worker exited (%v); log:\n%s", s.cmd.ProcessState, tail(s.log))
		default:
		}
		if data, err := os.ReadFile(s.log); err == nil && strings.Contains(string(data), "task failed") {
			return fmt.Errorf("a task failed; log:\n%s", tail(s.log))
		}
		return nil
	}
}

// connectorProps is the connector's configuration for db.
func connectorProps(db, name string, extra ...string) map[string]string {
	m := map[string]string{
		"name": name, "connector.class": "PostgresCdcSource", "tasks.max": "1",
		"database.hostname": "127.0.0.1", "database.port": "5432", "database.user": "postgres",
		"database.password": pgtest.Password(), "database.dbname": db, "database.sslmode": "disable",
		"topic.prefix": name,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// conduit is a Conduit process running one pipeline file.
type conduit struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    string
}

// startConduit runs `conduit run` with pipeline (YAML) in its own
// directory, an in-memory store and no API listeners.
func startConduit(b testing.TB, bin, pipeline string) *conduit {
	b.Helper()
	dir := b.TempDir()
	pfile := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(pfile, []byte(pipeline), 0o644); err != nil {
		b.Fatal(err)
	}
	logPath := filepath.Join(dir, "conduit.log")
	log, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--pipelines.path", pfile, "--db.type", "inmemory", "--api.enabled=false",
		"--log.level", "warn", "--log.format", "json",
		"--connectors.path", filepath.Join(dir, "connectors"), "--processors.path", filepath.Join(dir, "processors"),
		"--config.path", filepath.Join(dir, "conduit.yaml"))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		b.Fatalf("start conduit: %v", err)
	}
	c := &conduit{cmd: cmd, exited: make(chan struct{}), log: logPath}
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(c.exited)
	}()
	b.Cleanup(c.stop)
	return c
}

func (c *conduit) failed() error {
	select {
	case <-c.exited:
		return fmt.Errorf("conduit exited (%v); log:\n%s", c.cmd.ProcessState, tail(c.log))
	default:
		return nil
	}
}

func (c *conduit) stop() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 3000 {
		data = data[len(data)-3000:]
	}
	return strings.TrimSpace(string(data))
}

// conduitPipeline is a pipeline from Conduit's built-in postgres source to
// its built-in kafka destination. Both sides batch (sdk.batch.*), as
// Conduit's performance guide advises; without it Conduit moves one record
// at a time; compression is off as for Sluice's producer.
func conduitPipeline(db, table, slot, pub, snapshotMode, brokerAddr, topic string) string {
	return fmt.Sprintf(`version: "2.2"
pipelines:
  - id: bench
    status: running
    connectors:
      - id: pg
        type: source
        plugin: builtin:postgres
        settings:
          url: "postgres://postgres:%s@127.0.0.1:5432/%s?sslmode=disable"
          tables: "%s"
          cdcMode: logrepl
          snapshotMode: %s
          logrepl.slotName: %s
          logrepl.publicationName: %s
          sdk.batch.size: "10000"
          sdk.batch.delay: "50ms"
      - id: kafka
        type: destination
        plugin: builtin:kafka
        settings:
          servers: "%s"
          topic: "%s"
          compression: none
          sdk.batch.size: "10000"
          sdk.batch.delay: "50ms"
`, pgtest.Password(), db, table, snapshotMode, slot, pub, brokerAddr, topic)
}

// conduitBinary builds (or finds cached) the Conduit peer; "" and the
// reason when it cannot.
func conduitBinary(root string) (string, string) {
	if p := os.Getenv("CONDUIT_BIN"); p != "" {
		return p, ""
	}
	cmd := exec.Command("bash", filepath.Join(root, "test", "scripts", "conduit.sh"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Sprintf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), ""
}

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
