package log

import (
	"encoding/binary"
	"fmt"
)

// validateBatch checks a produced batch before it takes the log lock:
// framing and CRC, max.message.bytes, a record count consistent with
// lastOffsetDelta and with the records themselves (offset deltas 0..n-1),
// and on compacted logs a key on every record. Clients may not write
// control batches; only a coordinator may omit the sequence of a producer
// batch.
func validateBatch(b []byte, cfg *Config, origin appendOrigin) (batchHeader, error) {
	if int64(len(b)) > int64(cfg.MaxMessageBytes) {
		return batchHeader{}, fmt.Errorf("%w: %d bytes > %d", ErrMessageTooLarge, len(b), cfg.MaxMessageBytes)
	}
	h, err := checkFraming(b)
	if err != nil {
		return h, err
	}
	if h.NumRecords <= 0 || h.LastOffsetDelta != h.NumRecords-1 {
		return h, fmt.Errorf("%w: %d records with last offset delta %d", ErrInvalidRecord, h.NumRecords, h.LastOffsetDelta)
	}
	if h.isControl() {
		return h, fmt.Errorf("%w: control batches are written by the broker only", ErrInvalidRecord)
	}
	if h.ProducerID >= 0 && h.BaseSequence < 0 && origin != originCoordinator {
		return h, fmt.Errorf("%w: producer %d batch without a sequence", ErrInvalidRecord, h.ProducerID)
	}
	var i int32
	var keyless bool
	err = forEachRecord(b, &h, func(r *record) error {
		if r.OffsetDelta != i {
			return fmt.Errorf("%w: record %d has offset delta %d", ErrInvalidRecord, i, r.OffsetDelta)
		}
		if r.Key == nil {
			keyless = true
		}
		i++
		return nil
	})
	if err != nil {
		return h, err
	}
	if cfg.Compact && keyless && !h.isControl() {
		return h, fmt.Errorf("%w: compacted topic requires a key on every record", ErrInvalidRecord)
	}
	return h, nil
}

// stampBatch writes the assigned base offset and the leader epoch; both
// fields lie outside the CRC.
func stampBatch(b []byte, base int64, leaderEpoch int32) {
	binary.BigEndian.PutUint64(b[0:], uint64(base))
	binary.BigEndian.PutUint32(b[12:], uint32(leaderEpoch))
}

// setLogAppendTime marks the batch LogAppendTime with maxTimestamp = ts and
// recomputes the CRC, as Kafka does for message.timestamp.type=LogAppendTime
// (the only case besides compaction where bytes under the CRC change).
func setLogAppendTime(b []byte, ts int64) {
	attrs := binary.BigEndian.Uint16(b[21:]) | attrLogAppendTime
	binary.BigEndian.PutUint16(b[21:], attrs)
	binary.BigEndian.PutUint64(b[35:], uint64(ts))
	setCRC(b)
}
