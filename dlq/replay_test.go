package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// sinkFixture writes n dead letters of connector "sink" from topic
// "orders" (partition i%2, offset i) to "orders-dlq" (two partitions, letter
// i in partition i%2), each with a "trace" header.
func sinkFixture(t *testing.T, addr string, n int) {
	t.Helper()
	ls := make([]letter, n)
	for i := range ls {
		ls[i] = sinkLetter("sink", "orders", int32(i%2), int64(i), StageValueConverter, parseErr(i))
		ls[i].partition = int32(i % 2)
		ls[i].headers = []kgo.RecordHeader{{Key: "trace", Value: []byte("t" + strconv.Itoa(i))}}
	}
	writeLetters(t, addr, "orders-dlq", 2, ls)
}

// keys returns the sorted keys of rs.
func keys(rs []*kgo.Record) []string {
	var ks []string
	for _, r := range rs {
		ks = append(ks, string(r.Key))
	}
	slices.Sort(ks)
	return ks
}

func wantKeys(t *testing.T, rs []*kgo.Record, n int) {
	t.Helper()
	var want []string
	for i := range n {
		want = append(want, "k"+strconv.Itoa(i))
	}
	slices.Sort(want)
	if got := keys(rs); !slices.Equal(got, want) {
		t.Fatalf("target has keys %v (%d records), want each of %v exactly once", got, len(got), want)
	}
}

func TestReplayDLQToOriginalTopic(t *testing.T) {
	addr := startBroker(t)
	sinkFixture(t, addr, 10)
	createTopic(t, addr, "orders", 2)
	in := newInspector(t, addr)

	res, err := in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replayed != 10 || res.Skipped != 0 || res.Remaining != 0 || res.Name != "orders-dlq-to-origin" ||
		res.Group != "sluice-dlq-replay-orders-dlq-to-origin" {
		t.Errorf("result %+v", res)
	}
	if len(res.Targets) != 1 || res.Targets[0] != (TargetCount{Topic: "orders", Records: 10, Exists: true}) {
		t.Errorf("targets %+v", res.Targets)
	}
	rs := readAll(t, addr, "orders")
	wantKeys(t, rs, 10)
	for _, r := range rs {
		i, _ := strconv.Atoi(string(r.Key[1:]))
		// Original partition, value, timestamp, other headers; no context headers.
		if r.Partition != int32(i%2) || string(r.Value) != "v"+strconv.Itoa(i) ||
			!r.Timestamp.Equal(base.Add(time.Duration(i)*time.Second)) ||
			len(r.Headers) != 1 || r.Headers[0].Key != "trace" || string(r.Headers[0].Value) != "t"+strconv.Itoa(i) {
			t.Errorf("replayed record %s: partition %d value %q timestamp %v headers %v", r.Key, r.Partition, r.Value, r.Timestamp, r.Headers)
		}
	}

	// Twice: nothing more.
	res, err = in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq"})
	if err != nil || res.Replayed != 0 || res.Remaining != 0 {
		t.Fatalf("second replay: %+v, %v", res, err)
	}
	// New dead letters are picked up by the next run, and only they are.
	writeMore(t, addr, 10, 4)
	if res, err = in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq"}); err != nil || res.Replayed != 4 {
		t.Fatalf("third replay: %+v, %v", res, err)
	}
	wantKeys(t, readAll(t, addr, "orders"), 14)
}

