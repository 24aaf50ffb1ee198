package plugins

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/broker/brokertest"
	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/offsets"
	"github.com/sluicehq/sluice/test/internal/procs"
)

var (
	sluiceBin string // the sluice binary: serves built-in connectors
	pluginDir string // plugin.path with the third-party connector
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-plugins-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		root, err := filepath.Abs("../..")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		sluiceBin = os.Getenv("SLUICE_BIN")
		if sluiceBin == "" {
			sluiceBin = filepath.Join(dir, "sluice")
			if out, err := build(root, sluiceBin, "./cmd/sluice"); err != nil {
				fmt.Fprintf(os.Stderr, "build sluice: %v\n%s", err, out)
				return 1
			}
		}
		pluginDir = filepath.Join(dir, "plugins")
		if out, err := build(filepath.Join(root, "test/thirdparty"), filepath.Join(pluginDir, "sluice-connector-counter"), "."); err != nil {
			fmt.Fprintf(os.Stderr, "build the third-party plugin (its own module): %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func build(dir, out, pkg string) ([]byte, error) {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	return cmd.CombinedOutput()
}

// startBroker runs a Sluice broker in this process until the test ends.
func startBroker(t *testing.T) string {
	t.Helper()
	return brokertest.Start(t)
}

// pipeline is a standalone worker running connectors as plugin processes.
type pipeline struct {
	worker *runtime.Worker
	stop   func()
}

// startWorker validates the connector configs and runs them in a worker
// whose plugins are the built-ins of sluiceBin plus plugin.path.
func startWorker(t *testing.T, bootstrap string, workerProps map[string]string, connectors ...map[string]string) *pipeline {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	props := map[string]string{
		"bootstrap.servers":               bootstrap,
		"key.converter":                   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                 "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":  "false",
		"offset.storage.file.filename":    filepath.Join(t.TempDir(), "offsets.json"),
		"offset.flush.interval.ms":        "500",
		"plugin.path":                     pluginDir,
		"task.restart.backoff.initial.ms": "100",
	}
	for k, v := range workerProps {
		props[k] = v
	}
	wc, _, err := runtime.ParseWorkerConfig(props)
	if err != nil {
		t.Fatalf("worker config: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	found, err := host.Discover(ctx, sluiceBin, []string{"DatagenSource", "FileStreamSink"}, wc.PluginPath, logger)
	if err != nil {
		t.Fatalf("discover plugins: %v", err)
	}
	w, err := runtime.NewWorker(runtime.Options{Config: wc, Plugins: runtime.NewSubprocess(found, logger), Offsets: offsets.NewMemory(), Logger: logger, ProgressInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	var conns []*runtime.ConnectorConfig
	for _, c := range connectors {
		cc, err := w.ValidateConnector(ctx, c)
		if err != nil {
			t.Fatalf("connector %s: %v", c["name"], err)
		}
		conns = append(conns, cc)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, conns) }()
	p := &pipeline{worker: w}
	stopped := false
	p.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		<-done
	}
	t.Cleanup(p.stop)
	return p
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	procs.WaitFor(t, what, timeout, cond)
}

// endOffsets sums the end offsets of topic's partitions.
func endOffsets(t *testing.T, adm *kadm.Client, topic string) int64 {
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

// pluginPID finds the plugin process serving args that this test process
// started (via the worker).
func pluginPID(t *testing.T, args ...string) int {
	t.Helper()
	return procs.ChildPID(os.Getpid(), args...)
}

func kill(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill plugin %d: %v", pid, err)
	}
}

func newClient(t *testing.T, bootstrap string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(bootstrap)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
