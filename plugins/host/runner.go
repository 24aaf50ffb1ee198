package host

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin/runner"
)

// procRunner runs the plugin executable for go-plugin (its own runner is
// internal) and is how the host learns the moment the process died: Wait
// closes exited. It also keeps the last lines the plugin wrote to stderr for
// error messages.
//
// go-plugin calls make, Start and Wait from its own goroutine; Kill may come
// from any goroutine at any time (a launch deadline, Stop), so mu orders it
// with the start.
type procRunner struct {
	path string
	args []string

	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr io.ReadCloser
	pid    int // set by Start, read after Launch returned
	tail   *lineTail

	mu struct {
		sync.Mutex
		started bool
		killed  bool // Kill came before Start: do not start
	}

	exited  chan struct{} // closed after the process was reaped
	exitErr error         // set before exited closes
}

func newProcRunner(path string, args []string) *procRunner {
	return &procRunner{path: path, args: args, exited: make(chan struct{}), tail: &lineTail{max: 20}}
}

// make is the go-plugin RunnerFunc: spec carries the environment go-plugin
// prepared (handshake cookie, protocol versions, socket directory).
func (r *procRunner) make(_ hclog.Logger, spec *exec.Cmd, _ string) (runner.Runner, error) {
	r.cmd = exec.Command(r.path, r.args...)
	r.cmd.Env = spec.Env
	r.cmd.Stdin = nil // /dev/null: a plugin does not share the host's terminal
	setProcAttr(r.cmd)
	var err error
	if r.stdout, err = r.cmd.StdoutPipe(); err != nil {
		return nil, err
	}
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	r.stderr = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(stderr, r.tail), stderr}
	return r, nil
}

func (r *procRunner) Start(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mu.killed {
		err := errors.New("killed before it started")
		r.exitErr = err
		close(r.exited)
		return err
	}
	r.mu.started = true
	if err := r.cmd.Start(); err != nil {
		close(r.exited)
		r.exitErr = err
		return err
	}
	r.pid = r.cmd.Process.Pid
	return nil
}

func (r *procRunner) Wait(context.Context) error {
	err := r.cmd.Wait()
	r.exitErr = err
	close(r.exited)
	return err
}

func (r *procRunner) Kill(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mu.killed = true
	if !r.mu.started || r.cmd.Process == nil {
		return nil
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func (r *procRunner) Stdout() io.ReadCloser { return r.stdout }
func (r *procRunner) Stderr() io.ReadCloser { return r.stderr }
func (r *procRunner) Name() string          { return r.path }
func (r *procRunner) ID() string            { return strconv.Itoa(r.pid) }
func (r *procRunner) Diagnose(context.Context) string {
	return "a Sluice plugin must write nothing to stdout but go-plugin's handshake line; log to stderr"
}
func (r *procRunner) PluginToHost(n, a string) (string, string, error) { return n, a, nil }
func (r *procRunner) HostToPlugin(n, a string) (string, string, error) { return n, a, nil }

// exitStatus describes how the process ended; call only after exited closed.
func (r *procRunner) exitStatus() string {
	var ee *exec.ExitError
	switch {
	case r.exitErr == nil:
		return "exit status 0"
	case errors.As(r.exitErr, &ee):
		return ee.ProcessState.String() // "exit status 2", "signal: killed"
	}
	return r.exitErr.Error()
}

// lineTail keeps the last max lines written to it.
type lineTail struct {
	max int
	mu  struct {
		sync.Mutex
		partial []byte
		lines   []string
	}
}

func (t *lineTail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	buf := append(t.mu.partial, b...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		t.mu.lines = append(t.mu.lines, string(buf[:i]))
		if len(t.mu.lines) > t.max {
			t.mu.lines = t.mu.lines[len(t.mu.lines)-t.max:]
		}
		buf = buf[i+1:]
	}
	if len(buf) > 4096 {
		buf = buf[len(buf)-4096:]
	}
	t.mu.partial = append([]byte(nil), buf...)
	return len(b), nil
}

func (t *lineTail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.mu.lines...)
	if len(t.mu.partial) > 0 {
		out = append(out, string(t.mu.partial))
	}
	return out
}
