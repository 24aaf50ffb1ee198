package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/apitest"
)

// connectorsServer serves the REST API over an in-memory herder.
func connectorsServer(t *testing.T) (*apitest.Herder, string) {
	t.Helper()
	h := apitest.NewHerder()
	s, err := api.New(api.Options{Herder: h})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return h, ts.URL
}

func connectorsRun(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	cmd := newConnectorsCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(append(args, "--rest", url))
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func connectorsMustRun(t *testing.T, url string, args ...string) string {
	t.Helper()
	out, err := connectorsRun(t, url, args...)
	if err != nil {
		t.Fatalf("connectors %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func connectorsJSON[T any](t *testing.T, url string, args ...string) T {
	t.Helper()
	out := connectorsMustRun(t, url, append(args, "-o", "json")...)
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("connectors %s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConnectorsCLI(t *testing.T) {
	h, url := connectorsServer(t)

	jsonFile := writeTemp(t, "pg.json", `{"name":"pg","config":{"connector.class":"`+apitest.SourceClass+
		`","tasks.max":"2","database.hostname":"db","database.password":"s3cret"}}`)
	out := connectorsMustRun(t, url, "create", "-f", jsonFile)
	if !strings.Contains(out, "NAME:   pg") || !strings.Contains(out, "database.password  [hidden]") {
		t.Errorf("create output:\n%s", out)
	}
	propsFile := writeTemp(t, "s3.properties", "name=s3\nconnector.class="+apitest.SinkClass+"\ns3.bucket=lake\n")
	info := connectorsJSON[api.ConnectorInfo](t, url, "create", "-f", propsFile, "--initial-state", "paused")
	if info.Name != "s3" || info.Type != api.TypeSink {
		t.Errorf("create from .properties = %+v", info)
	}
	flatFile := writeTemp(t, "flat.json", `{"name":"pg3","connector.class":"`+apitest.SourceClass+`","database.hostname":"h","database.password":"p"}`)
	connectorsMustRun(t, url, "create", "-f", flatFile)

	out = connectorsMustRun(t, url, "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "NAME") ||
		!strings.Contains(lines[1], "pg ") || !strings.Contains(lines[1], "2/2 running") ||
		!strings.Contains(lines[3], "PAUSED") {
		t.Errorf("list:\n%s", out)
	}
	list := connectorsJSON[map[string]map[string]api.ConnectorStateInfo](t, url, "list")
	if list["s3"]["status"].Connector.State != "PAUSED" {
		t.Errorf("list -o json = %+v", list)
	}
	if cfg := connectorsJSON[map[string]string](t, url, "config", "pg"); cfg["database.password"] != api.Hidden || cfg["name"] != "pg" {
		t.Errorf("config = %v", cfg)
	}
	if got := connectorsJSON[api.ConnectorInfo](t, url, "get", "pg"); len(got.Tasks) != 2 {
		t.Errorf("get = %+v", got)
	}

	h.FailTask("pg", 1, "java.io.EOFException: reset\n\tat line 1")
	out = connectorsMustRun(t, url, "status", "pg")
	if !strings.Contains(out, "task 1       FAILED") || !strings.Contains(out, "java.io.EOFException: reset") || strings.Contains(out, "at line 1") {
		t.Errorf("status:\n%s", out)
	}
	out = connectorsMustRun(t, url, "restart", "pg", "--include-tasks", "--only-failed")
	if !strings.Contains(out, "Connector pg restarted.") || !strings.Contains(out, "RESTARTING") {
		t.Errorf("restart --include-tasks --only-failed:\n%s", out)
	}
	if out := connectorsMustRun(t, url, "restart", "pg"); strings.TrimSpace(out) != "Connector pg restarted." {
		t.Errorf("restart: %q", out)
	}
	if out := connectorsMustRun(t, url, "restart", "pg", "--task", "1"); strings.TrimSpace(out) != "Task 1 of connector pg restarted." {
		t.Errorf("restart --task: %q", out)
	}
	for _, tc := range []struct{ verb, want string }{
		{"pause", "paused"}, {"resume", "resumed"}, {"stop", "stopped"},
	} {
		if out := connectorsMustRun(t, url, tc.verb, "pg"); strings.TrimSpace(out) != "Connector pg "+tc.want+"." {
			t.Errorf("%s: %q", tc.verb, out)
		}
	}
	if st := connectorsJSON[api.ConnectorStateInfo](t, url, "status", "pg"); st.Connector.State != "STOPPED" {
		t.Errorf("after stop: %+v", st)
	}
	if out := connectorsMustRun(t, url, "offsets", "pg"); strings.TrimSpace(out) != "PARTITION  OFFSET" {
		t.Errorf("offsets: %q", out)
	}
	out = connectorsMustRun(t, url, "plugins")
	if !strings.Contains(out, apitest.SourceClass) || strings.Contains(out, apitest.TransformClass) {
		t.Errorf("plugins:\n%s", out)
	}
	if ps := connectorsJSON[[]api.PluginInfo](t, url, "plugins", "--all"); len(ps) != 3 {
		t.Errorf("plugins --all = %+v", ps)
	}
	connectorsMustRun(t, url, "delete", "pg3")

	// Errors carry the worker's message.
	_, err := connectorsRun(t, url, "get", "nope")
	if err == nil || !strings.Contains(err.Error(), "Connector nope not found") || !strings.Contains(err.Error(), "404") {
		t.Errorf("get nope: %v", err)
	}
	_, err = connectorsRun(t, url, "create", "-f", jsonFile)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate create: %v", err)
	}
	if _, err := connectorsRun(t, url, "create"); err == nil {
		t.Error("create without -f accepted")
	}
	noName := writeTemp(t, "x.json", `{"config":{}}`)
	if _, err := connectorsRun(t, url, "create", "-f", noName); err == nil || !strings.Contains(err.Error(), "no connector name") {
		t.Errorf("create without name: %v", err)
	}
	if _, err := connectorsRun(t, url, "list", "-o", "yaml"); err == nil {
		t.Error("-o yaml accepted")
	}
}

// TestConnectorsSignal: `connectors signal` sends the signal from flags or
// a file; the herder sees the record keyed by topic.prefix.
func TestConnectorsSignal(t *testing.T) {
	h, url := connectorsServer(t)
	cfg := map[string]string{"connector.class": apitest.SourceClass, "database.hostname": "db", "database.password": "pw",
		"topic.prefix": "inv", "signal.enabled.channels": "kafka"}
	if _, _, err := h.PutConnectorConfig(t.Context(), "pg", cfg); err != nil {
		t.Fatal(err)
	}
	out := connectorsMustRun(t, url, "signal", "pg", "--type", "execute-snapshot", "--data", `{"data-collections":["public.a"],"type":"incremental"}`)
	if !strings.Contains(out, "written to inv-signal partition 0 at offset 0") {
		t.Errorf("output %q", out)
	}
	file := filepath.Join(t.TempDir(), "stop.json")
	if err := os.WriteFile(file, []byte(`{"type":"stop-snapshot","data":{"data-collections":["public.a"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res := connectorsJSON[map[string]any](t, url, "signal", "pg", "-f", file)
	if res["topic"] != "inv-signal" || res["offset"] != float64(1) || res["connector"] != "pg" {
		t.Errorf("json answer %v", res)
	}
	recs := h.SignalRecords("inv-signal")
	if len(recs) != 2 || recs[0].Key != "inv" || recs[0].Value != `{"type":"execute-snapshot","data":{"data-collections":["public.a"],"type":"incremental"}}` {
		t.Errorf("records %+v", recs)
	}
	if _, err := connectorsRun(t, url, "signal", "pg"); err == nil {
		t.Error("signal without -f or --type succeeded")
	}
	if _, err := connectorsRun(t, url, "signal", "pg", "--type", "pause-snapshot"); err == nil || !strings.Contains(err.Error(), "Signal type") {
		t.Errorf("bad type: %v", err)
	}
}
