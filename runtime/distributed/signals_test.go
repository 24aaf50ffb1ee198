package distributed

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/client"
)

// TestSignal: POST /connectors/{name}/signals on a follower produces the
// signal to the connector's signal topic (created with one partition),
// keyed by its topic.prefix, on the worker's cluster when the connector
// names none; 404 for an unknown connector, 400 when the connector does
// not read the kafka channel.
func TestSignal(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	w0, w1 := twoRESTWorkers(t, addr)
	cfg := connConfig("sig", 1)
	cfg["topic.prefix"], cfg["signal.enabled.channels"] = "inv", "source,kafka"
	if _, err := w0.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: "sig", Config: cfg}); err != nil {
		t.Fatal(err)
	}
	if _, err := w0.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: "plain", Config: connConfig("plain", 1)}); err != nil {
		t.Fatal(err)
	}
	body := `{"type": "execute-snapshot", "data": {"data-collections": ["public.t"], "type": "incremental"}}`
	var res []api.SignalResult
	for _, w := range []*restWorker{w1, w0} {
		eventually(t, "connector known on "+w.cfg.WorkerID, func() bool { _, err := w.cl.Connector(ctx, "sig"); return err == nil })
		r, err := w.cl.Signal(ctx, "sig", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		res = append(res, r)
	}
	if res[0] != (api.SignalResult{Topic: "inv-signal", Offset: 0}) || res[1] != (api.SignalResult{Topic: "inv-signal", Offset: 1}) {
		t.Fatalf("answers %+v", res)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("inv-signal"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	td, err := kadm.NewClient(cl).ListTopics(ctx, "inv-signal")
	if err != nil || len(td["inv-signal"].Partitions) != 1 {
		t.Fatalf("signal topic: %v %v", td, err)
	}
	var recs []*kgo.Record
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for len(recs) < 2 && pctx.Err() == nil {
		recs = append(recs, cl.PollFetches(pctx).Records()...)
	}
	want := `{"type":"execute-snapshot","data":{"data-collections":["public.t"],"type":"incremental"}}`
	if len(recs) != 2 {
		t.Fatalf("%d records on the signal topic", len(recs))
	}
	for _, r := range recs {
		if string(r.Key) != "inv" || string(r.Value) != want || r.Partition != 0 {
			t.Fatalf("record key %q value %s partition %d", r.Key, r.Value, r.Partition)
		}
	}

	var ce *client.Error
	if _, err := w0.cl.Signal(ctx, "nope", []byte(body)); !errors.As(err, &ce) || ce.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown connector: %v", err)
	}
	if _, err := w1.cl.Signal(ctx, "plain", []byte(body)); !errors.As(err, &ce) || ce.StatusCode != http.StatusBadRequest {
		t.Fatalf("kafka channel off: %v", err)
	}
}
