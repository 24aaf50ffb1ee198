package log

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// fill appends n single-record batches with timestamps from the clock,
// advancing it by step after each, and returns the log.
func fill(t *testing.T, l *Log, c *clock, n int, step time.Duration) {
	t.Helper()
	for i := range n {
		mustAppend(t, l, makeBatch(t, batchSpec{baseTs: c.ms()}, kv(fmt.Sprint("k", i), "value-value-value")))
		c.Advance(step)
	}
}

func segCount(t *testing.T, dir string) int {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	return len(m)
}

func TestRetention(t *testing.T) {
	tests := []struct {
		name      string
		cfg       func(*Config)
		advance   time.Duration
		wantStart func(l *Log) bool
	}{
		{"time keeps recent", func(c *Config) { c.RetentionMs = time.Hour.Milliseconds() }, 0,
			func(l *Log) bool { return l.StartOffset() == 0 }},
		{"time deletes old but not active", func(c *Config) { c.RetentionMs = time.Hour.Milliseconds() }, 2 * time.Hour,
			func(l *Log) bool { return l.StartOffset() > 0 && l.StartOffset() < l.EndOffset() }},
		{"unlimited", func(c *Config) { c.RetentionMs = -1 }, 1000 * time.Hour,
			func(l *Log) bool { return l.StartOffset() == 0 }},
		{"bytes", func(c *Config) { c.RetentionMs = -1; c.RetentionBytes = 1000 }, 0,
			func(l *Log) bool { return l.StartOffset() > 0 && l.Size() >= 1000 && l.Size() < 1000+400 }},
		{"compact only keeps", func(c *Config) { c.Delete = false; c.RetentionBytes = 10 }, 1000 * time.Hour,
			func(l *Log) bool { return l.StartOffset() == 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			dir := t.TempDir()
			cfg := DefaultConfig()
			cfg.SegmentBytes = 400
			tc.cfg(&cfg)
			l := openTest(t, dir, cfg, c)
			defer l.Close()
			fill(t, l, c, 40, time.Second)
			before := segCount(t, dir)
			c.Advance(tc.advance)
			if err := l.Maintain(c.Now()); err != nil {
				t.Fatal(err)
			}
			if !tc.wantStart(l) {
				t.Fatalf("start %d end %d size %d segments %d -> %d", l.StartOffset(), l.EndOffset(), l.Size(), before, segCount(t, dir))
			}
			if segCount(t, dir) < 1 {
				t.Fatal("active segment deleted")
			}
			// The log still reads from its start and takes appends.
			readAll(t, l, l.StartOffset())
			mustAppend(t, l, makeBatch(t, batchSpec{baseTs: c.ms()}, kv("k", "v")))
			if _, err := l.Read(l.StartOffset()-1, 100, 1<<62, true); l.StartOffset() > 0 && !isErr(err, ErrOffsetOutOfRange) {
				t.Fatalf("read below start: %v", err)
			}
		})
	}
}

func TestRollBySegmentMs(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.SegmentMs = time.Minute.Milliseconds()
	l := openTest(t, dir, cfg, c)
	defer l.Close()
	fill(t, l, c, 3, time.Second)
	c.Advance(time.Minute)
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if n := segCount(t, dir); n != 2 {
		t.Fatalf("%d segments after segment.ms", n)
	}
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if n := segCount(t, dir); n != 2 {
		t.Fatalf("empty active segment rolled: %d segments", n)
	}
}

func TestDeleteRecords(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.SegmentBytes = 400
	l := openTest(t, dir, cfg, c)
	fill(t, l, c, 30, time.Second)
	end := l.EndOffset()
	segs := segCount(t, dir)
	steps := []struct {
		before, want int64
		wantErr      error
	}{
		{5, 5, nil},
		{3, 5, nil}, // below the start: nothing changes
		{17, 17, nil},
		{end + 1, 17, ErrOffsetOutOfRange},
		{-1, end, nil},
	}
	for _, st := range steps {
		got, err := l.DeleteRecords(st.before)
		if !isErr(err, st.wantErr) || got != st.want || l.StartOffset() != st.want {
			t.Fatalf("DeleteRecords(%d) = %d, %v; start %d; want %d, %v", st.before, got, err, l.StartOffset(), st.want, st.wantErr)
		}
	}
	if n := segCount(t, dir); n >= segs || n < 1 {
		t.Fatalf("segments %d -> %d", segs, n)
	}
	if b, err := l.Read(end, 100, 1<<62, true); err != nil || len(b) != 0 {
		t.Fatalf("read at end: %d bytes, %v", len(b), err)
	}
	if _, err := l.Read(end-1, 100, 1<<62, true); !isErr(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below start: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, dir, cfg, c)
	defer l.Close()
	if l.StartOffset() != end || l.EndOffset() != end {
		t.Fatalf("after reopen start %d end %d, want %d", l.StartOffset(), l.EndOffset(), end)
	}
	res := mustAppend(t, l, makeBatch(t, batchSpec{}, kv("k", "v")))
	if res.BaseOffset != end || res.LogStartOffset != end {
		t.Fatalf("append after delete: %+v", res)
	}
}

