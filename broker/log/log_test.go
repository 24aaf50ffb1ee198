package log

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestAppendReadRoundTrip(t *testing.T) {
	codecs := []struct {
		name  string
		codec kgo.CompressionCodec
	}{
		{"none", kgo.NoCompression()},
		{"gzip", kgo.GzipCompression()},
		{"snappy", kgo.SnappyCompression()},
		{"lz4", kgo.Lz4Compression()},
		{"zstd", kgo.ZstdCompression()},
	}
	for _, tc := range codecs {
		t.Run(tc.name, func(t *testing.T) {
			l := openTest(t, t.TempDir(), DefaultConfig(), nil)
			defer l.Close()
			var sent [][]byte
			var want []readRec
			for i := range 5 {
				recs := recsN(fmt.Sprintf("b%d", i), i+1)
				b := makeBatch(t, batchSpec{codec: tc.codec, baseTs: 1000 + int64(i)}, recs...)
				res, err := l.Append(b, 3)
				if err != nil {
					t.Fatal(err)
				}
				if res.BaseOffset != int64(len(want)) || res.LastOffset != int64(len(want)+i) || res.LogAppendTime != -1 || res.Duplicate {
					t.Fatalf("batch %d: result %+v", i, res)
				}
				sent = append(sent, b)
				for j, r := range recs {
					want = append(want, readRec{offset: int64(len(want)), key: string(r.key), value: string(r.value), ts: 1000 + int64(i)})
					_ = j
				}
			}
			got, err := l.Read(0, 1<<20, 1<<62, false)
			if err != nil {
				t.Fatal(err)
			}
			// Stored bytes are exactly what was sent, offset and epoch stamped.
			if !bytes.Equal(got, bytes.Join(sent, nil)) {
				t.Fatal("read bytes differ from the appended (stamped) batches")
			}
			recs := decodeAll(t, got)
			if fmt.Sprint(recs) != fmt.Sprint(want) {
				t.Fatalf("records\n got %v\nwant %v", recs, want)
			}
			if l.EndOffset() != int64(len(want)) || l.StartOffset() != 0 {
				t.Fatalf("offsets %d..%d", l.StartOffset(), l.EndOffset())
			}
			if le, _ := l.EndOffsetForEpoch(3); le != 3 {
				t.Fatalf("epoch %d", le)
			}
		})
	}
}

func TestAppendRejects(t *testing.T) {
	good := func() []byte { return makeBatch(t, batchSpec{}, kv("k", "v"), kv("k2", "v2")) }
	tests := []struct {
		name    string
		cfg     func(*Config)
		batch   func() []byte
		wantErr error
	}{
		{"short", nil, func() []byte { return good()[:30] }, ErrCorruptMessage},
		{"length mismatch", nil, func() []byte { return append(good(), 0) }, ErrCorruptMessage},
		{"bad magic", nil, func() []byte { b := good(); b[16] = 1; return b }, ErrCorruptMessage},
		{"bad crc", nil, func() []byte { b := good(); b[len(b)-1] ^= 1; return b }, ErrCorruptMessage},
		{"too large", func(c *Config) { c.MaxMessageBytes = 50 }, good, ErrMessageTooLarge},
		{"count mismatch", nil, func() []byte {
			b := good()
			b[60]++ // recordCount 3
			b[26]++ // lastOffsetDelta 2
			setCRC(b)
			return b
		}, ErrCorruptMessage},
		{"last offset delta mismatch", nil, func() []byte {
			b := good()
			b[26]++
			setCRC(b)
			return b
		}, ErrInvalidRecord},
		{"keyless on compacted", func(c *Config) { c.Compact = true }, func() []byte {
			return makeBatch(t, batchSpec{}, kv("k", "v"), kv("", "v"))
		}, ErrInvalidRecord},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			l := openTest(t, t.TempDir(), cfg, nil)
			defer l.Close()
			if _, err := l.Append(tc.batch(), 0); !isErr(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if l.EndOffset() != 0 || l.Size() != 0 {
				t.Fatal("rejected batch was written")
			}
		})
	}
}

