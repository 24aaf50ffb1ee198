package postgres

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/runtime"
)

// Sizes of the load: rows before the connector starts (its snapshot), and
// changes committed before and after the kill.
const (
	initialRows  = 300
	beforeKill   = 5000
	afterRestart = 5000
)

// TestPluginKilledMidLoad SIGKILLs the PostgresCdcSource plugin process
// (`sluice plugin serve PostgresCdcSource`, a child of the standalone worker
// in this process) while a writer commits small transactions of inserts,
// updates and deletes. The worker restarts the task from its committed
// offset; afterwards every committed change is in the topic, per-key order
// holds, and the duplicates are only from the uncommitted window, with the
// lsn and txId of their first delivery.
func TestPluginKilledMidLoad(t *testing.T) {
	l := newLoad(t, initialRows)
	bootstrap := startBroker(t)
	adm := newAdmin(t, bootstrap)
	createTopic(t, adm)
	offsetsFile := filepath.Join(t.TempDir(), "offsets.json")

	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	wc, _, err := runtime.ParseWorkerConfig(workerProps(bootstrap, offsetsFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	found, err := host.Discover(ctx, sluiceBin, []string{"PostgresCdcSource"}, nil, logger)
	if err != nil {
		t.Fatalf("discover plugins: %v", err)
	}
	w, err := runtime.NewWorker(runtime.Options{Config: wc, Plugins: runtime.NewSubprocess(found, logger), Logger: logger, ProgressInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := w.ValidateConnector(ctx, connectorProps(l.db))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, []*runtime.ConnectorConfig{cc}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})

	waitFor(t, "the snapshot in the topic", 30*time.Second, func() bool { return records(adm) >= initialRows })
	l.start(t)
	l.grow(t, beforeKill, "the load before the kill")
	waitFor(t, "changes in the topic", 30*time.Second, func() bool { return records(adm) > initialRows+beforeKill/2 })

	serve := []string{"plugin", "serve", "PostgresCdcSource"}
	pid := childPID(syscall.Getpid(), serve...)
	if pid == 0 {
		t.Fatal("no PostgresCdcSource plugin process found")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill plugin %d: %v", pid, err)
	}
	atKill := records(adm)
	minDup := committedLSN(t, offsetsFile)
	waitFor(t, "a new PostgresCdcSource plugin process", 30*time.Second, func() bool {
		p := childPID(syscall.Getpid(), serve...)
		return p != 0 && p != pid
	})
	l.grow(t, afterRestart, "the load after the restart")
	l.wait(t)

	want, txs := l.log.snapshot()
	got := readAll(t, bootstrap, topic, want, 45*time.Second)
	v := check(t, want, got, minDup)
	st := w.Status(connectorName)
	t.Logf("plugin %d killed with %d records in the topic; %d transactions, %d events committed (%d snapshot rows); %d delivered: %d duplicates from the uncommitted window; task status %+v",
		pid, atKill, txs, v.events, initialRows, v.deliveries, v.duplicates, st)
	if atKill >= int64(len(want)) {
		t.Errorf("the plugin was killed after everything was delivered: not mid-load")
	}
}

// TestWorkerKilledMidLoad SIGKILLs the worker process (`sluice connect
// standalone worker.properties pg.properties`; its plugin child dies with
// it) while a writer commits small transactions, then starts it again on
// the same offsets file. The same checks as TestPluginKilledMidLoad; the
// committed offset is the one in the file when the worker died.
func TestWorkerKilledMidLoad(t *testing.T) {
	l := newLoad(t, initialRows)
	bootstrap := startBroker(t)
	adm := newAdmin(t, bootstrap)
	createTopic(t, adm)
	dir := t.TempDir()
	offsetsFile := filepath.Join(dir, "offsets.json")
	workerFile, connFile, logFile := filepath.Join(dir, "worker.properties"), filepath.Join(dir, "pg.properties"), filepath.Join(dir, "worker.log")
	writeProps(t, workerFile, workerProps(bootstrap, offsetsFile))
	writeProps(t, connFile, connectorProps(l.db))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker log:\n%s", readTail(logFile))
		}
	})

	first := startWorkerProcess(t, logFile, workerFile, connFile)
	waitFor(t, "the snapshot in the topic", 30*time.Second, func() bool { return records(adm) >= initialRows })
	l.start(t)
	l.grow(t, beforeKill, "the load before the kill")
	waitFor(t, "changes in the topic", 30*time.Second, func() bool { return records(adm) > initialRows+beforeKill/2 })

	first.kill()
	atKill := records(adm)
	minDup := committedLSN(t, offsetsFile)
	l.grow(t, afterRestart/3, "the load while the worker is down")
	startWorkerProcess(t, logFile, workerFile, connFile)
	l.grow(t, afterRestart, "the load after the restart")
	l.wait(t)

	want, txs := l.log.snapshot()
	got := readAll(t, bootstrap, topic, want, 45*time.Second)
	v := check(t, want, got, minDup)
	t.Logf("worker %d killed with %d records in the topic (committed change lsn %d); %d transactions, %d events committed (%d snapshot rows); %d delivered: %d duplicates from the uncommitted window",
		first.cmd.Process.Pid, atKill, minDup, txs, v.events, initialRows, v.deliveries, v.duplicates)
	if atKill >= int64(len(want)) {
		t.Errorf("the worker was killed after everything was delivered: not mid-load")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
