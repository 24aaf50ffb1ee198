package brokerproc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options describe one broker process.
type Options struct {
	Bin     string   // executable; default Binary() (SLUICE_BIN)
	DataDir string   // required: the broker's --data-dir
	LogPath string   // where stdout and stderr go; default DataDir + ".log"
	Port    int      // 0 picks a free port on 127.0.0.1
	Configs []string // broker configs as key=value, passed as --config
	// StartTimeout bounds the wait for the port to accept connections;
	// default 60s.
	StartTimeout time.Duration
}

// Broker is one broker subprocess, restartable on the same port and data
// directory. Its methods are safe for use by one goroutine at a time.
type Broker struct {
	Addr    string // 127.0.0.1:PORT
	DataDir string
	LogPath string

	bin     string
	args    []string
	timeout time.Duration

	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{} // closed when cmd has been waited for
}

// Start starts a broker and waits until its port accepts connections.
func Start(opts Options) (*Broker, error) {
	bin := opts.Bin
	if bin == "" {
		var err error
		if bin, err = Binary(); err != nil {
			return nil, err
		}
	}
	if opts.DataDir == "" {
		return nil, errors.New("start broker: Options.DataDir is empty")
	}
	if opts.LogPath == "" {
		opts.LogPath = strings.TrimRight(opts.DataDir, "/") + ".log"
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	port := opts.Port
	if port == 0 {
		var err error
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	b := &Broker{
		Addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		DataDir: opts.DataDir,
		LogPath: opts.LogPath,
		bin:     bin,
		timeout: opts.StartTimeout,
	}
	b.args = []string{"broker", "--data-dir", opts.DataDir, "--listen", b.Addr}
	for _, c := range opts.Configs {
		b.args = append(b.args, "--config", c)
	}
	if opts.Bin == "" {
		// Extra arguments are for the broker under test, not for a peer.
		b.args = append(b.args, strings.Fields(os.Getenv("SLUICE_BROKER_ARGS"))...)
	}
	if err := b.start(); err != nil {
		return nil, err
	}
	return b, nil
}

// StartT starts a broker for a test or benchmark, failing it with the
// broker's log on error, and stops the broker when the test ends.
func StartT(t testing.TB, opts Options) *Broker {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join(t.TempDir(), "data")
	}
	b, err := Start(opts)
	if err != nil {
		t.Fatalf("broker did not start (SLUICE_BIN=%q): %v", os.Getenv("SLUICE_BIN"), err)
	}
	t.Cleanup(func() {
		if err := b.Stop(15 * time.Second); err != nil {
			t.Errorf("stop broker: %v", err)
		}
	})
	return b
}

func (b *Broker) start() error {
	log, err := os.OpenFile(b.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start broker: %w", err)
	}
	fmt.Fprintf(log, "=== %s %s %s\n", time.Now().Format(time.RFC3339Nano), b.bin, strings.Join(b.args, " "))
	cmd := exec.Command(b.bin, b.args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start broker %s: %w", b.bin, err)
	}
	b.cmd, b.log, b.exited = cmd, log, make(chan struct{})
	go func(exited chan struct{}) {
		_ = cmd.Wait()
		log.Close()
		close(exited)
	}(b.exited)
	if err := b.waitAccepting(); err != nil {
		_ = b.Kill()
		return err
	}
	return nil
}

// waitAccepting polls the listen address until a TCP dial succeeds, the
// process exits or the start timeout passes.
func (b *Broker) waitAccepting() error {
	deadline := time.NewTimer(b.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := net.DialTimeout("tcp", b.Addr, 500*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-b.exited:
			return fmt.Errorf("broker %s exited before accepting on %s (%v); log %s:\n%s", b.bin, b.Addr, b.cmd.ProcessState, b.LogPath, b.LogTail())
		case <-deadline.C:
			return fmt.Errorf("broker %s not accepting on %s after %s; log %s:\n%s", b.bin, b.Addr, b.timeout, b.LogPath, b.LogTail())
		case <-tick.C:
		}
	}
}

// Pid returns the process id of the running broker.
func (b *Broker) Pid() int { return b.cmd.Process.Pid }

// Running reports whether the current process has not exited.
func (b *Broker) Running() bool {
	select {
	case <-b.exited:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (b *Broker) Kill() error {
	if !b.Running() {
		return nil
	}
	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill broker pid %d: %w", b.Pid(), err)
	}
	select {
	case <-b.exited:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("broker pid %d still running 30s after SIGKILL", b.Pid())
	}
}

// Stop sends SIGTERM and waits up to timeout for a clean exit, then
// SIGKILLs. It returns an error if the broker had to be killed or exited
// with a failure status.
func (b *Broker) Stop(timeout time.Duration) error {
	if !b.Running() {
		return nil
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
		if !b.cmd.ProcessState.Success() {
			return fmt.Errorf("broker exited with %v after SIGTERM; log %s:\n%s", b.cmd.ProcessState, b.LogPath, b.LogTail())
		}
		return nil
	case <-time.After(timeout):
		_ = b.Kill()
		return fmt.Errorf("broker did not exit within %s of SIGTERM and was killed; log %s:\n%s", timeout, b.LogPath, b.LogTail())
	}
}

// Restart starts the broker again with the same arguments (same port and
// data directory) after it was stopped or killed.
func (b *Broker) Restart() error {
	if b.Running() {
		return fmt.Errorf("restart broker: pid %d still running", b.Pid())
	}
	return b.start()
}

// PeakRSS returns the running process's peak resident set size in bytes
// (VmHWM from /proc/PID/status).
func (b *Broker) PeakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", b.Pid()))
	if err != nil {
		return 0, fmt.Errorf("peak rss: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("peak rss: parse %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("peak rss: no VmHWM in /proc/%d/status", b.Pid())
}

// LogTail returns the last 4 KiB of the broker's log.
func (b *Broker) LogTail() string {
	data, err := os.ReadFile(b.LogPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(data) > 4096 {
		data = data[len(data)-4096:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
