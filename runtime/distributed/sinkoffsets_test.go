package distributed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// memSink takes records and reports them durable at once.
type memSink struct{}

func (memSink) Spec() sdk.Spec {
	return sdk.Spec{Name: "mem-sink", Kind: sdk.Sink, Config: sdk.NewConfigDef()}
}
func (memSink) Validate(context.Context, map[string]string) map[string][]string { return nil }
func (memSink) TaskConfigs(_ context.Context, cfg map[string]string, n int) ([]map[string]string, error) {
	return source{}.TaskConfigs(context.Background(), cfg, n)
}
func (memSink) NewTask() sdk.SinkTask { return &memSinkTask{next: map[sdk.TopicPartition]int64{}} }

type memSinkTask struct {
	mu   sync.Mutex
	next map[sdk.TopicPartition]int64
}

func (*memSinkTask) Configure(context.Context, map[string]string) error { return nil }
func (*memSinkTask) Open(context.Context, []sdk.TopicPartition) error   { return nil }
func (*memSinkTask) Stop(context.Context) error                         { return nil }
func (s *memSinkTask) Write(_ context.Context, recs []record.Record, _ sdk.ErrantReporter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		s.next[sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}] = r.Offset + 1
	}
	return nil
}
func (s *memSinkTask) Flush(context.Context) (map[sdk.TopicPartition]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[sdk.TopicPartition]int64, len(s.next))
	for k, v := range s.next {
		out[k] = v
	}
	return out, nil
}

// TestSinkOffsets: a sink connector's offsets are its consumer group's
// committed offsets in Kafka's {"kafka_topic","kafka_partition"} /
// {"kafka_offset"} shape; once STOPPED they can be altered (a null offset
// deletes one) and reset, through any worker.
func TestSinkOffsets(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	flush := []string{"offset.flush.interval.ms", "200"}
	w0 := startRESTWorkerProps(t, addr, flush)
	eventually(t, "w0 ready", ready(w0.node))
	w1 := startRESTWorkerProps(t, addr, flush)
	eventually(t, "w1 ready", ready(w1.node))
	src := connConfig("src", 1)
	if _, err := w0.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: "src", Config: src}); err != nil {
		t.Fatal(err)
	}
	snk := map[string]string{"connector.class": "mem-sink", "tasks.max": "1", "topics": "out-src"}
	if _, err := w0.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: "snk", Config: snk}); err != nil {
		t.Fatal(err)
	}
	sum := func(o api.ConnectorOffsets) (n float64) {
		for _, off := range o.Offsets {
			v, _ := off.Offset["kafka_offset"].(float64)
			n += v
		}
		return n
	}
	eventually(t, "the sink committed all 100 records", func() bool {
		o, err := w1.cl.Offsets(ctx, "snk")
		return err == nil && sum(o) == 100
	})
	var ce interface{ Error() string }
	if _, err := w1.cl.ResetOffsets(ctx, "snk"); err == nil || !errors.As(err, &ce) {
		t.Fatalf("reset while running: %v", err)
	}
	if err := w1.cl.StopConnector(ctx, "snk"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "sink STOPPED", func() bool {
		st, err := w0.ConnectorStatus(ctx, "snk")
		return err == nil && st.Connector.State == api.StateStopped && len(st.Tasks) == 0
	})
	o, err := w1.cl.Offsets(ctx, "snk")
	if err != nil || len(o.Offsets) == 0 {
		t.Fatalf("offsets: %v %v", o, err)
	}
	first := o.Offsets[0]
	if first.Partition["kafka_topic"] != "out-src" {
		t.Fatalf("partition %v", first.Partition)
	}
	alter := []api.ConnectorOffset{{Partition: first.Partition, Offset: map[string]any{"kafka_offset": 5}}}
	eventually(t, "alter accepted once the group is empty", func() bool {
		_, err := w1.cl.AlterOffsets(ctx, "snk", alter)
		return err == nil
	})
	o, _ = w0.cl.Offsets(ctx, "snk")
	if got := fmt.Sprint(o.Offsets[0].Offset["kafka_offset"]); got != "5" {
		t.Fatalf("after alter: %v", o)
	}
	if _, err := w1.cl.AlterOffsets(ctx, "snk", []api.ConnectorOffset{{Partition: first.Partition, Offset: nil}}); err != nil {
		t.Fatalf("delete one partition's offset: %v", err)
	}
	o, _ = w0.cl.Offsets(ctx, "snk")
	for _, off := range o.Offsets {
		if fmt.Sprint(off.Partition) == fmt.Sprint(first.Partition) {
			t.Fatalf("offset of %v still there: %v", first.Partition, o)
		}
	}
	if _, err := w0.cl.ResetOffsets(ctx, "snk"); err != nil {
		t.Fatal(err)
	}
	if o, err := w0.cl.Offsets(ctx, "snk"); err != nil || len(o.Offsets) != 0 {
		t.Fatalf("after reset: %v %v", o, err)
	}
}
