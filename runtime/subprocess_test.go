package runtime

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/plugins/host"
)

// TestSubprocessTaskCrashIsRestarted runs a source task in a plugin
// process that crashes midway: the task fails, a new process resumes from
// the offsets file and every record reaches the broker.
func TestSubprocessTaskCrashIsRestarted(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, host.ExecutablePrefix+"crash")
	build := exec.Command("go", "build", "-o", bin, "./testdata/crashsource")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build test plugin: %v\n%s", err, out)
	}
	addr := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	found, err := host.Discover(ctx, "", nil, []string{dir}, testLogger(t))
	if err != nil || len(found) != 1 {
		t.Fatalf("discover: %v %+v", err, found)
	}
	wp := workerProps(t, addr)
	w := startWorker(t, wp, NewSubprocess(found, testLogger(t)), map[string]string{
		"name": "crashy", "connector.class": "crash-source", "count": "1000", "crash.at": "400",
		"crash.marker": filepath.Join(dir, "crashed"), "topic": "crash-out",
		"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
	})
	// Every value arrives at least once (the crash may duplicate the
	// unacknowledged window, never lose a record).
	seen := map[string]bool{}
	cl := newClient(t, addr, kgo.ConsumeTopics("crash-out"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for len(seen) < 1000 {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%d distinct values, want 1000", len(seen))
		}
		for _, r := range f.Records() {
			seen[string(r.Value)] = true
		}
	}
	for i := range 1000 {
		if !seen[strconv.Itoa(i)] {
			t.Fatalf("value %d lost", i)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "crashed")); err != nil {
		t.Fatal("the plugin never crashed")
	}
	st := w.Status("crashy")
	w.stop(t)
	if len(st) != 1 || st[0].Restarts < 1 {
		t.Fatalf("status %+v, want a restart after the crash", st)
	}
}