func TestReadLimits(t *testing.T) {
	l := openTest(t, t.TempDir(), DefaultConfig(), nil)
	defer l.Close()
	var sizes []int
	for i := range 4 {
		b := makeBatch(t, batchSpec{}, recsN(fmt.Sprint(i), 3)...)
		sizes = append(sizes, len(b))
		mustAppend(t, l, b)
	}
	// Each batch holds offsets 3i..3i+2.
	tests := []struct {
		name     string
		offset   int64
		maxBytes int32
		upTo     int64
		minOne   bool
		want     []int64 // batch bases
		wantErr  error
	}{
		{"all", 0, 1 << 20, 1 << 62, false, []int64{0, 3, 6, 9}, nil},
		{"mid batch", 4, 1 << 20, 1 << 62, false, []int64{3, 6, 9}, nil},
		{"upTo", 0, 1 << 20, 6, false, []int64{0, 3}, nil},
		{"upTo mid batch", 0, 1 << 20, 7, false, []int64{0, 3, 6}, nil},
		{"maxBytes two and a half", 0, int32(sizes[0] + sizes[1] + sizes[2]/2), 1 << 62, false, []int64{0, 3}, nil},
		{"KIP-74 minOne", 0, 1, 1 << 62, true, []int64{0}, nil},
		{"no minOne", 0, 1, 1 << 62, false, nil, nil},
		{"exact fit", 0, int32(sizes[0]), 1 << 62, false, []int64{0}, nil},
		{"at end", 12, 1 << 20, 1 << 62, false, nil, nil},
		{"past end", 13, 1 << 20, 1 << 62, false, nil, ErrOffsetOutOfRange},
		{"negative", -1, 1 << 20, 1 << 62, false, nil, ErrOffsetOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := l.Read(tc.offset, tc.maxBytes, tc.upTo, tc.minOne)
			if !isErr(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if got := batchBases(b); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("bases %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRollBySizeAndIndexLookup(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SegmentBytes = 4096
	cfg.IndexIntervalBytes = 300
	dir := t.TempDir()
	l := openTest(t, dir, cfg, nil)
	const batches = 300
	var bases []int64
	for i := range batches {
		res := mustAppend(t, l, makeBatch(t, batchSpec{baseTs: int64(i)}, recsN(fmt.Sprint(i), 1+i%4)...))
		bases = append(bases, res.BaseOffset)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(segs) < 5 {
		t.Fatalf("only %d segments", len(segs))
	}
	check := func(l *Log) {
		t.Helper()
		end := l.EndOffset()
		bi := 0
		for off := int64(0); off < end; off++ {
			for bi+1 < len(bases) && bases[bi+1] <= off {
				bi++
			}
			b, err := l.Read(off, 1, 1<<62, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := batchBases(b); len(got) != 1 || got[0] != bases[bi] {
				t.Fatalf("Read(%d) gave batches %v, want [%d]", off, got, bases[bi])
			}
		}
		if recs := readAll(t, l, 0); int64(len(recs)) != end {
			t.Fatalf("read %d records, want %d", len(recs), end)
		}
	}
	check(l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, dir, cfg, nil)
	check(l)
	l.Close()
	// Unclean: every segment rebuilt.
	os.Remove(filepath.Join(dir, cleanShutdownFile))
	os.Remove(filepath.Join(dir, recoveryPointFile))
	for _, s := range segs {
		os.Remove(s[:len(s)-len(".log")] + ".index")
	}
	l = openTest(t, dir, cfg, nil)
	defer l.Close()
	check(l)
}

func TestClosed(t *testing.T) {
	l := openTest(t, t.TempDir(), DefaultConfig(), nil)
	mustAppend(t, l, makeBatch(t, batchSpec{}, kv("k", "v")))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(makeBatch(t, batchSpec{}, kv("k", "v")), 0); !isErr(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	if _, err := l.Read(0, 100, 100, true); !isErr(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	if err := l.Close(); !isErr(err, ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
}

func TestRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "topic-0")
	l := openTest(t, dir, DefaultConfig(), nil)
	mustAppend(t, l, makeBatch(t, batchSpec{}, kv("k", "v")))
	if err := l.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("dir still there: %v", err)
	}
}
