// Command crashsource is a test plugin: a source connector that emits
// "0".."count-1" to one topic and, the first time it reaches crash.at, exits
// the process (as a crash would) after leaving crash.marker behind.
package main

import (
	"context"
	"os"
	"strconv"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

func main() { sdk.Serve(connector{}) }

type connector struct{}

func (connector) Spec() sdk.Spec {
	return sdk.Spec{Name: "crash-source", Version: "1", Kind: sdk.Source, Config: sdk.NewConfigDef().
		Define(sdk.Key{Name: "count", Type: sdk.Long, Required: true}).
		Define(sdk.Key{Name: "crash.at", Type: sdk.Long, Required: true}).
		Define(sdk.Key{Name: "crash.marker", Type: sdk.String, Required: true}).
		Define(sdk.Key{Name: "topic", Type: sdk.String, Required: true})}
}

func (connector) Validate(context.Context, map[string]string) map[string][]string { return nil }

func (connector) TaskConfigs(_ context.Context, cfg map[string]string, _ int) ([]map[string]string, error) {
	return []map[string]string{cfg}, nil
}

func (connector) NewTask() sdk.SourceTask { return &task{} }

type task struct {
	sdk.UnimplementedSourceTask
	pos, count, crashAt int64
	marker, topic       string
}

func (t *task) Configure(_ context.Context, cfg map[string]string) error {
	t.count, _ = strconv.ParseInt(cfg["count"], 10, 64)
	t.crashAt, _ = strconv.ParseInt(cfg["crash.at"], 10, 64)
	t.marker, t.topic = cfg["crash.marker"], cfg["topic"]
	return nil
}

func (t *task) Open(_ context.Context, committed []sdk.SourceOffset) error {
	for _, o := range committed {
		if p, ok := o.Offset["pos"].(int64); ok {
			t.pos = p
		}
	}
	return nil
}

func (t *task) Read(ctx context.Context) ([]record.Record, error) {
	if t.pos >= t.count {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if t.pos >= t.crashAt {
		if _, err := os.Stat(t.marker); err != nil {
			os.WriteFile(t.marker, nil, 0o644)
			os.Exit(3)
		}
	}
	var recs []record.Record
	for i := 0; i < 50 && t.pos < t.count; i++ {
		recs = append(recs, record.Record{
			Topic: t.topic, Partition: -1, Value: strconv.FormatInt(t.pos, 10),
			SourcePartition: map[string]any{"p": "only"},
			SourceOffset:    map[string]any{"pos": t.pos + 1},
		})
		t.pos++
	}
	return recs, nil
}
