package compaction

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

const (
	topic      = "compacted"
	keys       = 20 // k00..k19
	rounds     = 5  // values written per key
	tombstones = 5  // k00..k04 are deleted after the last round
	rollKey    = "roll"
)

// survivor is the latest write of a key: what compaction must keep.
type survivor struct {
	value  string
	offset int64
	tomb   bool
}

func TestCompaction(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b := brokerproc.StartT(t, brokerproc.Options{
		Configs: []string{
			"log.retention.check.interval.ms=200",
		},
	})
	t.Logf("broker %s pid %d, log %s", b.Addr, b.Pid(), b.LogPath)

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(b.Addr),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	createTopic(ctx, t, kadm.NewClient(cl))

	latest := make(map[string]survivor)
	write := func(key string, value []byte) {
		t.Helper()
		// One record per produce request, so every record is its own batch
		// and segments roll at segment.bytes.
		r, err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: value}).First()
		if err != nil {
			t.Fatalf("produce %s=%q: %v", key, value, err)
		}
		latest[key] = survivor{value: string(value), offset: r.Offset, tomb: value == nil}
	}
	for r := range rounds {
		for k := range keys {
			write(fmt.Sprintf("k%02d", k), fmt.Appendf(nil, "v%d-%s", r, strings.Repeat("x", 40)))
		}
	}
	for k := range tombstones {
		write(fmt.Sprintf("k%02d", k), nil)
	}

	// Each poll writes one more record to the "roll" key, which keeps
	// rolling the active segment (segment.bytes and segment.ms are small)
	// so that the tombstones end up in cleanable segments.
	deadline := time.NewTimer(90 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last string
	for i := 0; ; i++ {
		write(rollKey, fmt.Appendf(nil, "roll-%d", i))
		got := readAll(ctx, t, b.Addr)
		pending, err := compare(latest, got)
		if err != nil {
			t.Fatalf("after compaction: %v", err)
		}
		if pending == "" {
			t.Logf("compacted after %d polls: %d records survive of %d written", i+1, len(got), rounds*keys+tombstones+i+1)
			return
		}
		last = pending
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("log not compacted after 90s: %s", last)
		case <-ctx.Done():
			t.Fatalf("log not compacted: %v; %s", ctx.Err(), last)
		}
	}
}

func createTopic(ctx context.Context, t *testing.T, adm *kadm.Client) {
	t.Helper()
	s := func(v string) *string { return &v }
	resp, err := adm.CreateTopic(ctx, 1, 1, brokerproc.TopicConfigs(map[string]*string{
		"cleanup.policy":            s("compact"),
		"segment.bytes":             s("1024"),
		"segment.ms":                s("100"),
		"min.cleanable.dirty.ratio": s("0.01"),
		"delete.retention.ms":       s("100"),
	}), topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create compacted topic %s: %v", topic, err)
	}
}

// compare checks a read of the whole log against the latest writes. It
// returns an error for what compaction must never do (lose or move a latest
// value), and a description of what is still to be compacted away (old
// values, tombstones), empty when the log is fully compacted.
func compare(latest map[string]survivor, got []*kgo.Record) (pending string, err error) {
	seen := make(map[string]bool)
	var stale []string
	for _, r := range got {
		k := string(r.Key)
		want, ok := latest[k]
		switch {
		case !ok:
			return "", fmt.Errorf("offset %d: key %q was never written", r.Offset, k)
		case r.Offset > want.offset:
			return "", fmt.Errorf("key %s at offset %d, after its latest write at %d", k, r.Offset, want.offset)
		case r.Offset < want.offset && k == rollKey:
			// Each poll overwrites the roll key, so its older values may
			// always be waiting for the next cleaning.
		case r.Offset < want.offset:
			stale = append(stale, fmt.Sprintf("%s@%d", k, r.Offset))
		case r.Value == nil != want.tomb || string(r.Value) != want.value:
			return "", fmt.Errorf("key %s offset %d: value %q, want %q", k, r.Offset, r.Value, want.value)
		default:
			seen[k] = true
			if want.tomb {
				stale = append(stale, fmt.Sprintf("tombstone %s@%d", k, r.Offset))
			}
		}
	}
	for k, want := range latest {
		if !want.tomb && !seen[k] {
			return "", fmt.Errorf("latest value of key %s (offset %d) is gone", k, want.offset)
		}
	}
	if len(stale) > 0 {
		if len(stale) > 8 {
			stale = append(stale[:8], fmt.Sprintf("and %d more", len(stale)-8))
		}
		return fmt.Sprintf("%d records read, still present: %s", len(got), strings.Join(stale, ", ")), nil
	}
	return "", nil
}

// readAll reads partition 0 from its start to its high watermark.
func readAll(ctx context.Context, t *testing.T, addr string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	end, _ := ends.Lookup(topic, 0)
	var out []*kgo.Record
	for next := int64(-1); next < end.Offset-1; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %s from start to offset %d: stopped at %d: %v", topic, end.Offset, next, err)
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", tp, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset < end.Offset {
				out = append(out, r)
			}
			next = r.Offset
		})
	}
	return out
}
