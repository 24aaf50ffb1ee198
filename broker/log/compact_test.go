package log

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// written tracks what a compaction test appended: the latest offset and
// value per key (value "" = tombstone).
type written struct {
	latest map[string]int64
	value  map[string]string
}

func TestCompaction(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Compact, cfg.Delete = true, false
	cfg.SegmentBytes = 400
	cfg.IndexIntervalBytes = 64
	cfg.DeleteRetentionMs = time.Hour.Milliseconds()
	l := openTest(t, dir, cfg, c)
	w := written{map[string]int64{}, map[string]string{}}
	seq := int32(0)
	appendKV := func(codec kgo.CompressionCodec, pairs ...rec) AppendResult {
		t.Helper()
		res := mustAppend(t, l, makeBatch(t, batchSpec{codec: codec, baseTs: c.ms(), producerID: 9, seq: seq}, pairs...))
		seq += int32(len(pairs))
		for i, p := range pairs {
			w.latest[string(p.key)] = res.BaseOffset + int64(i)
			w.value[string(p.key)] = string(p.value)
		}
		return res
	}
	codecs := []kgo.CompressionCodec{kgo.NoCompression(), kgo.ZstdCompression(), kgo.GzipCompression()}
	for round := range 12 {
		appendKV(codecs[round%3], kv("a", fmt.Sprint("a", round)), kv("b", fmt.Sprint("b", round)), kv(fmt.Sprint("u", round), "unique"))
		c.Advance(time.Second)
	}
	appendKV(kgo.NoCompression(), kv("b", "")) // tombstone
	appendKV(kgo.ZstdCompression(), kv("gone", "x"), kv("gone", ""))
	for i := range 8 { // filler so the tombstones leave the active segment
		appendKV(kgo.NoCompression(), kv("filler", fmt.Sprint(i)))
	}
	// cleanedUpTo is where the last pass stopped (Maintain has returned).
	cleanedUpTo := func() int64 { l.maintMu.Lock(); defer l.maintMu.Unlock(); return l.cleaner.firstDirty }

	// check reads the whole log: in the cleaned part each key appears
	// once, at its original offset, with its latest value; tombstones are
	// present or not as wantTombstones says.
	check := func(wantTombstones bool) {
		t.Helper()
		ab := cleanedUpTo()
		seen := map[string]int{}
		for _, r := range readAll(t, l, l.StartOffset()) {
			if r.offset >= ab {
				continue
			}
			seen[r.key]++
			if w.latest[r.key] != r.offset && r.key != "filler" {
				t.Errorf("key %s at offset %d, latest is %d", r.key, r.offset, w.latest[r.key])
			}
			if r.tombstone != (w.value[r.key] == "") {
				t.Errorf("key %s tombstone=%v", r.key, r.tombstone)
			}
		}
		for k, n := range seen {
			if n > 1 {
				t.Errorf("key %s appears %d times", k, n)
			}
		}
		keys := []string{"a", "u0", "u11"}
		if wantTombstones {
			keys = append(keys, "b", "gone")
		} else if seen["b"] > 0 || seen["gone"] > 0 {
			t.Errorf("tombstones kept past delete.retention.ms: %v", seen)
		}
		for _, k := range keys {
			if seen[k] != 1 {
				t.Errorf("key %s seen %d times, want 1 (seen %v)", k, seen[k], sortedKeys(seen))
			}
		}
	}

	sizeBefore := l.Size()
	// min.compaction.lag.ms holds everything back.
	cfg.MinCompactionLagMs = time.Hour.Milliseconds()
	l.SetConfig(cfg)
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if l.Size() != sizeBefore {
		t.Fatal("compacted within min.compaction.lag.ms")
	}
	cfg.MinCompactionLagMs = 0
	l.SetConfig(cfg)
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if l.Size() >= sizeBefore {
		t.Fatalf("size %d not below %d after compaction", l.Size(), sizeBefore)
	}
	check(true)

	// Idempotence survives compaction: a retry of the last batch is a
	// duplicate, the next sequence is accepted.
	last := makeBatch(t, batchSpec{baseTs: c.ms(), producerID: 9, seq: seq - 1}, kv("filler", "7"))
	if res, err := l.Append(last, 0); err != nil || !res.Duplicate {
		t.Fatalf("retry after compaction: %+v %v", res, err)
	}

	// Reopen as after a crash: rewritten segments are verified and intact.
	l.Close()
	os.Remove(filepath.Join(dir, cleanShutdownFile))
	os.Remove(filepath.Join(dir, recoveryPointFile))
	l = openTest(t, dir, cfg, c)
	check(true)

	// After delete.retention.ms the tombstones go.
	c.Advance(2 * time.Hour)
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	check(false)
	// Reading from an offset that compaction removed starts at the next
	// surviving record.
	for _, off := range []int64{0, 1, w.latest["gone"] - 1, w.latest["gone"]} {
		b, err := l.Read(off, 1, 1<<62, true)
		if err != nil {
			t.Fatal(err)
		}
		bases := batchBases(b)
		recs := decodeAll(t, b)
		if len(bases) != 1 || len(recs) == 0 || recs[0].offset < off {
			t.Fatalf("Read(%d) in a compaction gap: bases %v records %v", off, bases, recs)
		}
	}
	appendKV(kgo.NoCompression(), kv("after", "compaction"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, dir, cfg, c)
	defer l.Close()
	check(false)
	if _, err := l.Append(makeBatch(t, batchSpec{producerID: 9, seq: seq}, kv("x", "y")), 0); err != nil {
		t.Fatalf("next sequence after reopen: %v", err)
	}
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCleanerPasses(t *testing.T) {
	var c cleanerState
	c.record(10, 1000, 100)
	c.record(20, 1050, 100)
	c.record(30, 1200, 100) // the first two are now expired and merge
	if len(c.passes) != 2 || c.passes[0] != (cleanPass{20, 1050}) {
		t.Fatalf("passes %v", c.passes)
	}
	for _, tc := range []struct{ off, want int64 }{{5, 1050}, {15, 1050}, {25, 1200}, {35, 9999}} {
		if got := c.firstCleaned(tc.off, 9999); got != tc.want {
			t.Fatalf("firstCleaned(%d) = %d, want %d", tc.off, got, tc.want)
		}
	}
}
