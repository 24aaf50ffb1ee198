package log

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// compactedPair builds a compacted log with several small segments, copies
// its directory before compaction to pre, compacts with segment merging
// and returns the log's bytes before and after.
func compactedPair(t *testing.T, dir, pre string) (before, after []byte, mergedBase int64) {
	t.Helper()
	c := newClock()
	cfg := DefaultConfig()
	cfg.Compact, cfg.Delete = true, false
	cfg.SegmentBytes = 300
	l := openTest(t, dir, cfg, c)
	for i := range 30 {
		mustAppend(t, l, makeBatch(t, batchSpec{baseTs: c.ms()}, kv(fmt.Sprint("k", i%4), fmt.Sprint("v", i))))
	}
	before = readAllBytes(t, l)
	l.Close()
	copyDir(t, dir, pre)
	l = openTest(t, dir, cfg, c)
	defer l.Close()
	segsBefore := segCount(t, dir)
	cfg.SegmentBytes = 1 << 20 // merge everything cleanable into one
	l.SetConfig(cfg)
	c.Advance(time.Second)
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if n := segCount(t, dir); n != 2 {
		t.Fatalf("%d segments after merging compaction (from %d), want 2", n, segsBefore)
	}
	after = readAllBytes(t, l)
	if len(after) >= len(before) {
		t.Fatal("compaction removed nothing")
	}
	return before, after, 0
}

func readAllBytes(t *testing.T, l *Log) []byte {
	t.Helper()
	b, err := l.Read(l.StartOffset(), 1<<30, 1<<62, true)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompactionSwapRecovery(t *testing.T) {
	base := t.TempDir()
	dir, pre := filepath.Join(base, "log"), filepath.Join(base, "pre")
	before, after, merged := compactedPair(t, dir, pre)
	cleanedLog, err := os.ReadFile(segmentPath(dir, merged, ".log"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files map[string][]byte // added to a copy of the pre-compaction dir
		want  []byte
	}{
		{"committed swap is completed", map[string][]byte{
			filepath.Base(segmentPath(pre, merged, ".log.swap")):   cleanedLog,
			filepath.Base(segmentPath(pre, merged, ".index.swap")): {1, 2, 3},
		}, after},
		{"uncommitted swap is discarded", map[string][]byte{
			filepath.Base(segmentPath(pre, merged, ".log.cleaned")): cleanedLog,
			filepath.Base(segmentPath(pre, merged, ".index.swap")):  {1, 2, 3},
		}, before},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := filepath.Join(base, fmt.Sprint(i))
			copyDir(t, pre, d)
			os.Remove(filepath.Join(d, cleanShutdownFile))
			for name, b := range tc.files {
				if err := os.WriteFile(filepath.Join(d, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			l := openTest(t, d, DefaultConfig(), nil)
			defer l.Close()
			if got := readAllBytes(t, l); !bytes.Equal(got, tc.want) {
				t.Fatalf("log holds batches %v, want %v", batchBases(got), batchBases(tc.want))
			}
			left, _ := filepath.Glob(filepath.Join(d, "*.swap"))
			cleaned, _ := filepath.Glob(filepath.Join(d, "*.cleaned"))
			if len(left)+len(cleaned) > 0 {
				t.Fatalf("leftovers %v %v", left, cleaned)
			}
		})
	}
}
