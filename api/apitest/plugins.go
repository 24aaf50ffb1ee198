package apitest

import (
	"context"
	"maps"
	"strconv"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// Connectors returns SourceClass and SinkClass as SDK connectors, with the
// config definitions the in-memory herder uses, so that a real herder
// running them gives the answers of the golden files (api/testdata). Their
// tasks run and do nothing: a source task reads nothing, a sink task
// takes what it is given.
func Connectors() []sdk.Connector { return []sdk.Connector{idleSource{}, idleSink{}} }

// taskConfigs gives each task the connector's config and its task.id.
func taskConfigs(cfg map[string]string, n int) []map[string]string {
	out := make([]map[string]string, n)
	for i := range out {
		out[i] = maps.Clone(cfg)
		out[i]["task.id"] = strconv.Itoa(i)
	}
	return out
}

type idleSource struct{}

func (idleSource) Spec() sdk.Spec {
	return sdk.Spec{Name: SourceClass, Version: "0.1.0", Kind: sdk.Source, Config: sourceDef()}
}
func (idleSource) Validate(context.Context, map[string]string) map[string][]string { return nil }
func (idleSource) TaskConfigs(_ context.Context, cfg map[string]string, n int) ([]map[string]string, error) {
	return taskConfigs(cfg, n), nil
}
func (idleSource) NewTask() sdk.SourceTask { return idleSourceTask{} }

type idleSourceTask struct{}

func (idleSourceTask) Configure(context.Context, map[string]string) error { return nil }
func (idleSourceTask) Open(context.Context, []sdk.SourceOffset) error     { return nil }
func (idleSourceTask) Read(ctx context.Context) ([]record.Record, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (idleSourceTask) Commit(context.Context, []sdk.SourceOffset) error { return nil }
func (idleSourceTask) Stop(context.Context) error                       { return nil }

type idleSink struct{}

func (idleSink) Spec() sdk.Spec {
	return sdk.Spec{Name: SinkClass, Version: "0.1.0", Kind: sdk.Sink, Config: sinkDef()}
}
func (idleSink) Validate(context.Context, map[string]string) map[string][]string { return nil }
func (idleSink) TaskConfigs(_ context.Context, cfg map[string]string, n int) ([]map[string]string, error) {
	return taskConfigs(cfg, n), nil
}
func (idleSink) NewTask() sdk.SinkTask { return idleSinkTask{} }

type idleSinkTask struct{}

func (idleSinkTask) Configure(context.Context, map[string]string) error { return nil }
func (idleSinkTask) Open(context.Context, []sdk.TopicPartition) error   { return nil }
func (idleSinkTask) Write(context.Context, []record.Record, sdk.ErrantReporter) error {
	return nil
}
func (idleSinkTask) Flush(context.Context) (map[sdk.TopicPartition]int64, error) { return nil, nil }
func (idleSinkTask) Stop(context.Context) error                                  { return nil }
