// Command good is a well-behaved test plugin serving a counting source and a
// collecting sink; configuration switches on the misbehaviours the host's
// fault tests need (panic in Read, a Stop that never returns).
package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

func main() {
	sdk.Serve(countSource{}, collectSink{})
}

var sourceDef = sdk.NewConfigDef().
	Define(sdk.Key{Name: "topic", Type: sdk.String, Required: true, Importance: sdk.High, Doc: "topic to write to", Validator: sdk.NonEmpty}).
	Define(sdk.Key{Name: "records", Type: sdk.Long, Default: "0", Importance: sdk.Medium, Doc: "records to produce; 0: endless"}).
	Define(sdk.Key{Name: "batch", Type: sdk.Int, Default: "10", Importance: sdk.Low, Doc: "records per Read", Validator: sdk.Range(1, 100000)}).
	Define(sdk.Key{Name: "size", Type: sdk.Int, Default: "8", Importance: sdk.Low, Doc: "value bytes"}).
	Define(sdk.Key{Name: "panic.at", Type: sdk.Long, Default: "-1", Importance: sdk.Low, Doc: "panic when reaching this position"}).
	Define(sdk.Key{Name: "stop.hang", Type: sdk.Boolean, Default: "false", Importance: sdk.Low, Doc: "Stop never returns"})

type countSource struct{}

func (countSource) Spec() sdk.Spec {
	return sdk.Spec{Name: "count-source", Version: "1.0.0", Kind: sdk.Source, Config: sourceDef,
		Aliases: []string{"org.example.CountSource"}}
}

func (countSource) Validate(_ context.Context, cfg map[string]string) map[string][]string {
	if cfg["topic"] == "forbidden" {
		return map[string][]string{"topic": {"topic forbidden is reserved"}}
	}
	return nil
}

func (countSource) TaskConfigs(_ context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	if maxTasks < 1 {
		return nil, fmt.Errorf("tasks.max must be positive: %w", sdk.ErrFatal)
	}
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = map[string]string{"topic": cfg["topic"], "task.id": strconv.Itoa(i)}
	}
	return out, nil
}

func (countSource) NewTask() sdk.SourceTask { return &countTask{} }

type countTask struct {
	topic        string
	total, batch int64
	panicAt      int64
	hang         bool
	pos          int64
	value        []byte
}

func (t *countTask) Configure(_ context.Context, cfg map[string]string) error {
	if p := sourceDef.Validate(cfg); p != nil {
		return fmt.Errorf("invalid config %v: %w", p, sdk.ErrFatal)
	}
	t.topic = cfg["topic"]
	t.total, _ = strconv.ParseInt(sourceDef.Value(cfg, "records"), 10, 64)
	t.batch, _ = strconv.ParseInt(sourceDef.Value(cfg, "batch"), 10, 64)
	t.panicAt, _ = strconv.ParseInt(sourceDef.Value(cfg, "panic.at"), 10, 64)
	t.hang = sourceDef.Value(cfg, "stop.hang") == "true"
	size, _ := strconv.Atoi(sourceDef.Value(cfg, "size"))
	t.value = make([]byte, size)
	for i := range t.value {
		t.value[i] = 'a' + byte(i%26)
	}
	return nil
}

func (t *countTask) Open(ctx context.Context, committed []sdk.SourceOffset) error {
	for _, o := range committed {
		if p, ok := o.Offset["position"].(int64); ok {
			t.pos = p
		}
	}
	sdk.Logger(ctx).Info("opened", "position", t.pos)
	return nil
}

func (t *countTask) Read(ctx context.Context) ([]record.Record, error) {
	if t.total > 0 && t.pos >= t.total {
		idle := time.NewTimer(50 * time.Millisecond)
		defer idle.Stop()
		select {
		case <-idle.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	n := t.batch
	if t.total > 0 {
		n = min(n, t.total-t.pos)
	}
	recs := make([]record.Record, n)
	for i := range recs {
		t.pos++
		if t.pos == t.panicAt {
			panic(fmt.Sprintf("count-source: boom at position %d", t.pos))
		}
		recs[i] = record.Record{
			Topic:           t.topic,
			Partition:       -1,
			Key:             t.pos,
			Value:           t.value,
			SourcePartition: map[string]any{"source": "count"},
			SourceOffset:    map[string]any{"position": t.pos},
		}
	}
	return recs, nil
}

func (t *countTask) Commit(ctx context.Context, offsets []sdk.SourceOffset) error {
	for _, o := range offsets {
		sdk.Logger(ctx).Info("committed", "position", o.Offset["position"], "source", o.Partition["source"])
	}
	return nil
}

func (t *countTask) Stop(ctx context.Context) error {
	if t.hang {
		select {} // a task that never stops: the host must kill the process
	}
	sdk.Logger(ctx).Info("stopped", "position", t.pos)
	return nil
}

type collectSink struct{}

func (collectSink) Spec() sdk.Spec {
	return sdk.Spec{Name: "collect-sink", Version: "1.0.0", Kind: sdk.Sink, Config: sdk.NewConfigDef().
		Define(sdk.Key{Name: "topics", Type: sdk.List, Required: true, Importance: sdk.High, Doc: "topics to read"})}
}

func (collectSink) Validate(context.Context, map[string]string) map[string][]string { return nil }

func (collectSink) TaskConfigs(_ context.Context, cfg map[string]string, _ int) ([]map[string]string, error) {
	return []map[string]string{cfg}, nil
}

func (collectSink) NewTask() sdk.SinkTask { return &collectTask{} }

// collectTask keeps what it was given; values "bad" are reported errant, a
// value "retry" fails the batch with a retriable error.
type collectTask struct {
	sdk.UnimplementedSinkTask
	mu      sync.Mutex
	written map[sdk.TopicPartition]int64 // next offset
}

func (t *collectTask) Open(_ context.Context, tps []sdk.TopicPartition) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.written = make(map[sdk.TopicPartition]int64)
	for _, tp := range tps {
		t.written[tp] = 0
	}
	return nil
}

func (t *collectTask) Write(_ context.Context, recs []record.Record, errant sdk.ErrantReporter) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range recs {
		switch r.Value {
		case "retry":
			return fmt.Errorf("target busy: %w", sdk.ErrRetriable)
		case "bad":
			errant.Report(r, fmt.Errorf("value %q rejected by the target", r.Value))
			continue
		}
		tp := sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		if t.written == nil {
			t.written = make(map[sdk.TopicPartition]int64)
		}
		t.written[tp] = max(t.written[tp], r.Offset+1)
	}
	return nil
}

func (t *collectTask) Flush(context.Context) (map[sdk.TopicPartition]int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[sdk.TopicPartition]int64, len(t.written))
	for k, v := range t.written {
		out[k] = v
	}
	return out, nil
}
