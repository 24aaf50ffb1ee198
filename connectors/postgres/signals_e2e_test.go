package postgres

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/client"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/distributed"
)

// TestSignalThroughREST: a distributed worker runs the connector; POST
// /connectors/{name}/signals makes it snapshot a table incrementally, and
// every row arrives on the table's topic as a read event.
func TestSignalThroughREST(t *testing.T) {
	const rows = 40
	addr := startSignalBroker(t)
	db := newTestDB(t)
	ctx := context.Background()
	db.incTables(rows)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	wcfg, _, err := distributed.ParseConfig(map[string]string{
		"bootstrap.servers": addr, "group.id": "pg-signal-e2e",
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"listeners": "http://" + l.Addr().String(), "heartbeat.interval.ms": "100", "session.timeout.ms": "6000",
		"offset.flush.interval.ms": "200",
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := distributed.New(distributed.Options{Config: wcfg, Plugins: runtime.NewInProcess(New()), PluginClasses: []string{Name}})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- h.Run(rctx) }()
	t.Cleanup(func() { stop(); <-done })
	srv, err := api.New(api.Options{Herder: h})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := client.New(ts.URL)

	cfg := db.config(KeySnapshotMode, SnapshotNoData, KeySignalTable, "public.debezium_signal", KeyIncrementalChunk, "15",
		KeySignalChannels, "source,kafka", KeySignalKafkaServers, addr, KeySlotDropOnStop, "true")
	cfg["connector.class"], cfg["name"] = Name, "pg"
	waitFor(t, 60*time.Second, "connector created", func() (bool, error) {
		_, err := c.CreateConnector(ctx, api.CreateConnectorRequest{Name: "pg", Config: cfg})
		return err == nil, nil
	})
	waitFor(t, 60*time.Second, "task running", func() (bool, error) {
		st, err := c.ConnectorStatus(ctx, "pg")
		return err == nil && len(st.Tasks) == 1 && st.Tasks[0].State == api.StateRunning, nil
	})
	res, err := c.Signal(ctx, "pg", []byte(`{"type":"execute-snapshot","data":{"data-collections":["public.inc"],"type":"incremental"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Topic != "srv-signal" {
		t.Fatalf("signal went to %s", res.Topic)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("srv.public.inc"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	reads := map[int]bool{}
	pctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for len(reads) < rows && pctx.Err() == nil {
		cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) {
			var v struct {
				Op    string         `json:"op"`
				After map[string]any `json:"after"`
			}
			if json.Unmarshal(r.Value, &v) == nil && v.Op == "r" {
				reads[int(v.After["id"].(float64))] = true
			}
		})
	}
	if len(reads) != rows {
		t.Fatalf("%d of %d rows read after the REST signal", len(reads), rows)
	}
	for id := 1; id <= rows; id++ {
		if !reads[id] {
			t.Fatalf("row %s missing", strconv.Itoa(id))
		}
	}
	if err := c.DeleteConnector(ctx, "pg"); err != nil {
		t.Fatal(err)
	}
}
