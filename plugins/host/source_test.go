package host_test

import (
	"testing"

	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/plugins/sdk"
)

func TestSourceReadCommit(t *testing.T) {
	logger, logs := newLogCapture()
	p := launch(t, "good", "count-source", host.TaskName("orders", 0), logger)
	ctx := testCtx(t)
	task := p.SourceTask()
	if err := task.Configure(ctx, map[string]string{"topic": "out", "records": "1000", "batch": "64"}); err != nil {
		t.Fatal(err)
	}
	committed := []sdk.SourceOffset{{Partition: map[string]any{"source": "count"}, Offset: map[string]any{"position": int64(100)}}}
	if err := task.Open(ctx, committed); err != nil {
		t.Fatal(err)
	}
	logs.waitFor(t, "opened", func(l logLine) bool { return l.attrs["position"] == float64(100) })

	next, batches := int64(101), 0
	for next <= 1000 {
		recs, err := task.Read(ctx)
		if err != nil {
			t.Fatalf("read at %d: %v", next, err)
		}
		if len(recs) == 0 {
			t.Fatalf("idle read at %d before the end", next)
		}
		if len(recs) > 64 {
			t.Fatalf("batch of %d > 64", len(recs))
		}
		batches++
		for _, r := range recs {
			if r.Key != next || r.Topic != "out" || r.SourceOffset["position"] != next || r.SourcePartition["source"] != "count" {
				t.Fatalf("record %d = %+v", next, r)
			}
			next++
		}
	}
	if batches != 15 { // 900 records, 64 a batch
		t.Errorf("batches = %d, want 15", batches)
	}
	recs, err := task.Read(ctx) // exhausted: an idle read
	if err != nil || recs != nil {
		t.Errorf("idle read = %v, %v", recs, err)
	}

	// Commit may run beside a Read in progress.
	readDone := make(chan error, 1)
	go func() { _, err := task.Read(ctx); readDone <- err }()
	if err := task.Commit(ctx, []sdk.SourceOffset{{Partition: map[string]any{"source": "count"}, Offset: map[string]any{"position": int64(500)}}}); err != nil {
		t.Fatal(err)
	}
	l := logs.waitFor(t, "committed", func(l logLine) bool { return l.attrs["position"] == float64(500) })
	if l.attrs["connector"] != "orders" || l.attrs["task"] != "0" || l.attrs["source"] != "count" || l.level != 0 {
		t.Errorf("plugin log line = %+v, want connector, task and the plugin's fields at INFO", l)
	}
	if err := <-readDone; err != nil {
		t.Fatal(err)
	}
	if err := task.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	logs.waitFor(t, "stopped", nil)
	if _, err := task.Read(ctx); err == nil {
		t.Error("Read after Stop succeeded")
	}
	if err := p.Stop(ctx); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	select {
	case <-p.Exited():
	default:
		t.Error("Exited not closed after Stop")
	}
}

// TestStopStopsOpenTasks: a process shut down with a task still open stops
// the task before exiting.
func TestStopStopsOpenTasks(t *testing.T) {
	logger, logs := newLogCapture()
	p := launch(t, "good", "count-source", host.TaskName("orders", 3), logger)
	ctx := testCtx(t)
	task := p.SourceTask()
	if err := task.Configure(ctx, map[string]string{"topic": "out"}); err != nil {
		t.Fatal(err)
	}
	if _, err := task.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	logs.waitFor(t, "stopped", func(l logLine) bool { return l.attrs["task"] == "3" })
}

// TestSourceReadLazySourceOffsets: a task asked for lazy source offsets
// (as the worker asks) returns records whose offsets SourceOffsetMap builds.
func TestSourceReadLazySourceOffsets(t *testing.T) {
	logger, _ := newLogCapture()
	p := launch(t, "good", "count-source", host.TaskName("orders", 0), logger)
	ctx := testCtx(t)
	task := p.SourceTask()
	lazy, ok := task.(interface{ LazySourceOffsets() })
	if !ok {
		t.Fatalf("%T has no LazySourceOffsets", task)
	}
	lazy.LazySourceOffsets()
	if err := task.Configure(ctx, map[string]string{"topic": "out", "records": "100", "batch": "64"}); err != nil {
		t.Fatal(err)
	}
	if err := task.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for next := int64(1); next <= 100; {
		recs, err := task.Read(ctx)
		if err != nil {
			t.Fatalf("read at %d: %v", next, err)
		}
		for i := range recs {
			r := &recs[i]
			if r.SourceOffset != nil {
				t.Fatalf("record %d: SourceOffset %v decoded eagerly", next, r.SourceOffset)
			}
			if off := r.SourceOffsetMap(); r.Key != next || off["position"] != next || len(off) != 1 {
				t.Fatalf("record %d = %+v, offset %v", next, *r, off)
			}
			next++
		}
	}
	if err := task.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(ctx); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
}
