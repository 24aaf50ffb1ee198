package log

import "errors"

// Sentinel errors. The broker maps them to Kafka error codes; wrapped errors
// keep them reachable with errors.Is.
var (
	// ErrCorruptMessage: bad length, magic, CRC or record framing
	// (CORRUPT_MESSAGE).
	ErrCorruptMessage = errors.New("log: corrupt record batch")
	// ErrMessageTooLarge: the batch exceeds max.message.bytes
	// (MESSAGE_TOO_LARGE).
	ErrMessageTooLarge = errors.New("log: record batch larger than max.message.bytes")
	// ErrInvalidRecord: a well formed batch the log refuses, such as a
	// record without a key on a compacted log (INVALID_RECORD).
	ErrInvalidRecord = errors.New("log: invalid record")
	// ErrOffsetOutOfRange: the offset is outside [StartOffset, EndOffset]
	// (OFFSET_OUT_OF_RANGE).
	ErrOffsetOutOfRange = errors.New("log: offset out of range")
	// ErrOutOfOrderSequence: idempotent producer sequence gap
	// (OUT_OF_ORDER_SEQUENCE_NUMBER).
	ErrOutOfOrderSequence = errors.New("log: out of order sequence number")
	// ErrInvalidProducerEpoch: the producer epoch is older than the one the
	// log knows (INVALID_PRODUCER_EPOCH).
	ErrInvalidProducerEpoch = errors.New("log: invalid producer epoch")
	// ErrInvalidTxnState: a non-transactional batch from a producer with an
	// open transaction (INVALID_TXN_STATE).
	ErrInvalidTxnState = errors.New("log: invalid transaction state")
	// ErrClosed: the log was closed or removed.
	ErrClosed = errors.New("log: closed")
)