// writeMore appends letters from..from+n-1 to the sinkFixture DLQ.
func writeMore(t *testing.T, addr string, from, n int) {
	t.Helper()
	cl := newClient(t, addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := from; i < from+n; i++ {
		l := sinkLetter("sink", "orders", int32(i%2), int64(i), StageValueConverter, parseErr(i))
		r := &kgo.Record{Topic: "orders-dlq", Partition: int32(i % 2), Key: []byte(l.key), Value: []byte(l.val), Headers: Headers(l.ec)}
		if err := cl.ProduceSync(t.Context(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReplayDLQToTopicAndFilters(t *testing.T) {
	addr := startBroker(t)
	fixture(t, addr) // pg-sink ×4 (orders), pg-source ×1 (no topic), es-sink ×3 (payments)
	createTopic(t, addr, "orders", 1)
	createTopic(t, addr, "payments", 1)
	createTopic(t, addr, "retry", 3)
	in := newInspector(t, addr)

	// To the original topics, the source letter has none: refused.
	res, err := in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq"})
	if !errors.Is(err, ErrNoTarget) {
		t.Fatalf("replay to origin with a letter without topic: %v, want ErrNoTarget", err)
	}
	// What was before it in its partition is replayed, partition 1 not reached.
	if res.Replayed != 4 || len(readAll(t, addr, "orders")) != 4 || res.Partitions[0].Position != 4 {
		t.Errorf("before the refusal: %+v", res)
	}

	// A filter: only es-sink, by name, to --to.
	res, err = in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", To: "retry", Name: "es", Filter: Filter{Connector: "es-sink"}})
	if err != nil || res.Replayed != 3 || res.Skipped != 5 {
		t.Fatalf("filtered replay: %+v, %v", res, err)
	}
	if rs := readAll(t, addr, "retry"); len(rs) != 3 || len(readAll(t, addr, "payments")) != 0 {
		t.Errorf("retry has %d records, payments %d; want 3, 0", len(rs), len(readAll(t, addr, "payments")))
	}
	// With --to, records without an original topic go too.
	res, err = in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", To: "retry", Filter: Filter{Stage: StageTaskPoll}})
	if err != nil || res.Replayed != 1 || res.Targets[0].Topic != "retry" {
		t.Fatalf("replay of the source letter: %+v, %v", res, err)
	}
	if got := len(readAll(t, addr, "retry")); got != 4 {
		t.Errorf("retry has %d records, want 4", got)
	}
}

func TestReplayDLQDryRun(t *testing.T) {
	addr := startBroker(t)
	fixture(t, addr)
	createTopic(t, addr, "orders", 1)
	in := newInspector(t, addr)

	res, err := in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || res.Replayed != 7 || res.Refused != 1 {
		t.Errorf("dry run %+v", res)
	}
	want := []TargetCount{{Topic: "orders", Records: 4, Exists: true}, {Topic: "payments", Records: 3}}
	if !slices.Equal(res.Targets, want) {
		t.Errorf("targets %+v, want %+v", res.Targets, want)
	}
	if n := len(readAll(t, addr, "orders")); n != 0 {
		t.Errorf("a dry run produced %d records", n)
	}
	// It committed no progress: a dry run again sees the same.
	res2, err := in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", DryRun: true, Purge: true})
	if err != nil || res2.Replayed != 7 || res2.Purged {
		t.Errorf("second dry run %+v, %v", res2, err)
	}
	if so := startOffsets(t, addr, "orders-dlq"); so[0] != 0 || so[1] != 0 {
		t.Errorf("a dry run purged: start offsets %v", so)
	}
}

func TestReplayDLQMissingTarget(t *testing.T) {
	addr := startBroker(t)
	sinkFixture(t, addr, 4)
	in := newInspector(t, addr)

	_, err := in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq"})
	if !errors.Is(err, ErrTargetMissing) || !containsAll(err.Error(), `"orders"`, "--create-topic") {
		t.Fatalf("replay to a missing topic: %v", err)
	}
	_, err = in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", To: "elsewhere"})
	if !errors.Is(err, ErrTargetMissing) || !containsAll(err.Error(), `"elsewhere"`) {
		t.Fatalf("replay to a missing --to topic: %v", err)
	}
	res, err := in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", CreateTopic: true})
	if err != nil || res.Replayed != 4 || !res.Targets[0].Created {
		t.Fatalf("replay with CreateTopic: %+v, %v", res, err)
	}
	wantKeys(t, readAll(t, addr, "orders"), 4)
	if _, err := in.Replay(t.Context(), ReplayOptions{Topic: "nope"}); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("unknown DLQ: %v", err)
	}
}

func TestReplayDLQResumesAfterInterruption(t *testing.T) {
	addr := startBroker(t)
	sinkFixture(t, addr, 40)
	createTopic(t, addr, "orders", 2)
	in := newInspector(t, addr)

	// Cancel in the middle of a transaction: after 13 records with
	// transactions of 5, two are committed and three records are in an
	// open one.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var seen atomic.Int32
	res, err := in.Replay(ctx, ReplayOptions{Topic: "orders-dlq", BatchSize: 5, Fixer: func(r *kgo.Record) (*kgo.Record, bool, error) {
		if seen.Add(1) == 13 {
			cancel()
		}
		return r, true, nil
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted replay: %v", err)
	}
	if res.Replayed != 10 || res.Remaining != 30 {
		t.Errorf("interrupted replay: replayed %d remaining %d, want 10 30", res.Replayed, res.Remaining)
	}
	if n := len(readAll(t, addr, "orders")); n != 10 {
		t.Errorf("after the interruption the target has %d committed records, want 10", n)
	}
	res, err = in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", BatchSize: 5})
	if err != nil || res.Replayed != 30 {
		t.Fatalf("resumed replay: %+v, %v", res, err)
	}
	wantKeys(t, readAll(t, addr, "orders"), 40)
}

// A second process with the same name fences the first: its transaction
// can no longer commit, so nothing is written twice.
func TestReplayDLQFencedByNewerRun(t *testing.T) {
	addr := startBroker(t)
	sinkFixture(t, addr, 20)
	createTopic(t, addr, "orders", 2)
	first, second := newInspector(t, addr), newInspector(t, addr)

	var once atomic.Bool
	res1, err1 := first.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", BatchSize: 100, Fixer: func(r *kgo.Record) (*kgo.Record, bool, error) {
		if once.CompareAndSwap(false, true) {
			// Another process starts the same replay while this
			// one has a transaction open.
			res, err := second.Replay(context.WithoutCancel(t.Context()), ReplayOptions{Topic: "orders-dlq"})
			if err != nil || res.Replayed != 20 {
				return nil, false, fmt.Errorf("second replay: %+v, %w", res, err)
			}
		}
		return r, true, nil
	}})
	t.Logf("first: %+v %v", res1, err1)
	if err1 == nil {
		t.Errorf("the fenced replay succeeded: %+v", res1)
	}
	wantKeys(t, readAll(t, addr, "orders"), 20)
}

func TestReplayDLQRunningName(t *testing.T) {
	addr := startBroker(t)
	sinkFixture(t, addr, 2)
	createTopic(t, addr, "orders", 2)
	in := newInspector(t, addr)
	var inner error
	_, err := in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", Name: "x", Fixer: func(r *kgo.Record) (*kgo.Record, bool, error) {
		if inner == nil {
			_, inner = in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", Name: "x"})
		}
		return r, true, nil
	}})
	if err != nil || !errors.Is(inner, ErrReplayRunning) {
		t.Fatalf("outer %v, inner %v; want nil, ErrReplayRunning", err, inner)
	}
}

