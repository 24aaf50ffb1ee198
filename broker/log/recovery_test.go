package log

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// crashedLog writes n batches with small segments, closes the log and then
// removes the clean-shutdown marker and recovery point, so the next Open
// verifies every segment as after a crash. It returns the segment files in
// order with the batches each holds.
type segFile struct {
	path    string
	batches [][]byte
}

func crashedLog(tb testing.TB, dir string, n int, segBytes int64) []segFile {
	tb.Helper()
	cfg := DefaultConfig()
	cfg.SegmentBytes = segBytes
	cfg.IndexIntervalBytes = 100
	l := openTest(tb, dir, cfg, nil)
	seq, txnSeq := int32(0), int32(0)
	for i := range n {
		recs := recsN(fmt.Sprint(i), 1+i%3)
		switch i % 4 {
		case 1: // producer 8 writes transactionally
			mustAppend(tb, l, txnBatch(tb, batchSpec{baseTs: int64(i), producerID: 8, seq: txnSeq}, recs...))
			txnSeq += int32(len(recs))
		case 3: // and its transactions end, every other one aborted
			if _, err := l.AppendMarker(8, 0, i%8 == 7, 1, 0); err != nil {
				tb.Fatal(err)
			}
		default:
			mustAppend(tb, l, makeBatch(tb, batchSpec{baseTs: int64(i), producerID: 7, seq: seq}, recs...))
			seq += int32(len(recs))
		}
	}
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
	os.Remove(filepath.Join(dir, cleanShutdownFile))
	os.Remove(filepath.Join(dir, recoveryPointFile))
	paths, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	sort.Strings(paths)
	var segs []segFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		sf := segFile{path: p}
		for len(b) > 0 {
			sz := lengthFieldEnd + int(binary.BigEndian.Uint32(b[8:]))
			sf.batches = append(sf.batches, b[:sz])
			b = b[sz:]
		}
		segs = append(segs, sf)
	}
	return segs
}

// checkPrefix opens dir and checks that the log holds exactly want (the
// stored batches, in order) and still accepts and returns a new batch.
func checkPrefix(t *testing.T, dir string, want [][]byte) {
	t.Helper()
	l := openTest(t, dir, DefaultConfig(), nil)
	defer l.Close()
	var end int64
	if len(want) > 0 {
		h := parseHeader(want[len(want)-1])
		end = h.lastOffset() + 1
	}
	if l.EndOffset() != end {
		t.Fatalf("end offset %d, want %d", l.EndOffset(), end)
	}
	got, err := l.Read(0, 1<<30, 1<<62, true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Join(want, nil)) {
		t.Fatalf("log holds %v, want the prefix %v", batchBases(got), batchBases(bytes.Join(want, nil)))
	}
	// Transaction state is that of the surviving batches.
	m := txnModel{end: end, ongoing: map[int64]int64{}}
	for _, b := range want {
		h := parseHeader(b)
		if h.isTransactional() && !h.isControl() {
			if _, ok := m.ongoing[h.ProducerID]; !ok {
				m.ongoing[h.ProducerID] = h.BaseOffset
			}
		}
		if commit, ok := parseMarker(b, &h); ok {
			first, open := m.ongoing[h.ProducerID]
			if !open {
				first = h.BaseOffset
			}
			delete(m.ongoing, h.ProducerID)
			if !commit {
				m.aborted = append(m.aborted, completedTxn{ProducerID: h.ProducerID, FirstOffset: first, LastOffset: h.BaseOffset})
			}
		}
	}
	checkTxnState(t, l, m)
	// The idempotent producer continues where the surviving prefix ends.
	next := int32(0)
	for _, b := range want {
		if h := parseHeader(b); h.ProducerID == 7 {
			next = h.lastSequence() + 1
		}
	}
	res, err := l.Append(makeBatch(t, batchSpec{producerID: 7, seq: next}, kv("after", "recovery")), 0)
	if err != nil || res.BaseOffset != end || res.Duplicate {
		t.Fatalf("append after recovery: %+v %v", res, err)
	}
	recs := readAll(t, l, end)
	if len(recs) != 1 || recs[0].key != "after" {
		t.Fatalf("read back after recovery: %v", recs)
	}
}

// TestRecoveryTruncateEveryByte cuts the last segment at every byte of its
// last batch: the log must come back with exactly the earlier batches.
func TestRecoveryTruncateEveryByte(t *testing.T) {
	base := t.TempDir()
	segs := crashedLog(t, filepath.Join(base, "orig"), 12, 1<<20)
	last := segs[len(segs)-1]
	lastBatch := len(last.batches) - 1
	start := 0
	for _, b := range last.batches[:lastBatch] {
		start += len(b)
	}
	full := bytes.Join(last.batches, nil)
	for cut := start; cut < len(full); cut++ {
		dir := filepath.Join(base, fmt.Sprint(cut))
		copyDir(t, filepath.Join(base, "orig"), dir)
		if err := os.Truncate(filepath.Join(dir, filepath.Base(last.path)), int64(cut)); err != nil {
			t.Fatal(err)
		}
		checkPrefix(t, dir, last.batches[:lastBatch])
	}
}

func copyDir(tb testing.TB, from, to string) {
	tb.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		tb.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// FuzzRecovery states: after Open on a crashed log whose segment was
// truncated or had one byte changed, Open never panics and the log contains
// exactly the prefix of batches that were fully written and intact (the
// batches before the damaged one), its transaction state (LSO, open and
// aborted transactions) is the one those batches define, and it accepts
// new appends. The log mixes idempotent batches, transactional batches and
// COMMIT/ABORT markers. Bytes 0-8
// and 12-16 of a batch (base offset, leader epoch) are outside the CRC, so
// a change there is applied as a truncation instead.
func FuzzRecovery(f *testing.F) {
	f.Add(uint8(5), uint8(0), false, uint16(100), byte(1))
	f.Add(uint8(20), uint8(1), true, uint16(3000), byte(0x80))
	f.Add(uint8(9), uint8(2), true, uint16(20), byte(0xff))
	f.Fuzz(func(t *testing.T, n uint8, segSel uint8, flip bool, pos uint16, val byte) {
		dir := t.TempDir()
		segs := crashedLog(t, dir, 1+int(n%24), 900)
		si := int(segSel) % len(segs)
		sf := segs[si]
		full := bytes.Join(sf.batches, nil)
		p := int(pos) % (len(full) + 1)
		// Which batch does p fall in, and where does it start?
		bi, bstart := 0, 0
		for bi < len(sf.batches) && bstart+len(sf.batches[bi]) <= p {
			bstart += len(sf.batches[bi])
			bi++
		}
		inBatch := p - bstart
		if flip && val != 0 && p < len(full) && !(inBatch < 8 || (inBatch >= 12 && inBatch < 16)) {
			full[p] ^= val
			if err := os.WriteFile(sf.path, full, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if err := os.Truncate(sf.path, int64(p)); err != nil {
			t.Fatal(err)
		}
		var want [][]byte
		for _, s := range segs[:si] {
			want = append(want, s.batches...)
		}
		want = append(want, sf.batches[:bi]...)
		checkPrefix(t, dir, want)
	})
}
