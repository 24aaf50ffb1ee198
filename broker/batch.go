package broker

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// kv is one record the broker writes itself (group offsets and metadata).
type kv struct{ key, value []byte }

// Record batch attribute bits.
const (
	attrTransactional = 0x10
	attrControl       = 0x20
)

// encodeBatch builds an uncompressed magic-2 record batch without a
// producer id, as the broker writes to internal topics.
func encodeBatch(recs []kv, nowMs int64) []byte {
	return encodeTxnBatch(recs, nowMs, -1, -1)
}

// encodeTxnBatch builds an uncompressed batch; with producerID >= 0 it is a
// transactional batch of that producer without sequence numbers, as
// Kafka's coordinators write them.
func encodeTxnBatch(recs []kv, nowMs int64, producerID int64, producerEpoch int16) []byte {
	var records []byte
	for i, r := range recs {
		rec := kmsg.Record{OffsetDelta: int32(i), Key: r.key, Value: r.value}
		body := rec.AppendTo(nil)
		rec.Length = int32(len(body) - 1) // body was written with a one-byte zero length
		records = rec.AppendTo(records)
	}
	rb := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1,
		Magic:                2,
		LastOffsetDelta:      int32(len(recs) - 1),
		FirstTimestamp:       nowMs,
		MaxTimestamp:         nowMs,
		ProducerID:           producerID,
		ProducerEpoch:        producerEpoch,
		FirstSequence:        -1,
		NumRecords:           int32(len(recs)),
		Records:              records,
	}
	if producerID >= 0 {
		rb.Attributes = attrTransactional
	}
	out := rb.AppendTo(nil)
	binary.BigEndian.PutUint32(out[8:12], uint32(len(out)-12))
	binary.BigEndian.PutUint32(out[17:21], crcOf(out[21:]))
	return out
}

// forEachRecord decodes the batches in data (as returned by a log read)
// and calls fn for every record with its batch and absolute offset,
// control records included (rb.Attributes&0x20 tells them apart).
func forEachRecord(data []byte, dec kgo.Decompressor, fn func(rb *kmsg.RecordBatch, offset int64, r kmsg.Record) error) error {
	for len(data) >= 12 {
		n := 12 + int(int32(binary.BigEndian.Uint32(data[8:12])))
		if n > len(data) || n < batchHeaderLen {
			return fmt.Errorf("truncated record batch: %d of %d bytes", len(data), n)
		}
		var rb kmsg.RecordBatch
		if err := rb.ReadFrom(data[:n]); err != nil {
			return fmt.Errorf("decode record batch: %w", err)
		}
		data = data[n:]
		recs := rb.Records
		if codec := kgo.CompressionCodecType(rb.Attributes & 0x7); codec != kgo.CodecNone {
			var err error
			if recs, err = dec.Decompress(recs, codec); err != nil {
				return fmt.Errorf("decompress batch at offset %d: %w", rb.FirstOffset, err)
			}
		}
		for i := int32(0); i < rb.NumRecords; i++ {
			l, vn := binary.Varint(recs)
			if vn <= 0 || l < 0 || int(l) > len(recs)-vn {
				return fmt.Errorf("malformed record %d in batch at offset %d", i, rb.FirstOffset)
			}
			var r kmsg.Record
			if err := r.ReadFrom(recs[:vn+int(l)]); err != nil {
				return fmt.Errorf("decode record %d in batch at offset %d: %w", i, rb.FirstOffset, err)
			}
			recs = recs[vn+int(l):]
			if err := fn(&rb, rb.FirstOffset+int64(r.OffsetDelta), r); err != nil {
				return err
			}
		}
	}
	return nil
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
