package log

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// txnWorkload writes interleaved transactions of three producers over many
// small segments, ending with open transactions.
func txnWorkload(t *testing.T, dir string, cfg Config) *txnDriver {
	t.Helper()
	l := openTest(t, dir, cfg, nil)
	d := newTxnDriver(t, l)
	kinds := []byte{'t', 't', 'a', 'n', 't', 'c', 't', 't', 't', 'a', 'o', 'c'}
	for i := range 60 {
		pid := []int64{pA, pB, pC}[i%3]
		d.must(op(pid, kinds[(i/3+int(pid))%len(kinds)], "k"))
	}
	d.must(op(pA, 't'), op(pC, 'o'))
	return d
}

func smallSegments() Config {
	cfg := DefaultConfig()
	cfg.SegmentBytes = 600
	cfg.IndexIntervalBytes = 100
	return cfg
}

func TestTxnRecovery(t *testing.T) {
	removeGlob := func(pattern string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			m, _ := filepath.Glob(filepath.Join(dir, pattern))
			if len(m) == 0 {
				t.Fatalf("no %s", pattern)
			}
			for _, p := range m {
				os.Remove(p)
			}
		}
	}
	crash := func(t *testing.T, dir string) {
		os.Remove(filepath.Join(dir, cleanShutdownFile))
		os.Remove(filepath.Join(dir, recoveryPointFile))
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"clean reopen", func(*testing.T, string) {}},
		{"crash", crash},
		{"snapshots deleted", removeGlob("*.snapshot")},
		{"crash and snapshots deleted", func(t *testing.T, dir string) { crash(t, dir); removeGlob("*.snapshot")(t, dir) }},
		{"txnindex files deleted", removeGlob("*.txnindex")},
		{"one txnindex deleted", func(t *testing.T, dir string) {
			m, _ := filepath.Glob(filepath.Join(dir, "*.txnindex"))
			os.Remove(m[len(m)/2])
		}},
		{"txnindex torn", func(t *testing.T, dir string) {
			for _, p := range globTxnIndexes(t, dir) {
				if st, _ := os.Stat(p); st.Size() > 0 {
					os.Truncate(p, st.Size()-1)
				}
			}
		}},
		{"version 1 snapshots", func(t *testing.T, dir string) {
			for _, p := range globSnapshots(t, dir) {
				b, _ := os.ReadFile(p)
				putU16(b, 1)
				os.WriteFile(p, b, 0o644)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			d := txnWorkload(t, dir, smallSegments())
			if len(d.m.aborted) < 4 || len(d.m.ongoing) == 0 || segCount(t, dir) < 4 {
				t.Fatalf("workload too small: %d aborted, %v ongoing, %d segments", len(d.m.aborted), d.m.ongoing, segCount(t, dir))
			}
			before := readTxnIndexes(t, dir)
			if err := d.l.Close(); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, dir)
			l := openTest(t, dir, smallSegments(), nil)
			defer l.Close()
			checkTxnState(t, l, d.m)
			if after := readTxnIndexes(t, dir); !reflect.DeepEqual(after, before) {
				t.Fatalf("txn indexes rebuilt differently:\n%v\nwant\n%v", after, before)
			}
			// The state continues: A commits, C aborts.
			d.l = l
			d.must(op(pA, 'c'), op(pC, 'a'))
			checkTxnState(t, l, d.m)
		})
	}
}

// TestTxnRecoveryTruncated cuts the log at every batch boundary and inside
// batches after a crash: the recovered LSO, open transactions and aborted
// list are those the model had at the surviving end offset.
func TestTxnRecoveryTruncated(t *testing.T) {
	base := t.TempDir()
	orig := filepath.Join(base, "orig")
	d := txnWorkload(t, orig, smallSegments())
	if err := d.l.Close(); err != nil {
		t.Fatal(err)
	}
	segs := globLogs(t, orig)
	last := segs[len(segs)-1]
	st, _ := os.Stat(last)
	for cut := int64(0); cut < st.Size(); cut += 37 {
		dir := filepath.Join(base, "cut")
		os.RemoveAll(dir)
		copyDir(t, orig, dir)
		os.Remove(filepath.Join(dir, cleanShutdownFile))
		os.Remove(filepath.Join(dir, recoveryPointFile))
		if err := os.Truncate(filepath.Join(dir, filepath.Base(last)), cut); err != nil {
			t.Fatal(err)
		}
		l := openTest(t, dir, smallSegments(), nil)
		m, ok := d.states[l.EndOffset()]
		if !ok {
			t.Fatalf("cut %d: recovered end %d is not a batch boundary", cut, l.EndOffset())
		}
		checkTxnState(t, l, m)
		l.Close()
	}
}

