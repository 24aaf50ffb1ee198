package sdk

import (
	"context"

	"github.com/sluicehq/sluice/record"
)

// UnimplementedSourceTask gives a SourceTask defaults: every method succeeds
// and does nothing; Read waits for ctx and returns its error. Embed it and
// override what the task needs.
type UnimplementedSourceTask struct{}

func (UnimplementedSourceTask) Configure(context.Context, map[string]string) error { return nil }
func (UnimplementedSourceTask) Open(context.Context, []SourceOffset) error         { return nil }
func (UnimplementedSourceTask) Read(ctx context.Context) ([]record.Record, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (UnimplementedSourceTask) Commit(context.Context, []SourceOffset) error { return nil }
func (UnimplementedSourceTask) Stop(context.Context) error                   { return nil }

// UnimplementedSinkTask gives a SinkTask defaults: every method succeeds and
// does nothing; Flush returns no offsets (nothing is committed). Embed it and
// override what the task needs.
type UnimplementedSinkTask struct{}

func (UnimplementedSinkTask) Configure(context.Context, map[string]string) error { return nil }
func (UnimplementedSinkTask) Open(context.Context, []TopicPartition) error       { return nil }
func (UnimplementedSinkTask) Write(context.Context, []record.Record, ErrantReporter) error {
	return nil
}
func (UnimplementedSinkTask) Flush(context.Context) (map[TopicPartition]int64, error) {
	return nil, nil
}
func (UnimplementedSinkTask) Stop(context.Context) error { return nil }

var (
	_ SourceTask = UnimplementedSourceTask{}
	_ SinkTask   = UnimplementedSinkTask{}
)
