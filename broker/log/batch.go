package log

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Record batch (magic 2) header layout, all big endian:
//
//	off len field
//	  0   8 baseOffset            rewritten by the log
//	  8   4 batchLength           bytes after this field
//	 12   4 partitionLeaderEpoch  rewritten by the log
//	 16   1 magic (2)
//	 17   4 crc                   CRC-32C of bytes [21, end)
//	 21   2 attributes            bits 0-2 codec, 3 timestamp type,
//	                              4 transactional, 5 control
//	 23   4 lastOffsetDelta
//	 27   8 baseTimestamp
//	 35   8 maxTimestamp
//	 43   8 producerId
//	 51   2 producerEpoch
//	 53   4 baseSequence
//	 57   4 recordCount
//	 61     records (compressed as a whole when codec != 0)
const (
	batchHeaderLen = 61
	lengthFieldEnd = 12 // batch size on disk = lengthFieldEnd + batchLength
	crcStart       = 21

	attrCodecMask     = 0x07
	attrLogAppendTime = 0x08
	attrTransactional = 0x10
	attrControl       = 0x20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// batchHeader is the decoded fixed part of a record batch.
type batchHeader struct {
	BaseOffset      int64
	Length          int32 // batchLength field
	LeaderEpoch     int32
	Magic           int8
	CRC             uint32
	Attributes      int16
	LastOffsetDelta int32
	BaseTimestamp   int64
	MaxTimestamp    int64
	ProducerID      int64
	ProducerEpoch   int16
	BaseSequence    int32
	NumRecords      int32
}

func (h *batchHeader) size() int64       { return lengthFieldEnd + int64(h.Length) }
func (h *batchHeader) lastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }
func (h *batchHeader) codec() kgo.CompressionCodecType {
	return kgo.CompressionCodecType(h.Attributes & attrCodecMask)
}
func (h *batchHeader) isControl() bool     { return h.Attributes&attrControl != 0 }
func (h *batchHeader) logAppendTime() bool { return h.Attributes&attrLogAppendTime != 0 }
func (h *batchHeader) isTransactional() bool {
	return h.Attributes&attrTransactional != 0 && h.ProducerID >= 0
}

// lastSequence is the sequence of the batch's last record, wrapping at
// MaxInt32 like Kafka.
func (h *batchHeader) lastSequence() int32 {
	if h.BaseSequence < 0 {
		return -1
	}
	s := int64(h.BaseSequence) + int64(h.LastOffsetDelta)
	if s > math.MaxInt32 {
		s -= math.MaxInt32 + 1
	}
	return int32(s)
}

// parseHeader decodes the fixed header; b must hold at least batchHeaderLen
// bytes. It checks nothing.
func parseHeader(b []byte) batchHeader {
	be := binary.BigEndian
	return batchHeader{
		BaseOffset:      int64(be.Uint64(b[0:])),
		Length:          int32(be.Uint32(b[8:])),
		LeaderEpoch:     int32(be.Uint32(b[12:])),
		Magic:           int8(b[16]),
		CRC:             be.Uint32(b[17:]),
		Attributes:      int16(be.Uint16(b[21:])),
		LastOffsetDelta: int32(be.Uint32(b[23:])),
		BaseTimestamp:   int64(be.Uint64(b[27:])),
		MaxTimestamp:    int64(be.Uint64(b[35:])),
		ProducerID:      int64(be.Uint64(b[43:])),
		ProducerEpoch:   int16(be.Uint16(b[51:])),
		BaseSequence:    int32(be.Uint32(b[53:])),
		NumRecords:      int32(be.Uint32(b[57:])),
	}
}

// checkFraming verifies what can be verified without decoding records:
// the length field matches len(b), magic is 2, and the CRC is right.
func checkFraming(b []byte) (batchHeader, error) {
	if len(b) < batchHeaderLen {
		return batchHeader{}, fmt.Errorf("%w: %d bytes is shorter than a batch header", ErrCorruptMessage, len(b))
	}
	h := parseHeader(b)
	if h.Length < batchHeaderLen-lengthFieldEnd || h.size() != int64(len(b)) {
		return h, fmt.Errorf("%w: batch length %d does not match %d bytes", ErrCorruptMessage, h.Length, len(b))
	}
	if h.Magic != 2 {
		return h, fmt.Errorf("%w: magic %d, want 2", ErrCorruptMessage, h.Magic)
	}
	if crc := crc32.Checksum(b[crcStart:], castagnoli); crc != h.CRC {
		return h, fmt.Errorf("%w: crc %08x, computed %08x", ErrCorruptMessage, h.CRC, crc)
	}
	return h, nil
}