func TestReplayDLQFixerAndPurge(t *testing.T) {
	addr := startBroker(t)
	sinkFixture(t, addr, 10)
	createTopic(t, addr, "orders", 2)
	createTopic(t, addr, "odd", 1)
	in := newInspector(t, addr)

	// Drop k0, send odd keys elsewhere, rewrite values; stop before
	// offset 3 of each partition.
	fix := func(r *kgo.Record) (*kgo.Record, bool, error) {
		i, _ := strconv.Atoi(string(r.Key[1:]))
		if i == 0 {
			return nil, false, nil
		}
		if i%2 == 1 {
			r.Topic = "odd"
		}
		r.Value = append([]byte("fixed-"), r.Value...)
		return r, true, nil
	}
	var lines []Progress
	res, err := in.Replay(t.Context(), ReplayOptions{
		Topic: "orders-dlq", Fixer: fix, Purge: true, Filter: Filter{EndOffset: 3},
		Progress: func(p Progress) { lines = append(lines, p) }, ProgressInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replayed != 5 || res.Dropped != 1 || !res.Purged {
		t.Errorf("result %+v", res)
	}
	if rs := readAll(t, addr, "odd"); len(rs) != 3 || string(rs[0].Value) != "fixed-v1" {
		t.Errorf("odd: %d records, first %q", len(rs), rs[0].Value)
	}
	if rs := readAll(t, addr, "orders"); len(rs) != 2 {
		t.Errorf("orders: %d records, want 2", len(rs))
	}
	if so := startOffsets(t, addr, "orders-dlq"); so[0] != 3 || so[1] != 3 {
		t.Errorf("after purge the DLQ starts at %v, want 3 in both partitions", so)
	}
	for _, p := range res.Partitions {
		if p.LogStart != 3 || p.Position != 3 || p.End != 3 {
			t.Errorf("partition progress %+v", p)
		}
	}
	// The rest, and a purge to the end.
	res, err = in.Replay(t.Context(), ReplayOptions{Topic: "orders-dlq", Fixer: fix, Purge: true})
	if err != nil || res.Replayed != 4 {
		t.Fatalf("rest: %+v, %v", res, err)
	}
	if so := startOffsets(t, addr, "orders-dlq"); so[0] != 5 || so[1] != 5 {
		t.Errorf("after the second purge the DLQ starts at %v, want 5 in both partitions", so)
	}
	_ = lines // the reporter ran or not, depending on speed: no timing assertions
}

func TestReplayDLQBadOptions(t *testing.T) {
	in := &Inspector{}
	for field, o := range map[string]ReplayOptions{
		"topic":          {},
		"rate":           {Topic: "t", Rate: -1},
		"name":           {Topic: "t", Name: "a\nb"},
		"message_regexp": {Topic: "t", Filter: Filter{MessageRegexp: "["}},
	} {
		_, err := in.Replay(t.Context(), o)
		var ie *InvalidError
		if !errors.As(err, &ie) || ie.Field != field {
			t.Errorf("%+v: %v, want an InvalidError on %s", o, err, field)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	var waits []time.Duration
	l := newLimiter(4, func() time.Time { return now }, func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		now = now.Add(d)
		return nil
	})
	for range 5 {
		if err := l.take(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// 4/s: the first at once, then one every 250ms.
	if want := []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	// Idle time is not saved up for a burst.
	now = now.Add(10 * time.Second)
	waits = nil
	l.take(t.Context())
	l.take(t.Context())
	if want := []time.Duration{250 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Errorf("after idling, waits %v, want %v", waits, want)
	}
	if newLimiter(0, nil, nil) != nil {
		t.Error("rate 0 should be no limiter")
	}
	var nilLimiter *limiter
	if err := nilLimiter.take(t.Context()); err != nil {
		t.Error(err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
