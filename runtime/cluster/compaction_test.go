package cluster

import (
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// compactCopy writes to dst what compaction could leave of src (n records,
// one partition): the last record of each key, in offset order, with or
// without the tombstones.
func compactCopy(t *testing.T, addr string, src, dst LogConfig, n int, dropTombstones bool) {
	t.Helper()
	ctx := testCtx(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(src.Topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DefaultProduceTopic(dst.Topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for len(recs) < n {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, fs.Records()...)
	}
	last := map[string]int{}
	for i, r := range recs {
		last[string(r.Key)] = i
	}
	var out []*kgo.Record
	for i, r := range recs {
		if last[string(r.Key)] != i || (dropTombstones && r.Value == nil) {
			continue
		}
		out = append(out, &kgo.Record{Key: r.Key, Value: r.Value})
	}
	if err := cl.ProduceSync(ctx, out...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// A store reading the compacted log ends in the state it had over the full
// log: what Kafka Connect's two-phase task commit and tombstones promise.
func TestConfigStoreSurvivesCompaction(t *testing.T) {
	addr := startBroker(t)
	ctx := testCtx(t)
	src := ensure(t, addr, TopicSpec{Name: "src", Purpose: "configs", Partitions: 1})
	s, err := OpenConfigStore(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	steps := []func() error{
		func() error { return s.PutConnectorConfig(ctx, "a", map[string]string{"v": "1"}) },
		func() error {
			return s.PutTaskConfigs(ctx, "a", []map[string]string{{"t": "0"}, {"t": "1"}, {"t": "2"}})
		},
		func() error { return s.PutConnectorConfig(ctx, "a", map[string]string{"v": "2"}) },
		func() error { return s.PutTaskConfigs(ctx, "a", []map[string]string{{"t": "0'"}, {"t": "1'"}}) },
		func() error { return s.PutTargetState(ctx, "a", TargetPaused) },
		func() error { return s.PutConnectorConfig(ctx, "b", map[string]string{"v": "b"}) },
		func() error { return s.PutTaskConfigs(ctx, "b", []map[string]string{{"t": "b0"}}) },
		func() error { return s.DeleteConnector(ctx, "b") },
		func() error { return s.PutConnectorConfig(ctx, "c", map[string]string{"v": "c"}) },
		func() error { return s.PutTaskConfigs(ctx, "c", nil) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := s.Snapshot()
	n := int(want.Offset)
	for _, drop := range []bool{false, true} {
		name := "kept-tombstones"
		if drop {
			name = "dropped-tombstones"
		}
		dst := ensure(t, addr, TopicSpec{Name: name, Purpose: "configs", Partitions: 1})
		compactCopy(t, addr, src, dst, n, drop)
		c, err := OpenConfigStore(ctx, dst, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := c.Snapshot()
		c.Close()
		got.Offset = want.Offset
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", name, got, want)
		}
		// Task a-2 of the first generation survives compaction but is not
		// part of the committed set of two.
		if _, ok := got.Tasks[TaskID{"a", 2}]; ok {
			t.Fatalf("%s: stale task a-2 applied", name)
		}
	}
}
