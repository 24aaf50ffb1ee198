// Command sluice-connector-counter is a third-party connector plugin: it is
// built in its own module against the public SDK only, as a connector
// author outside the project would build it, and found by the worker on
// plugin.path. CounterSource emits the numbers 0..count-1 as string
// records; PickySink (picky.go) writes integers and reports anything else
// as errant.
package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

func main() { sdk.Serve(&counter{}, &picky{}) }

type counter struct{}

func (c *counter) Spec() sdk.Spec {
	def := sdk.NewConfigDef().
		Define(sdk.Key{Name: "topic", Type: sdk.String, Importance: sdk.High, Doc: "Topic to write to."}).
		Define(sdk.Key{Name: "count", Type: sdk.Int, Default: "100", Importance: sdk.Medium, Doc: "How many records to emit."})
	return sdk.Spec{Name: "CounterSource", Version: "1.0.0", Kind: sdk.Source, Config: def}
}

func (c *counter) Validate(context.Context, map[string]string) map[string][]string { return nil }

func (c *counter) TaskConfigs(_ context.Context, cfg map[string]string, _ int) ([]map[string]string, error) {
	return []map[string]string{cfg}, nil
}

func (c *counter) NewTask() sdk.SourceTask { return &task{} }

type task struct {
	sdk.UnimplementedSourceTask
	topic      string
	next, stop int64
}

func (t *task) Configure(_ context.Context, cfg map[string]string) error {
	n, err := strconv.ParseInt(cfg["count"], 10, 64)
	if err != nil {
		return fmt.Errorf("count: %w", err)
	}
	t.topic, t.stop = cfg["topic"], n
	return nil
}

func (t *task) Open(_ context.Context, committed []sdk.SourceOffset) error {
	for _, o := range committed {
		n, err := sdk.OffsetInt64(o.Offset["next"])
		if err != nil {
			return fmt.Errorf("committed offset %v: %w", o.Offset, err)
		}
		t.next = n
	}
	return nil
}

func (t *task) Read(ctx context.Context) ([]record.Record, error) {
	if t.next >= t.stop {
		<-ctx.Done()
		return nil, nil
	}
	var out []record.Record
	for ; t.next < t.stop && len(out) < 100; t.next++ {
		out = append(out, record.Record{
			Topic:           t.topic,
			Partition:       -1,
			ValueSchema:     record.StringSchema(),
			Value:           strconv.FormatInt(t.next, 10),
			SourcePartition: map[string]any{"counter": "0"},
			SourceOffset:    map[string]any{"next": t.next + 1},
		})
	}
	return out, nil
}
