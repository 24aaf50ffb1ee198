package log

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// rec is one record for test batches; a nil value is a tombstone.
type rec struct {
	key, value []byte
	tsDelta    int64
}

// batchSpec describes a test batch.
type batchSpec struct {
	codec      kgo.CompressionCodec
	baseTs     int64
	producerID int64 // 0 means none (-1 on the wire); use pid() for real ids
	epoch      int16
	seq        int32
}

func kv(k, v string) rec {
	var key []byte
	if k != "" {
		key = []byte(k)
	}
	var val []byte
	if v != "" {
		val = []byte(v)
	}
	return rec{key: key, value: val}
}

// encodeRecords encodes records with offset deltas 0..n-1 using kmsg.
func encodeRecords(recs []rec) []byte {
	var out []byte
	for i, r := range recs {
		kr := kmsg.Record{TimestampDelta64: r.tsDelta, OffsetDelta: int32(i), Key: r.key, Value: r.value}
		body := kr.AppendTo(nil) // with Length 0: one byte of varint
		kr.Length = int32(len(body) - 1)
		out = kr.AppendTo(out)
	}
	return out
}

var compressors sync.Map

// makeBatch builds a valid magic 2 batch with kmsg.RecordBatch.
func makeBatch(tb testing.TB, spec batchSpec, recs ...rec) []byte {
	tb.Helper()
	raw := encodeRecords(recs)
	attrs := int16(0)
	if c := codecType(spec.codec); c != kgo.CodecNone {
		comp, _ := compressors.LoadOrStore(c, mustCompressor(tb, spec.codec))
		out, ct := comp.(kgo.Compressor).Compress(new(bytes.Buffer), raw)
		raw = append([]byte(nil), out...)
		attrs = int16(ct)
	}
	var maxDelta int64
	for _, r := range recs {
		maxDelta = max(maxDelta, r.tsDelta)
	}
	pid, epoch, seq := int64(-1), int16(-1), int32(-1)
	if spec.producerID != 0 {
		pid, epoch, seq = spec.producerID, spec.epoch, spec.seq
	}
	rb := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1,
		Magic:                2,
		Attributes:           attrs,
		LastOffsetDelta:      int32(len(recs) - 1),
		FirstTimestamp:       spec.baseTs,
		MaxTimestamp:         spec.baseTs + maxDelta,
		ProducerID:           pid,
		ProducerEpoch:        epoch,
		FirstSequence:        seq,
		NumRecords:           int32(len(recs)),
		Records:              raw,
		Length:               int32(49 + len(raw)),
	}
	b := rb.AppendTo(nil)
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func codecType(c kgo.CompressionCodec) kgo.CompressionCodecType {
	switch c {
	case kgo.GzipCompression():
		return kgo.CodecGzip
	case kgo.SnappyCompression():
		return kgo.CodecSnappy
	case kgo.Lz4Compression():
		return kgo.CodecLz4
	case kgo.ZstdCompression():
		return kgo.CodecZstd
	}
	return kgo.CodecNone
}

func mustCompressor(tb testing.TB, c kgo.CompressionCodec) kgo.Compressor {
	comp, err := kgo.DefaultCompressor(c)
	if err != nil {
		tb.Fatal(err)
	}
	return comp
}

// values returns "value" strings of n records named prefix-i.
func recsN(prefix string, n int) []rec {
	out := make([]rec, n)
	for i := range out {
		out[i] = kv(fmt.Sprintf("%s-k%d", prefix, i), fmt.Sprintf("%s-v%d", prefix, i))
	}
	return out
}

// readRec is a record read back: its absolute offset, key, value, timestamp.
type readRec struct {
	offset     int64
	key, value string
	tombstone  bool
	ts         int64
}

// decodeAll splits read bytes into batches, checks each CRC, and returns
// the records.
func decodeAll(tb testing.TB, b []byte) []readRec {
	tb.Helper()
	var out []readRec
	for len(b) > 0 {
		if len(b) < lengthFieldEnd {
			tb.Fatalf("trailing %d bytes", len(b))
		}
		n := lengthFieldEnd + int(binary.BigEndian.Uint32(b[8:]))
		h, err := checkFraming(b[:n])
		if err != nil {
			tb.Fatalf("read batch: %v", err)
		}
		err = forEachRecord(b[:n], &h, func(r *record) error {
			ts := h.BaseTimestamp + r.TsDelta
			if h.logAppendTime() {
				ts = h.MaxTimestamp
			}
			out = append(out, readRec{h.BaseOffset + int64(r.OffsetDelta), string(r.Key), string(r.Value), r.Value == nil, ts})
			return nil
		})
		if err != nil {
			tb.Fatalf("decode records: %v", err)
		}
		b = b[n:]
	}
	return out
}

// batchBases returns the base offsets of the batches in b.
func batchBases(b []byte) []int64 {
	var out []int64
	for len(b) >= lengthFieldEnd {
		out = append(out, int64(binary.BigEndian.Uint64(b)))
		b = b[lengthFieldEnd+int(binary.BigEndian.Uint32(b[8:])):]
	}
	return out
}

// clock is a settable fake clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.UnixMilli(1_700_000_000_000)} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
func (c *clock) ms() int64 { return c.Now().UnixMilli() }

func openTest(tb testing.TB, dir string, cfg Config, c *clock) *Log {
	tb.Helper()
	opts := Options{}
	if c != nil {
		opts.Now = c.Now
	}
	l, err := Open(dir, cfg, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return l
}

func mustAppend(tb testing.TB, l *Log, b []byte) AppendResult {
	tb.Helper()
	res, err := l.Append(b, 0)
	if err != nil {
		tb.Fatalf("Append: %v", err)
	}
	return res
}

func readAll(tb testing.TB, l *Log, from int64) []readRec {
	tb.Helper()
	b, err := l.Read(from, 1<<30, 1<<62, true)
	if err != nil {
		tb.Fatalf("Read(%d): %v", from, err)
	}
	return decodeAll(tb, b)
}

func isErr(err, target error) bool { return errors.Is(err, target) }