// setCRC recomputes the CRC of a batch whose bytes after offset 21 changed.
func setCRC(b []byte) {
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[crcStart:], castagnoli))
}

// record is one decoded record; slices alias the batch (or decompressed)
// bytes.
type record struct {
	Raw         []byte // the whole encoded record, length prefix included
	OffsetDelta int32
	TsDelta     int64
	Key         []byte // nil when the key is null
	Value       []byte // nil for a tombstone
}

// decompressor is shared: kgo's is safe for concurrent use.
var decompressor = kgo.DefaultDecompressor()

// recordsOf returns the (decompressed) record bytes of a framed batch.
func recordsOf(b []byte, h *batchHeader) ([]byte, error) {
	raw := b[batchHeaderLen:]
	codec := h.codec()
	if codec == kgo.CodecNone {
		return raw, nil
	}
	if codec > kgo.CodecZstd {
		return nil, fmt.Errorf("%w: unknown compression codec %d", ErrCorruptMessage, codec)
	}
	out, err := decompressor.Decompress(raw, codec)
	if err != nil {
		return nil, fmt.Errorf("%w: decompress: %v", ErrCorruptMessage, err)
	}
	return out, nil
}

// forEachRecord decodes the records of a framed batch and calls fn for each.
// It fails with ErrCorruptMessage when the records do not parse or their
// count differs from the header's.
func forEachRecord(b []byte, h *batchHeader, fn func(r *record) error) error {
	data, err := recordsOf(b, h)
	if err != nil {
		return err
	}
	if h.NumRecords < 0 || int64(h.NumRecords) > int64(len(data)) {
		return fmt.Errorf("%w: record count %d", ErrCorruptMessage, h.NumRecords)
	}
	var r record
	for i := int32(0); i < h.NumRecords; i++ {
		n, err := decodeRecord(data, &r)
		if err != nil {
			return fmt.Errorf("%w: record %d: %v", ErrCorruptMessage, i, err)
		}
		data = data[n:]
		if err := fn(&r); err != nil {
			return err
		}
	}
	if len(data) != 0 {
		return fmt.Errorf("%w: %d trailing bytes after %d records", ErrCorruptMessage, len(data), h.NumRecords)
	}
	return nil
}

type recordErr string

func (e recordErr) Error() string { return string(e) }

// decodeRecord decodes one record at the front of data and returns its
// encoded size.
func decodeRecord(data []byte, r *record) (int, error) {
	length, n := binary.Varint(data)
	if n <= 0 || length < 0 || length > int64(len(data)-n) {
		return 0, recordErr("bad record length")
	}
	total := n + int(length)
	body := data[n:total]
	r.Raw = data[:total]
	if len(body) < 1 {
		return 0, recordErr("short record")
	}
	body = body[1:] // attributes
	var ok bool
	var v int64
	if v, body, ok = varint(body); !ok {
		return 0, recordErr("bad timestamp delta")
	}
	r.TsDelta = v
	if v, body, ok = varint(body); !ok || v < 0 || v > math.MaxInt32 {
		return 0, recordErr("bad offset delta")
	}
	r.OffsetDelta = int32(v)
	if r.Key, body, ok = varbytes(body); !ok {
		return 0, recordErr("bad key")
	}
	if r.Value, body, ok = varbytes(body); !ok {
		return 0, recordErr("bad value")
	}
	if v, body, ok = varint(body); !ok || v < 0 {
		return 0, recordErr("bad header count")
	}
	for i := int64(0); i < v; i++ {
		var k []byte
		if k, body, ok = varbytes(body); !ok || k == nil {
			return 0, recordErr("bad header key")
		}
		if _, body, ok = varbytes(body); !ok {
			return 0, recordErr("bad header value")
		}
	}
	if len(body) != 0 {
		return 0, recordErr("record length mismatch")
	}
	return total, nil
}

func varint(b []byte) (int64, []byte, bool) {
	v, n := binary.Varint(b)
	if n <= 0 {
		return 0, b, false
	}
	return v, b[n:], true
}

// varbytes reads a varint length and that many bytes; length -1 is null.
func varbytes(b []byte) ([]byte, []byte, bool) {
	l, rest, ok := varint(b)
	if !ok || l < -1 || l > int64(len(rest)) {
		return nil, b, false
	}
	if l == -1 {
		return nil, rest, true
	}
	return rest[:l:l], rest[l:], true
}

func putU16(b []byte, v uint16) { binary.BigEndian.PutUint16(b, v) }
func putU32(b []byte, v uint32) { binary.BigEndian.PutUint32(b, v) }
func putU64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }
