package host_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/plugins/host"
)

// bin holds the test plugin binaries TestMain builds from testdata.
var bin = map[string]string{}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sluice-plugin-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	names := []string{"good", "garbage", "otherversion", "exit", "silent"}
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./testdata/"+n)
		bin[n] = filepath.Join(dir, n)
	}
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build test plugins:", err)
		return 1
	}
	return m.Run()
}

// testCtx bounds a test step; no step should come near it.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// launch starts a test plugin serving connector and stops it at cleanup.
func launch(t testing.TB, binary, connector, name string, logger *slog.Logger) *host.Process {
	t.Helper()
	p, err := host.Launch(testCtx(t), host.Plugin{Name: connector, Path: bin[binary]}, name, logger)
	if err != nil {
		t.Fatalf("launch %s: %v", binary, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Stop(ctx)
	})
	return p
}

// logCapture is a slog handler that keeps every record, so tests can wait for
// a plugin's log line to arrive through the host.
type logCapture struct {
	attrs []slog.Attr
	root  *logRoot
}

type logRoot struct {
	mu      sync.Mutex
	lines   []logLine
	changed chan struct{} // closed and replaced on every new line
}

type logLine struct {
	level slog.Level
	msg   string
	attrs map[string]any
}

func newLogCapture() (*slog.Logger, *logRoot) {
	root := &logRoot{changed: make(chan struct{})}
	return slog.New(&logCapture{root: root}), root
}

func (h *logCapture) Enabled(context.Context, slog.Level) bool { return true }

func (h *logCapture) Handle(_ context.Context, r slog.Record) error {
	line := logLine{level: r.Level, msg: r.Message, attrs: map[string]any{}}
	for _, a := range h.attrs {
		line.attrs[a.Key] = a.Value.Any()
	}
	r.Attrs(func(a slog.Attr) bool {
		line.attrs[a.Key] = a.Value.Any()
		return true
	})
	h.root.mu.Lock()
	h.root.lines = append(h.root.lines, line)
	close(h.root.changed)
	h.root.changed = make(chan struct{})
	h.root.mu.Unlock()
	return nil
}

func (h *logCapture) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCapture{attrs: append(append([]slog.Attr(nil), h.attrs...), as...), root: h.root}
}

func (h *logCapture) WithGroup(string) slog.Handler { return h }

// waitFor waits until a line with msg matching ok was logged.
func (r *logRoot) waitFor(t testing.TB, msg string, ok func(logLine) bool) logLine {
	t.Helper()
	ctx := testCtx(t)
	for {
		r.mu.Lock()
		for _, l := range r.lines {
			if l.msg == msg && (ok == nil || ok(l)) {
				r.mu.Unlock()
				return l
			}
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("no log line %q arrived", msg)
		}
	}
}
