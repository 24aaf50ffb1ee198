package broker

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	plog "github.com/sluicehq/sluice/broker/log"
	"github.com/sluicehq/sluice/broker/meta"
)

// logErr maps a partition log error to the Kafka error a client expects.
func logErr(err error) *kerr.Error {
	var ke *kerr.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ke):
		return ke
	case errors.Is(err, plog.ErrCorruptMessage):
		return kerr.CorruptMessage
	case errors.Is(err, plog.ErrMessageTooLarge):
		return kerr.MessageTooLarge
	case errors.Is(err, plog.ErrInvalidRecord):
		return kerr.InvalidRecord
	case errors.Is(err, plog.ErrOffsetOutOfRange):
		return kerr.OffsetOutOfRange
	case errors.Is(err, plog.ErrOutOfOrderSequence):
		return kerr.OutOfOrderSequenceNumber
	case errors.Is(err, plog.ErrInvalidProducerEpoch):
		return kerr.InvalidProducerEpoch
	case errors.Is(err, plog.ErrInvalidTxnState):
		return kerr.InvalidTxnState
	case errors.Is(err, plog.ErrClosed):
		return kerr.NotLeaderForPartition
	default:
		return kerr.KafkaStorageError
	}
}

// metaErr maps a metadata store error to a Kafka error.
func metaErr(err error) *kerr.Error {
	var ke *kerr.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ke):
		return ke
	case errors.Is(err, meta.ErrTopicExists):
		return kerr.TopicAlreadyExists
	case errors.Is(err, meta.ErrUnknownTopic):
		return kerr.UnknownTopicOrPartition
	case errors.Is(err, meta.ErrInvalidTopicName):
		return kerr.InvalidTopicException
	case errors.Is(err, meta.ErrInvalidPartitions):
		return kerr.InvalidPartitions
	case errors.Is(err, meta.ErrInvalidReplicationFactor):
		return kerr.InvalidReplicationFactor
	case errors.Is(err, meta.ErrInvalidConfig):
		return kerr.InvalidConfig
	case errors.Is(err, meta.ErrNotController):
		return kerr.NotController
	default:
		return kerr.UnknownServerError
	}
}

// codeOf is the numeric code of a Kafka error; nil is 0.
func codeOf(ke *kerr.Error) int16 {
	if ke == nil {
		return 0
	}
	return ke.Code
}

// messageOf is the detail message to send with an error, or nil.
func messageOf(err error) *string {
	if err == nil {
		return nil
	}
	s := err.Error()
	return &s
}
