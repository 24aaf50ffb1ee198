package sdk_test

import (
	"context"
	"strconv"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// A third-party plugin is a main package named sluice-connector-NAME on the
// worker's plugin.path whose main calls Serve.
func ExampleServe() {
	sdk.Serve(ticker{})
}

var tickerDef = sdk.NewConfigDef().
	Define(sdk.Key{Name: "topic", Type: sdk.String, Required: true, Importance: sdk.High,
		Doc: "Topic to write ticks to.", Validator: sdk.NonEmpty})

type ticker struct{}

func (ticker) Spec() sdk.Spec {
	return sdk.Spec{Name: "ticker", Version: "0.1.0", Kind: sdk.Source, Config: tickerDef}
}

func (ticker) Validate(context.Context, map[string]string) map[string][]string { return nil }

func (ticker) TaskConfigs(_ context.Context, cfg map[string]string, _ int) ([]map[string]string, error) {
	return []map[string]string{cfg}, nil // one task
}

func (ticker) NewTask() sdk.SourceTask { return &tickerTask{} }

type tickerTask struct {
	sdk.UnimplementedSourceTask
	topic string
	n     int64
}

func (t *tickerTask) Configure(_ context.Context, cfg map[string]string) error {
	t.topic = cfg["topic"]
	return nil
}

func (t *tickerTask) Open(_ context.Context, committed []sdk.SourceOffset) error {
	for _, o := range committed {
		t.n, _ = o.Offset["n"].(int64) // resume after the last durable tick
	}
	return nil
}

func (t *tickerTask) Read(context.Context) ([]record.Record, error) {
	t.n++
	return []record.Record{{
		Topic: t.topic, Partition: -1, Value: "tick " + strconv.FormatInt(t.n, 10),
		SourcePartition: map[string]any{"ticker": "main"},
		SourceOffset:    map[string]any{"n": t.n},
	}}, nil
}
