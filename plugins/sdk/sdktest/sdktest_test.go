package sdktest

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// fakeT records failures; Fatalf ends the goroutine as testing.T's does.
type fakeT struct {
	mu     sync.Mutex
	errors []string
}

func (f *fakeT) Helper()                   {}
func (f *fakeT) Logf(string, ...any)       {}
func (f *fakeT) Errorf(s string, a ...any) { f.add(s, a...) }
func (f *fakeT) Fatalf(s string, a ...any) { f.add(s, a...); runtime.Goexit() }
func (f *fakeT) add(s string, a ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(s, a...))
}

// run runs fn against a fake and returns what failed.
func run(fn func(t tb)) []string {
	f := &fakeT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.errors
}

// bugs a toy connector can have.
type bugs struct {
	skipOnOpen     bool // resumes one record too far: loss
	ignoreOffsets  bool // restarts from the beginning: duplicates beyond the window
	ignoreCtx      bool // Read blocks past ctx cancellation when idle
	stopTwiceFails bool
	badDefault     bool // a default its own validator rejects
	flushTooFar    bool // sink: Flush claims one record more than written
	dropEveryFifth bool // sink: loses records
	failErrant     bool // sink: writes errant records instead of reporting them
}

// memSource serves lines 0 … n-1 of an in-memory "file".
type memSource struct {
	n    int
	bugs bugs
}

func (s *memSource) Spec() sdk.Spec {
	batch := "7"
	if s.bugs.badDefault {
		batch = "0"
	}
	def := sdk.NewConfigDef().
		Define(sdk.Key{Name: "topic", Type: sdk.String, Required: true, Importance: sdk.High, Doc: "topic"}).
		Define(sdk.Key{Name: "batch", Type: sdk.Int, Default: batch, Importance: sdk.Low, Doc: "batch", Validator: sdk.Range(1, 100)})
	return sdk.Spec{Name: "mem", Version: "1", Kind: sdk.Source, Config: def}
}
func (s *memSource) Validate(context.Context, map[string]string) map[string][]string { return nil }
func (s *memSource) TaskConfigs(_ context.Context, cfg map[string]string, _ int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(cfg)}, nil
}
func (s *memSource) NewTask() sdk.SourceTask { return &memSourceTask{src: s} }

type memSourceTask struct {
	src     *memSource
	topic   string
	next    int64
	stopped bool
}

func (t *memSourceTask) Configure(_ context.Context, cfg map[string]string) error {
	t.topic = cfg["topic"]
	return nil
}
func (t *memSourceTask) Open(_ context.Context, committed []sdk.SourceOffset) error {
	for _, o := range committed {
		if !t.src.bugs.ignoreOffsets {
			t.next = o.Offset["line"].(int64)
		}
		if t.src.bugs.skipOnOpen {
			t.next++
		}
	}
	return nil
}
func (t *memSourceTask) Read(ctx context.Context) ([]record.Record, error) {
	if t.next >= int64(t.src.n) {
		if t.src.bugs.ignoreCtx {
			<-time.After(time.Second) // the bug: a wait deaf to ctx
			return nil, nil
		}
		<-ctx.Done()
		return nil, nil
	}
	var out []record.Record
	for ; t.next < int64(t.src.n) && len(out) < 7; t.next++ {
		out = append(out, record.Record{
			Topic: t.topic, Partition: -1, ValueSchema: record.StringSchema(), Value: fmt.Sprintf("line %d", t.next),
			SourcePartition: map[string]any{"file": "mem"}, SourceOffset: map[string]any{"line": t.next + 1},
		})
	}
	return out, nil
}
func (t *memSourceTask) Commit(context.Context, []sdk.SourceOffset) error { return nil }
func (t *memSourceTask) Stop(context.Context) error {
	if t.stopped && t.src.bugs.stopTwiceFails {
		return fmt.Errorf("already stopped")
	}
	t.stopped = true
	return nil
}

