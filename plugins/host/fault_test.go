package host_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"

	"github.com/sluicehq/sluice/plugins/host"
)

// prompt is how long a call may take to notice a dead plugin.
const prompt = 5 * time.Second

func TestKillMidStream(t *testing.T) {
	p := launch(t, "good", "count-source", "orders", nil)
	ctx := testCtx(t)
	task := p.SourceTask()
	if err := task.Configure(ctx, map[string]string{"topic": "out", "batch": "100"}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := task.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited():
	case <-time.After(prompt):
		t.Fatal("Exited did not close after kill -9")
	}
	// The batches read ahead (at most host.ReadWindow) may still be
	// delivered; after them Read must fail, naming the death.
	var err error
	for i := 0; i <= host.ReadWindow && err == nil; i++ {
		_, err = task.Read(ctx)
	}
	if !errors.Is(err, host.ErrExited) || !strings.Contains(err.Error(), "signal: killed") {
		t.Errorf("Read after kill = %v, want ErrExited naming the signal", err)
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, prompt)
	defer cancel()
	if err := task.Commit(cctx, nil); !errors.Is(err, host.ErrExited) {
		t.Errorf("Commit after kill = %v, want ErrExited", err)
	}
	if err := p.Stop(cctx); err != nil {
		t.Errorf("Stop after kill = %v", err)
	}
	if d := time.Since(start); d > prompt {
		t.Errorf("calls on a dead plugin took %v", d)
	}
	if err := p.Err(); !errors.Is(err, host.ErrExited) {
		t.Errorf("Err = %v", err)
	}
}

func TestPanicInRead(t *testing.T) {
	logger, logs := newLogCapture()
	p := launch(t, "good", "count-source", "orders", logger)
	ctx := testCtx(t)
	task := p.SourceTask()
	if err := task.Configure(ctx, map[string]string{"topic": "out", "batch": "10", "panic.at": "45"}); err != nil {
		t.Fatal(err)
	}
	var err error
	n := 0
	for err == nil {
		var recs []record.Record
		recs, err = task.Read(ctx)
		n += len(recs)
	}
	if n != 40 {
		t.Errorf("read %d records before the panic, want 40", n)
	}
	if !errors.Is(err, host.ErrExited) || !strings.Contains(err.Error(), "boom at position 45") ||
		!strings.Contains(err.Error(), "exit status 2") {
		t.Errorf("error = %v, want ErrExited with the exit status and the panic message", err)
	}
	<-p.Exited()
	// The panic's lines reach the host's log as errors, with the connector.
	l := logs.waitFor(t, "panic: count-source: boom at position 45", nil)
	if l.level != slog.LevelError || l.attrs["connector"] != "orders" {
		t.Errorf("panic log line = %+v", l)
	}
}

func TestStopHangingPluginIsKilled(t *testing.T) {
	p := launch(t, "good", "count-source", "orders", nil)
	ctx := testCtx(t)
	task := p.SourceTask()
	if err := task.Configure(ctx, map[string]string{"topic": "out", "stop.hang": "true"}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Stop(sctx)
	if err == nil || !strings.Contains(err.Error(), "killed") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v, want a kill at the deadline", err)
	}
	if d := time.Since(start); d > prompt {
		t.Errorf("Stop took %v", d)
	}
	select {
	case <-p.Exited():
	default:
		t.Error("Stop returned before the process was gone")
	}
}

func TestLaunchFailures(t *testing.T) {
	for _, tc := range []struct {
		binary string
		is     error
		want   []string
	}{
		{"otherversion", host.ErrProtocolVersion, []string{"speaks Sluice plugin protocol version 2", "this host speaks version 1"}},
		{"garbage", nil, []string{`wrote "hello, I print to stdout" to stdout`}},
		{"exit", host.ErrExited, []string{"exit status 3", "missing license file"}},
	} {
		t.Run(tc.binary, func(t *testing.T) {
			start := time.Now()
			_, err := host.Launch(testCtx(t), host.Plugin{Name: "x", Path: bin[tc.binary]}, "x", nil)
			if err == nil {
				t.Fatal("launch succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if d := time.Since(start); d > prompt {
				t.Errorf("launch took %v", d)
			}
		})
	}
}

func TestLaunchMissingExecutable(t *testing.T) {
	_, err := host.Launch(testCtx(t), host.Plugin{Name: "x", Path: "/nonexistent/sluice-connector-x"}, "x", nil)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/sluice-connector-x") {
		t.Errorf("error = %v", err)
	}
}

func TestLaunchNoHandshake(t *testing.T) {
	ctx, cancel := context.WithTimeout(testCtx(t), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := host.Launch(ctx, host.Plugin{Name: "x", Path: bin["silent"]}, "x", nil)
	if err == nil || !strings.Contains(err.Error(), "no handshake before the start deadline") {
		t.Errorf("error = %v", err)
	}
	if d := time.Since(start); d > prompt {
		t.Errorf("launch took %v", d)
	}
}

func TestKillDuringSink(t *testing.T) {
	p := launch(t, "good", "collect-sink", "lake", nil)
	ctx := testCtx(t)
	task := p.SinkTask()
	if err := task.Configure(ctx, map[string]string{"topics": "a"}); err != nil {
		t.Fatal(err)
	}
	if err := task.Write(ctx, []record.Record{{Topic: "a", Offset: 0, Value: "x"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	cctx, cancel := context.WithTimeout(ctx, prompt)
	defer cancel()
	if err := task.Write(cctx, []record.Record{{Topic: "a", Offset: 1, Value: "y"}}, nil); !errors.Is(err, host.ErrExited) {
		t.Errorf("Write after kill = %v, want ErrExited", err)
	}
	if _, err := task.Flush(cctx); !errors.Is(err, host.ErrExited) {
		t.Errorf("Flush after kill = %v, want ErrExited", err)
	}
}
