package sdk

import (
	"context"

	"github.com/sluicehq/sluice/record"
)

// Connector is what every connector implements: it describes itself, checks a
// configuration beyond what its ConfigDef checks, and splits work into tasks.
type Connector interface {
	Spec() Spec
	// Validate checks cfg beyond the ConfigDef (Serve applies the ConfigDef
	// first and merges both answers); it returns property → problems and may
	// return nil.
	Validate(ctx context.Context, cfg map[string]string) map[string][]string
	// TaskConfigs splits the work into at most maxTasks task configurations.
	TaskConfigs(ctx context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error)
}

// SourceOffset is a source position: the partition of the source it belongs to
// (e.g. {"filename": "/x"}) and the position within it (e.g. {"position": 1234}).
// Values are JSON-like (nil, bool, int64, float64, string, []any, map[string]any);
// across the process boundary they travel as JSON, so integers arrive as int64
// when they fit and float64 otherwise.
type SourceOffset struct {
	Partition map[string]any
	Offset    map[string]any
}

// SourceTask reads records from an external system.
type SourceTask interface {
	Configure(ctx context.Context, cfg map[string]string) error
	// Open is given the last committed offset of each source partition the
	// runtime knows of (none on a first start).
	Open(ctx context.Context, committed []SourceOffset) error
	// Read returns the next batch; it blocks until data, ctx done, or returns (nil, nil) after a short idle wait.
	// Called from one goroutine at a time.
	Read(ctx context.Context) ([]record.Record, error)
	// Commit is called with offsets the runtime made durable (broker acknowledged, offset stored); may run concurrently with Read.
	Commit(ctx context.Context, offsets []SourceOffset) error
	Stop(ctx context.Context) error
}

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// SinkTask writes records to an external system.
type SinkTask interface {
	Configure(ctx context.Context, cfg map[string]string) error
	// Open is called with the partitions assigned to the task.
	Open(ctx context.Context, partitions []TopicPartition) error
	// Write hands over a batch. A record that cannot be written (bad data) is
	// reported to errant and Write goes on; an error fails the whole batch.
	Write(ctx context.Context, recs []record.Record, errant ErrantReporter) error
	// Flush makes everything written so far durable in the target and returns, per partition, the offset
	// of the next record to read (last durable + 1). The runtime commits exactly these.
	Flush(ctx context.Context) (map[TopicPartition]int64, error)
	Stop(ctx context.Context) error
}

// ErrantReporter takes records a sink could not write; the runtime sends them
// to the dead-letter queue (errors.tolerance=all) or fails the task.
type ErrantReporter interface {
	Report(rec record.Record, err error)
}

// SourceConnector is a Connector whose tasks are SourceTasks.
type SourceConnector interface {
	Connector
	NewTask() SourceTask
}

// SinkConnector is a Connector whose tasks are SinkTasks.
type SinkConnector interface {
	Connector
	NewTask() SinkTask
}
