package sdktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// SourceOptions tune RunSource.
type SourceOptions struct {
	// Want is how many records the first run reads; for a source over
	// prepared input, the size of the input. Required.
	Want int
	// CommitAt is how many records the kit commits before it stops the first
	// task; the records after it are the uncommitted window a restart must
	// deliver again. 0 means Want/2; a negative CommitAt commits nothing
	// (the restart must deliver everything again). At most Want.
	CommitAt int
	// MaxTasks is passed to TaskConfigs; default 1. The kit runs the first
	// task configuration.
	MaxTasks int
	// Replayable says the source delivers the same key and value again for
	// the same source offset (a file, a deterministic generator); the kit
	// then compares redelivered records with the first delivery.
	Replayable bool
	// Timeout bounds each phase: reading Want records, reading the window
	// again. Default 30s.
	Timeout time.Duration
	// CancelWithin is how soon Read must return once its ctx is cancelled.
	// Default 250ms.
	CancelWithin time.Duration
	// ID names a record for loss and duplicate accounting; default its
	// source partition and source offset.
	ID func(record.Record) string
}

func (o *SourceOptions) defaults() {
	switch {
	case o.CommitAt == 0:
		o.CommitAt = o.Want / 2
	case o.CommitAt < 0:
		o.CommitAt = 0
	}
	if o.MaxTasks == 0 {
		o.MaxTasks = 1
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.CancelWithin == 0 {
		o.CancelWithin = 250 * time.Millisecond
	}
	if o.ID == nil {
		o.ID = func(r record.Record) string { return canonical(r.SourcePartition) + "@" + canonical(r.SourceOffset) }
	}
}

// RunSource runs the source acceptance checks (see the package
// documentation) against c configured with cfg.
func RunSource(t *testing.T, c sdk.SourceConnector, cfg map[string]string, opts SourceOptions) {
	t.Helper()
	runSource(t, c, cfg, opts)
}

func runSource(t tb, c sdk.SourceConnector, cfg map[string]string, opts SourceOptions) {
	t.Helper()
	if opts.Want <= 0 || opts.CommitAt > opts.Want {
		t.Fatalf("sdktest: SourceOptions: Want %d must be > 0 and CommitAt %d at most Want", opts.Want, opts.CommitAt)
	}
	opts.defaults()
	ctx := context.Background()
	spec := c.Spec()
	checkSpec(t, spec, sdk.Source)
	taskCfg := checkConfig(ctx, t, c, spec, cfg, opts.MaxTasks)[0]

	// First run: read Want records, commit CommitAt of them part-way.
	task := c.NewTask()
	openSource(ctx, t, task, taskCfg, nil)
	var got []record.Record
	var committed []sdk.SourceOffset
	didCommit := false
	commitDone := make(chan error, 1)
	commit := func() {
		committed, didCommit = lastOffsets(got[:opts.CommitAt]), true
		go func(offsets []sdk.SourceOffset) { commitDone <- task.Commit(ctx, offsets) }(committed) // concurrently with Read
	}
	deadline := time.Now().Add(opts.Timeout)
	for len(got) < opts.Want {
		if !didCommit && len(got) >= opts.CommitAt {
			commit()
		}
		got = append(got, readSome(t, task, deadline, len(got), opts.Want)...)
	}
	if !didCommit {
		commit()
	}
	got = append(got, checkCancel(t, task, opts.CancelWithin)...)
	if err := <-commitDone; err != nil {
		t.Errorf("Commit: %v", err)
	}
	stopTwice(ctx, t, task, "first task")

	seen := map[string]int{}
	for i, r := range got {
		checkSourceRecord(t, i, r)
		if id := opts.ID(r); seen[id] > 0 {
			t.Errorf("first run: record %d (%s) delivered twice in one run", i, id)
		} else {
			seen[id] = i + 1
		}
	}

	// Restart from the committed offsets, after a trip through JSON.
	reopened := make([]sdk.SourceOffset, len(committed))
	for i, o := range committed {
		p, err1 := jsonTrip(o.Partition)
		off, err2 := jsonTrip(o.Offset)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("committed offset %v of %v does not survive JSON: %v", o.Offset, o.Partition, err)
		}
		reopened[i] = sdk.SourceOffset{Partition: p, Offset: off}
	}
	window := got[opts.CommitAt:]
	missing := map[string]record.Record{}
	for _, r := range window {
		missing[opts.ID(r)] = r
	}
	task2 := c.NewTask()
	openSource(ctx, t, task2, taskCfg, reopened)
	dups, fresh := 0, 0
	deadline = time.Now().Add(opts.Timeout)
	for reads := 0; len(missing) > 0 || reads == 0; reads++ {
		if time.Now().After(deadline) {
			for id := range missing {
				t.Errorf("restart lost %d of %d records of the uncommitted window within %v, e.g. %s", len(missing), len(window), opts.Timeout, id)
				break
			}
			break
		}
		recs := readOnce(t, task2, deadline)
		for _, r := range recs {
			checkSourceRecord(t, len(got)+dups+fresh, r)
			id := opts.ID(r)
			switch i := seen[id]; {
			case i == 0:
				fresh++
			case i <= opts.CommitAt:
				t.Errorf("restart redelivered committed record %d (%s)", i-1, id)
			default:
				dups++
				first := got[i-1]
				if opts.Replayable && (r.Topic != first.Topic || !record.ValuesEqual(r.Key, first.Key) || !record.ValuesEqual(r.Value, first.Value)) {
					t.Errorf("restart redelivered record %d (%s) with other data: %v/%v, first %v/%v", i-1, id, r.Key, r.Value, first.Key, first.Value)
				}
				delete(missing, id)
			}
		}
	}
	stopTwice(ctx, t, task2, "restarted task")
	t.Logf("sdktest: %s: first run read %d records and committed %d; the restart redelivered %d duplicates (uncommitted window %d) and %d new records",
		spec.Name, len(got), opts.CommitAt, dups, len(window), fresh)
}

