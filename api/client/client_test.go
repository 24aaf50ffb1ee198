package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/apitest"
	"github.com/sluicehq/sluice/api/client"
)

func newServer(t *testing.T, h api.Herder, auth *api.Auth) string {
	t.Helper()
	s, err := api.New(api.Options{Herder: h, Version: "0.1.0", Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

// must(f())(t) returns f's value, failing t on f's error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestClientEveryEndpoint walks a connector's life through the client.
func TestClientEveryEndpoint(t *testing.T) {
	h := apitest.NewHerder()
	c := client.New(newServer(t, h, nil))
	ctx := context.Background()

	if si := must(c.ServerInfo(ctx))(t); si.Version != "0.1.0" || si.KafkaClusterID == "" {
		t.Errorf("ServerInfo = %+v", si)
	}
	if ws := must(c.Health(ctx))(t); ws.Status != "healthy" {
		t.Errorf("Health = %+v", ws)
	}
	if ps := must(c.Plugins(ctx, true))(t); len(ps) != 2 {
		t.Errorf("Plugins(connectorsOnly) = %+v", ps)
	}
	if ps := must(c.Plugins(ctx, false))(t); len(ps) != 3 {
		t.Errorf("Plugins(all) = %+v", ps)
	}
	if defs := must(c.PluginConfig(ctx, apitest.SourceClass))(t); len(defs) != 3 {
		t.Errorf("PluginConfig = %+v", defs)
	}
	ci := must(c.Validate(ctx, apitest.SourceClass, map[string]string{"slot.name": "x"}))(t)
	if ci.ErrorCount != 2 {
		t.Errorf("Validate error_count = %d, want 2", ci.ErrorCount)
	}

	cfg := map[string]string{"connector.class": apitest.SourceClass, "tasks.max": "2", "database.hostname": "db", "database.password": "pw"}
	info := must(c.CreateConnector(ctx, api.CreateConnectorRequest{Name: "pg", Config: cfg}))(t)
	if info.Name != "pg" || len(info.Tasks) != 0 || info.Config["database.password"] != api.Hidden { // no task configs yet, as Kafka answers
		t.Errorf("CreateConnector = %+v", info)
	}
	_, err := c.CreateConnector(ctx, api.CreateConnectorRequest{Name: "pg", Config: cfg})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.StatusCode != 409 || ce.ErrorCode != 409 || ce.Message != "Connector pg already exists" {
		t.Errorf("duplicate create: %#v", err)
	}
	if names := must(c.Connectors(ctx))(t); !slices.Equal(names, []string{"pg"}) {
		t.Errorf("Connectors = %q", names)
	}
	exp := must(c.ConnectorsExpanded(ctx, true, true))(t)
	if e := exp["pg"]; e.Info == nil || e.Status == nil || e.Status.Connector.State != "RUNNING" {
		t.Errorf("ConnectorsExpanded = %+v", exp)
	}
	if got := must(c.Connector(ctx, "pg"))(t); got.Type != api.TypeSource {
		t.Errorf("Connector = %+v", got)
	}
	if _, err := c.Connector(ctx, "nope"); !client.IsNotFound(err) {
		t.Errorf("Connector(nope) = %v, want 404", err)
	}
	if got := must(c.ConnectorConfig(ctx, "pg"))(t); got["database.hostname"] != "db" {
		t.Errorf("ConnectorConfig = %v", got)
	}
	cfg["database.hostname"] = "db2"
	if _, created, err := c.PutConnectorConfig(ctx, "pg", cfg); err != nil || created {
		t.Errorf("PutConnectorConfig existing: created=%v err=%v", created, err)
	}
	if _, created, err := c.PutConnectorConfig(ctx, "pg2", cfg); err != nil || !created {
		t.Errorf("PutConnectorConfig new: created=%v err=%v", created, err)
	}
	slot := "slot2"
	if got := must(c.PatchConnectorConfig(ctx, "pg2", map[string]*string{"slot.name": &slot, "tasks.max": nil}))(t); got.Config["slot.name"] != "slot2" || len(got.Tasks) != 1 {
		t.Errorf("PatchConnectorConfig = %+v", got)
	}
	if st := must(c.ConnectorStatus(ctx, "pg"))(t); len(st.Tasks) != 2 {
		t.Errorf("ConnectorStatus = %+v", st)
	}
	if tasks := must(c.TaskConfigs(ctx, "pg"))(t); len(tasks) != 2 || tasks[1].ID.Task != 1 {
		t.Errorf("TaskConfigs = %+v", tasks)
	}
	h.FailTask("pg", 1, "boom")
	if ts := must(c.TaskStatus(ctx, "pg", 1))(t); ts.State != "FAILED" || ts.Trace != "boom" {
		t.Errorf("TaskStatus = %+v", ts)
	}
	if st := must(c.RestartConnector(ctx, "pg", false, false))(t); st != nil {
		t.Errorf("plain restart returned a status: %+v", st)
	}
	st := must(c.RestartConnector(ctx, "pg", true, true))(t)
	if st == nil || st.Tasks[1].State != "RESTARTING" || st.Tasks[0].State != "RUNNING" {
		t.Errorf("restart onlyFailed = %+v", st)
	}
	if err := c.RestartTask(ctx, "pg", 1); err != nil {
		t.Error(err)
	}
	h.SetTopics("pg", "a", "b")
	if topics := must(c.ActiveTopics(ctx, "pg"))(t); !slices.Equal(topics, []string{"a", "b"}) {
		t.Errorf("ActiveTopics = %q", topics)
	}
	if err := c.ResetActiveTopics(ctx, "pg"); err != nil {
		t.Error(err)
	}
	for _, f := range []func(context.Context, string) error{c.PauseConnector, c.ResumeConnector} {
		if err := f(ctx, "pg"); err != nil {
			t.Error(err)
		}
	}
	off := []api.ConnectorOffset{{Partition: map[string]any{"server": "db"}, Offset: map[string]any{"lsn": 7.0}}}
	if _, err := c.AlterOffsets(ctx, "pg", off); !errors.As(err, &ce) || ce.StatusCode != 400 {
		t.Errorf("AlterOffsets while running: %v, want 400", err)
	}
	if err := c.StopConnector(ctx, "pg"); err != nil {
		t.Fatal(err)
	}
	if msg := must(c.AlterOffsets(ctx, "pg", off))(t); msg == "" {
		t.Error("AlterOffsets: no message")
	}
	if o := must(c.Offsets(ctx, "pg"))(t); len(o.Offsets) != 1 || o.Offsets[0].Offset["lsn"] != 7.0 {
		t.Errorf("Offsets = %+v", o)
	}
	if msg := must(c.ResetOffsets(ctx, "pg"))(t); msg == "" {
		t.Error("ResetOffsets: no message")
	}
	if err := c.DeleteConnector(ctx, "pg2"); err != nil {
		t.Error(err)
	}
	if err := c.PutTaskConfigs(ctx, "pg", []byte(`[{}]`), "HmacSHA256", "sig"); !client.IsNotFound(err) {
		t.Errorf("PutTaskConfigs on a standalone herder: %v, want 404", err)
	}
	if names := must(c.SetLogger(ctx, "sluice.api", "DEBUG"))(t); !slices.Equal(names, []string{"sluice.api"}) {
		t.Errorf("SetLogger = %q", names)
	}
	if l := must(c.Logger(ctx, "sluice.api"))(t); l.Level != "DEBUG" || l.LastModified == nil {
		t.Errorf("Logger = %+v", l)
	}
	if ls := must(c.Loggers(ctx))(t); len(ls) != 2 {
		t.Errorf("Loggers = %+v", ls)
	}
}

func TestClientAuth(t *testing.T) {
	dir := t.TempDir()
	creds, tokens := filepath.Join(dir, "creds"), filepath.Join(dir, "tokens")
	os.WriteFile(creds, []byte("admin:secret\n"), 0o600)
	os.WriteFile(tokens, []byte("tok\n"), 0o600)
	auth, err := api.LoadAuth(creds, tokens)
	if err != nil {
		t.Fatal(err)
	}
	url := newServer(t, apitest.NewHerder(), auth)
	ctx := context.Background()
	if _, err := client.New(url).Connectors(ctx); err == nil {
		t.Error("no credentials: accepted")
	} else if ce := new(client.Error); !errors.As(err, &ce) || ce.StatusCode != 401 {
		t.Errorf("no credentials: %v, want 401", err)
	}
	if _, err := client.New(url, client.WithBasicAuth("admin", "secret")).Connectors(ctx); err != nil {
		t.Errorf("basic: %v", err)
	}
	if _, err := client.New(url, client.WithToken("tok")).Connectors(ctx); err != nil {
		t.Errorf("bearer: %v", err)
	}
}

// TestClientSignal: the signal goes to the connector's signal topic, keyed
// by its topic.prefix, as the compacted body.
func TestClientSignal(t *testing.T) {
	h := apitest.NewHerder()
	c := client.New(newServer(t, h, nil))
	ctx := context.Background()
	cfg := map[string]string{"connector.class": apitest.SourceClass, "database.hostname": "db", "database.password": "pw",
		"topic.prefix": "inventory", "signal.enabled.channels": "kafka", "signal.kafka.topic": "sig"}
	if _, _, err := c.PutConnectorConfig(ctx, "pg", cfg); err != nil {
		t.Fatal(err)
	}
	res := must(c.Signal(ctx, "pg", []byte(`{ "type": "execute-snapshot",
		"data": {"data-collections": ["public.a"], "type": "incremental"} }`)))(t)
	if res != (api.SignalResult{Topic: "sig", Partition: 0, Offset: 0}) {
		t.Errorf("Signal = %+v", res)
	}
	want := []apitest.SignalRecord{{Key: "inventory", Value: `{"type":"execute-snapshot","data":{"data-collections":["public.a"],"type":"incremental"}}`}}
	if got := h.SignalRecords("sig"); !slices.Equal(got, want) {
		t.Errorf("records %+v, want %+v", got, want)
	}
	var ce *client.Error
	if _, err := c.Signal(ctx, "nope", []byte(`{"type":"stop-snapshot"}`)); !errors.As(err, &ce) || ce.StatusCode != 404 {
		t.Errorf("unknown connector: %v", err)
	}
	if _, err := c.Signal(ctx, "pg", []byte(`[1]`)); !errors.As(err, &ce) || ce.StatusCode != 400 {
		t.Errorf("not a signal: %v", err)
	}
}
