package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// picky is a sink that appends integer values to a file, one per line, and
// reports any other value as errant through the SDK's reporter (as a sink
// reports a record its target rejected) without failing the batch.
type picky struct{}

func (p *picky) Spec() sdk.Spec {
	def := sdk.NewConfigDef().
		Define(sdk.Key{Name: "file", Type: sdk.String, Required: true, Importance: sdk.High, Doc: "File the integers are appended to."})
	return sdk.Spec{Name: "PickySink", Version: "1.0.0", Kind: sdk.Sink, Config: def}
}

func (p *picky) Validate(context.Context, map[string]string) map[string][]string { return nil }

func (p *picky) TaskConfigs(_ context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = cfg
	}
	return out, nil
}

func (p *picky) NewTask() sdk.SinkTask { return &pickyTask{} }

type pickyTask struct {
	sdk.UnimplementedSinkTask
	mu      sync.Mutex
	f       *os.File
	written map[sdk.TopicPartition]int64 // next offset after the last record handled
}

func (t *pickyTask) Configure(_ context.Context, cfg map[string]string) error {
	f, err := os.OpenFile(cfg["file"], os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	t.f, t.written = f, map[sdk.TopicPartition]int64{}
	return nil
}

func (t *pickyTask) Write(_ context.Context, recs []record.Record, errant sdk.ErrantReporter) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var buf []byte
	for _, r := range recs {
		s := fmt.Sprint(r.Value)
		if _, err := strconv.Atoi(s); err != nil {
			errant.Report(r, fmt.Errorf("not an integer: %q", s))
		} else {
			buf = append(append(buf, s...), '\n')
		}
		t.written[sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}] = r.Offset + 1
	}
	_, err := t.f.Write(buf)
	return err
}

func (t *pickyTask) Flush(context.Context) (map[sdk.TopicPartition]int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.f.Sync(); err != nil {
		return nil, err
	}
	out := make(map[sdk.TopicPartition]int64, len(t.written))
	for tp, o := range t.written {
		out[tp] = o
	}
	return out, nil
}

func (t *pickyTask) Stop(context.Context) error { return t.f.Close() }