func openSource(ctx context.Context, t tb, task sdk.SourceTask, cfg map[string]string, committed []sdk.SourceOffset) {
	t.Helper()
	if err := task.Configure(ctx, cfg); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if err := task.Open(ctx, committed); err != nil {
		t.Fatalf("Open(%v): %v", committed, err)
	}
}

// readSome reads one batch, failing the test past the deadline.
func readSome(t tb, task sdk.SourceTask, deadline time.Time, have, want int) []record.Record {
	t.Helper()
	if time.Now().After(deadline) {
		t.Fatalf("read %d of %d records before the deadline", have, want)
	}
	return readOnce(t, task, deadline)
}

func readOnce(t tb, task sdk.SourceTask, deadline time.Time) []record.Record {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	recs, err := task.Read(ctx)
	if err != nil && !(ctx.Err() != nil && errors.Is(err, ctx.Err())) {
		t.Fatalf("Read: %v", err)
	}
	return recs
}

// checkCancel calls Read with a ctx cancelled shortly after and checks that
// it returns within d of the cancellation; what it read is returned.
func checkCancel(t tb, task sdk.SourceTask, d time.Duration) []record.Record {
	t.Helper()
	const after = 20 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), after)
	defer cancel()
	start := time.Now()
	recs, err := task.Read(ctx)
	if late := time.Since(start) - after; late > d {
		t.Errorf("Read returned %v after its ctx was cancelled, want within %v", late, d)
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled ctx: %v, want nil or the ctx's error", err)
	}
	return recs
}

func stopTwice(ctx context.Context, t tb, task interface{ Stop(context.Context) error }, what string) {
	t.Helper()
	if err := task.Stop(ctx); err != nil {
		t.Errorf("Stop of the %s: %v", what, err)
	}
	if err := task.Stop(ctx); err != nil {
		t.Errorf("second Stop of the %s (must be idempotent): %v", what, err)
	}
}

func checkSourceRecord(t tb, i int, r record.Record) {
	t.Helper()
	if r.Topic == "" {
		t.Errorf("record %d: empty Topic", i)
	}
	if len(r.SourcePartition) == 0 || len(r.SourceOffset) == 0 {
		t.Errorf("record %d: SourcePartition %v / SourceOffset %v must both be set", i, r.SourcePartition, r.SourceOffset)
	}
	if _, err := jsonTrip(r.SourcePartition); err != nil {
		t.Errorf("record %d: SourcePartition %v is not JSON: %v", i, r.SourcePartition, err)
	}
	if _, err := jsonTrip(r.SourceOffset); err != nil {
		t.Errorf("record %d: SourceOffset %v is not JSON: %v", i, r.SourceOffset, err)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("record %d: %v", i, err)
	}
}

// lastOffsets is what the runtime commits after recs: the offset of the
// last record of each source partition.
func lastOffsets(recs []record.Record) []sdk.SourceOffset {
	var out []sdk.SourceOffset
	index := map[string]int{}
	for _, r := range recs {
		k := canonical(r.SourcePartition)
		if i, ok := index[k]; ok {
			out[i].Offset = r.SourceOffset
			continue
		}
		index[k] = len(out)
		out = append(out, sdk.SourceOffset{Partition: r.SourcePartition, Offset: r.SourceOffset})
	}
	return out
}