func TestTimestampsAndEpochs(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.SegmentBytes = 500
	cfg.IndexIntervalBytes = 100
	l := openTest(t, dir, cfg, nil)
	// Batch i has records with timestamps 1000+10i, +1, +2 except batch 5
	// whose second record jumps to 5000 (the max).
	for i := range 12 {
		recs := recsN(fmt.Sprint(i), 3)
		recs[1].tsDelta, recs[2].tsDelta = 1, 2
		if i == 5 {
			recs[1].tsDelta = 5000 - 1050
		}
		epoch := int32(i / 4 * 2) // epochs 0, 2, 4 starting at offsets 0, 12, 24
		if _, err := l.Append(makeBatch(t, batchSpec{baseTs: 1000 + 10*int64(i)}, recs...), epoch); err != nil {
			t.Fatal(err)
		}
	}
	check := func(l *Log) {
		t.Helper()
		tsTests := []struct {
			ts, wantOff, wantTs int64
			ok                  bool
		}{
			{0, 0, 1000, true},
			{1000, 0, 1000, true},
			{1001, 1, 1001, true},
			{1003, 3, 1010, true},
			{1052, 16, 5000, true}, // batch 5: offset 15 has ts 1050, 16 has 5000
			{1111, 16, 5000, true}, // out-of-order timestamps: the earliest offset wins
			{5000, 16, 5000, true},
			{5001, 0, 0, false},
		}
		for _, tc := range tsTests {
			off, ts, ok, err := l.OffsetForTimestamp(tc.ts)
			if err != nil || ok != tc.ok || (ok && (off != tc.wantOff || ts != tc.wantTs)) {
				t.Fatalf("OffsetForTimestamp(%d) = %d, %d, %v, %v; want %d, %d, %v", tc.ts, off, ts, ok, err, tc.wantOff, tc.wantTs, tc.ok)
			}
		}
		if off, ts, ok, err := l.MaxTimestamp(); err != nil || !ok || off != 16 || ts != 5000 {
			t.Fatalf("MaxTimestamp = %d, %d, %v, %v", off, ts, ok, err)
		}
		epochTests := []struct {
			req     int32
			wantEp  int32
			wantEnd int64
		}{
			{-1, -1, -1}, {0, 0, 12}, {1, 0, 12}, {2, 2, 24}, {3, 2, 24}, {4, 4, 36}, {9, 4, 36},
		}
		for _, tc := range epochTests {
			if ep, end := l.EndOffsetForEpoch(tc.req); ep != tc.wantEp || end != tc.wantEnd {
				t.Fatalf("EndOffsetForEpoch(%d) = %d, %d; want %d, %d", tc.req, ep, end, tc.wantEp, tc.wantEnd)
			}
		}
	}
	check(l)
	l.Close()
	l = openTest(t, dir, cfg, nil)
	defer l.Close()
	check(l)
}

func TestLogAppendTime(t *testing.T) {
	c := newClock()
	cfg := DefaultConfig()
	cfg.LogAppendTime = true
	l := openTest(t, t.TempDir(), cfg, c)
	defer l.Close()
	res := mustAppend(t, l, makeBatch(t, batchSpec{baseTs: 5}, kv("a", "1"), kv("b", "2")))
	if res.LogAppendTime != c.ms() {
		t.Fatalf("log append time %d, want %d", res.LogAppendTime, c.ms())
	}
	for _, r := range readAll(t, l, 0) { // decodeAll checks the new CRC
		if r.ts != c.ms() {
			t.Fatalf("record ts %d", r.ts)
		}
	}
	if off, ts, ok, _ := l.OffsetForTimestamp(c.ms()); !ok || off != 0 || ts != c.ms() {
		t.Fatalf("OffsetForTimestamp: %d %d %v", off, ts, ok)
	}
}
