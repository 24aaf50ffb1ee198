package log

import (
	"encoding/binary"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// FuzzAppend states: Append on arbitrary bytes never panics and never
// corrupts the log. Whatever it accepted or refused, a valid batch
// appended afterwards gets the next offset and reads back intact, and the
// log reopens to the same end offset. With fixFraming the length, magic and
// CRC are made valid first, so the fuzzer reaches the record decoder.
func FuzzAppend(f *testing.F) {
	valid := makeBatch(f, batchSpec{baseTs: 5}, kv("k", "v"), kv("k2", ""))
	f.Add(valid, false, false)
	f.Add(makeBatch(f, batchSpec{codec: kgo.SnappyCompression(), producerID: 3, seq: 9}, recsN("x", 4)...), true, true)
	f.Add(valid[:40], false, true)
	f.Add([]byte{}, true, false)
	f.Fuzz(func(t *testing.T, data []byte, compact, fixFraming bool) {
		dir := t.TempDir()
		cfg := DefaultConfig()
		cfg.Compact = compact
		l := openTest(t, dir, cfg, nil)
		defer func() { l.Close() }()
		in := append([]byte(nil), data...)
		if fixFraming && len(in) >= batchHeaderLen {
			binary.BigEndian.PutUint32(in[8:], uint32(len(in)-lengthFieldEnd))
			in[16] = 2
			setCRC(in)
		}
		res, err := l.Append(in, 1)
		end := l.EndOffset()
		if err == nil && (res.BaseOffset != 0 || end != res.LastOffset+1) {
			t.Fatalf("accepted batch got %+v, end %d", res, end)
		}
		if err != nil && end != 0 {
			t.Fatalf("refused batch moved the end to %d", end)
		}
		before, err := l.Read(0, 1<<30, 1<<62, true)
		if err != nil {
			t.Fatal(err)
		}
		decodeAll(t, before) // whatever was accepted decodes

		res, err = l.Append(makeBatch(t, batchSpec{}, kv("after", "fuzz")), 1)
		if err != nil || res.BaseOffset != end {
			t.Fatalf("valid append after fuzz: %+v %v", res, err)
		}
		recs := readAll(t, l, end)
		if len(recs) != 1 || recs[0].key != "after" || recs[0].offset != end {
			t.Fatalf("read back %v", recs)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l = openTest(t, dir, cfg, nil)
		if l.EndOffset() != end+1 {
			t.Fatalf("reopened end %d, want %d", l.EndOffset(), end+1)
		}
	})
}
