package meta

import "errors"

// Sentinel errors. Returned errors wrap them with details (topic name,
// reason), so callers test with errors.Is and map them to Kafka error codes.
var (
	ErrTopicExists              = errors.New("topic already exists")
	ErrUnknownTopic             = errors.New("unknown topic")
	ErrInvalidTopicName         = errors.New("invalid topic name")
	ErrInvalidPartitions        = errors.New("invalid partitions")
	ErrInvalidReplicationFactor = errors.New("invalid replication factor")
	ErrInvalidConfig            = errors.New("invalid config")
	// ErrNotController: this node is not the raft leader, so it cannot
	// change metadata (retriable elsewhere: NOT_CONTROLLER).
	ErrNotController = errors.New("not the controller")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("metadata store closed")
)