func TestRunSource(t *testing.T) {
	cfg := map[string]string{"topic": "t"}
	opts := SourceOptions{Want: 50, CommitAt: 20, Replayable: true}
	RunSource(t, &memSource{n: 50}, cfg, opts)
	t.Run("nothing committed", func(t *testing.T) {
		o := opts
		o.CommitAt = -1
		RunSource(t, &memSource{n: 50}, cfg, o)
	})
	for _, tc := range []struct {
		name string
		bugs bugs
		want string
	}{
		{"loss", bugs{skipOnOpen: true}, "lost"},
		{"duplicates beyond the window", bugs{ignoreOffsets: true}, "redelivered committed record"},
		{"slow cancel", bugs{ignoreCtx: true}, "after its ctx was cancelled"},
		{"stop twice", bugs{stopTwiceFails: true}, "second Stop"},
		{"bad default", bugs{badDefault: true}, "fails its own validation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			o.Timeout = time.Second
			errs := run(func(ft tb) { runSource(ft, &memSource{n: 50, bugs: tc.bugs}, cfg, o) })
			if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
				t.Fatalf("failures %q, want one with %q", errs, tc.want)
			}
		})
	}
	if errs := run(func(ft tb) { runSource(ft, &memSource{n: 50}, map[string]string{}, opts) }); len(errs) == 0 {
		t.Fatal("a configuration without its required key passed")
	}
}

// memSink writes values into a shared in-memory target.
type memSink struct {
	bugs   bugs
	mu     sync.Mutex
	target []record.Record
}

func (s *memSink) Spec() sdk.Spec {
	return sdk.Spec{Name: "memsink", Version: "1", Kind: sdk.Sink, Config: sdk.NewConfigDef()}
}
func (s *memSink) Validate(context.Context, map[string]string) map[string][]string { return nil }
func (s *memSink) TaskConfigs(_ context.Context, cfg map[string]string, _ int) ([]map[string]string, error) {
	return []map[string]string{cfg}, nil
}
func (s *memSink) NewTask() sdk.SinkTask {
	return &memSinkTask{sink: s, offs: map[sdk.TopicPartition]int64{}}
}
func (s *memSink) readBack(context.Context) ([]record.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]record.Record(nil), s.target...), nil
}

type memSinkTask struct {
	sdk.UnimplementedSinkTask
	sink    *memSink
	offs    map[sdk.TopicPartition]int64
	pending []record.Record
}

func (t *memSinkTask) Write(_ context.Context, recs []record.Record, errant sdk.ErrantReporter) error {
	for _, r := range recs {
		tp := sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		t.offs[tp] = r.Offset + 1
		if _, bad := r.Value.(int); bad && !t.sink.bugs.failErrant {
			errant.Report(r, fmt.Errorf("ints are bad"))
			continue
		}
		if t.sink.bugs.dropEveryFifth && r.Offset%5 == 4 {
			continue
		}
		t.pending = append(t.pending, record.Record{Value: r.Value})
	}
	return nil
}
func (t *memSinkTask) Flush(context.Context) (map[sdk.TopicPartition]int64, error) {
	t.sink.mu.Lock()
	defer t.sink.mu.Unlock()
	t.sink.target = append(t.sink.target, t.pending...)
	t.pending = nil
	out := maps.Clone(t.offs)
	if t.sink.bugs.flushTooFar {
		for tp := range out {
			out[tp]++
		}
	}
	return out, nil
}

func TestRunSink(t *testing.T) {
	var recs []record.Record
	for i := range 30 {
		recs = append(recs, record.Record{Partition: int32(i % 2), Value: fmt.Sprintf("v%d", i)})
	}
	errant := []record.Record{{Value: 1}}
	good := &memSink{}
	RunSink(t, good, nil, SinkOptions{Records: recs, Errant: errant, ReadBack: good.readBack})
	for _, tc := range []struct {
		name string
		bugs bugs
		want string
	}{
		{"flush beyond written", bugs{flushTooFar: true}, "beyond the last written"},
		{"loss", bugs{dropEveryFifth: true}, "did not land"},
		{"errant written", bugs{failErrant: true}, "not reported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &memSink{bugs: tc.bugs}
			errs := run(func(ft tb) {
				runSink(ft, s, nil, SinkOptions{Records: recs, Errant: errant, ReadBack: s.readBack})
			})
			if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
				t.Fatalf("failures %q, want one with %q", errs, tc.want)
			}
		})
	}
}
