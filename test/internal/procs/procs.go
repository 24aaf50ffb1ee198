// Package procs holds what the process-level suites under test/ share:
// finding a child process by its command line, and polling for a condition
// that nothing signals (another process's state, a file's contents).
package procs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ChildPID finds a process started by parent whose command line holds args
// (in that order), by scanning /proc; 0 when there is none.
func ChildPID(parent int, args ...string) int {
	if pids := Children(parent, args...); len(pids) > 0 {
		return pids[0]
	}
	return 0
}

// Children finds every process started by parent (by anyone when parent
// is 0) whose command line holds args (in that order), by scanning /proc.
func Children(parent int, args ...string) []int {
	var out []int
	want := strings.Join(args, "\x00")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), want) {
			continue
		}
		if parent == 0 {
			out = append(out, pid)
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Field 4 of /proc/PID/stat, after the ")" closing the name.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(parent) {
			out = append(out, pid)
		}
	}
	return out
}

// WaitFor polls cond every 50 ms until it holds, failing t when timeout
// passes first.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}