func TestTxnRetentionDropsEntries(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	cfg := smallSegments()
	cfg.RetentionMs = time.Hour.Milliseconds()
	l := openTest(t, dir, cfg, c)
	defer l.Close()
	d := newTxnDriver(t, l)
	for range 6 {
		d.must(op(pA, 't', "x"), op(pA, 't', "y"), op(pA, 'a'), op(pB, 'n', "z"), op(pB, 'n', "w"))
	}
	c.Advance(2 * time.Hour)
	for range 6 {
		d.must(op(pA, 't', "x"), op(pA, 'a'), op(pB, 'n', "z"), op(pB, 'n', "w"))
	}
	nIdx := len(globTxnIndexes(t, dir))
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	start := l.StartOffset()
	if start == 0 || len(globTxnIndexes(t, dir)) >= nIdx || len(globTxnIndexes(t, dir)) != segCount(t, dir) {
		t.Fatalf("retention: start %d, %d -> %d txn indexes, %d segments", start, nIdx, len(globTxnIndexes(t, dir)), segCount(t, dir))
	}
	got, _ := l.AbortedTransactions(0, math.MaxInt64)
	var want []AbortedTxn
	for _, a := range d.m.aborted {
		if a.LastOffset >= start {
			want = append(want, AbortedTxn{a.ProducerID, a.FirstOffset})
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("aborted after retention %v, want %v", got, want)
	}
}

func TestTxnCompaction(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	cfg := smallSegments()
	cfg.Compact, cfg.Delete = true, false
	cfg.MinCleanableDirtyRatio = 0.01
	l := openTest(t, dir, cfg, c)
	d := newTxnDriver(t, l)
	d.must(
		op(pA, 't', "a", "b"), op(pA, 'c'), // committed a, b
		op(pB, 't', "a", "only-aborted"), // aborted: must never win
		op(pC, 't', "c"),                 // open over the whole pass: not cleanable beyond it
	)
	for range 4 {
		d.must(op(pB, 't', "a", "only-aborted"), op(pA, 'n', "f"))
	}
	d.must(op(pB, 'a'), op(pA, 'n', "b"))
	for range 30 {
		d.must(op(pA, 'n', "filler"))
	}
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	cleaned := func() int64 { l.maintMu.Lock(); defer l.maintMu.Unlock(); return l.cleaner.firstDirty }
	if got := cleaned(); got > l.LastStableOffset() {
		t.Fatalf("cleaned up to %d past the LSO %d", got, l.LastStableOffset())
	}
	d.must(op(pC, 'c'))
	for range 30 {
		d.must(op(pA, 'n', "filler"))
	}
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	upTo := cleaned()
	if upTo <= d.m.aborted[0].LastOffset {
		t.Fatalf("compaction did not pass the abort marker: cleaned to %d", upTo)
	}
	check := func(l *Log) {
		t.Helper()
		latest := map[string]string{}
		for _, r := range readAll(t, l, 0) {
			if r.offset >= upTo {
				break
			}
			if r.key == "only-aborted" {
				t.Fatalf("aborted record %+v survived compaction", r)
			}
			latest[r.key] = r.value
		}
		if latest["a"] != "a@1" {
			t.Fatalf("key a = %q, want the committed a@1", latest["a"])
		}
		markers := 0
		b, _ := l.Read(0, 1<<30, upTo, true)
		for len(b) > 0 {
			h := parseHeader(b)
			if h.isControl() {
				markers++
			}
			b = b[h.size():]
		}
		if markers != 3 {
			t.Fatalf("%d markers kept, want 3", markers)
		}
		checkTxnState(t, l, d.m)
	}
	check(l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, cleanShutdownFile))
	l = openTest(t, dir, cfg, nil)
	defer l.Close()
	check(l)
}

func globTxnIndexes(t *testing.T, dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*"+txnIndexExt))
	return m
}
func globSnapshots(t *testing.T, dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*"+snapshotExt))
	return m
}
func globLogs(t *testing.T, dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	return m
}

// readTxnIndexes returns the content of every .txnindex by file name.
func readTxnIndexes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range globTxnIndexes(t, dir) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = string(b)
	}
	return out
}
