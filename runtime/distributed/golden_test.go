package distributed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/apitest"
	"github.com/sluicehq/sluice/runtime"
)

// goldenDir holds the REST contract's golden answers, written by the api
// package's tests against its in-memory herder.
const goldenDir = "../../api/testdata"

// goldenWorker is a worker running apitest's plugins, advertising
// 127.0.0.1:8083 (apitest.WorkerID) while it listens on a free port.
type goldenWorker struct {
	*node
	base string // the URL it listens on
}

func startGoldenWorker(t *testing.T, addr string, extra ...string) *goldenWorker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(apitest.WorkerID)
	props := map[string]string{
		"bootstrap.servers": addr, "group.id": "golden",
		"key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": "org.apache.kafka.connect.storage.StringConverter",
		"listeners": "http://" + l.Addr().String(), "rest.advertised.host.name": host, "rest.advertised.port": port,
		"offset.storage.partitions": "3", "status.storage.partitions": "2",
		"scheduled.rebalance.max.delay.ms": "1000", "heartbeat.interval.ms": "100", "session.timeout.ms": "6000",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		props[extra[i]] = extra[i+1]
	}
	cfg, _, err := ParseConfig(props)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Config: cfg, Plugins: runtime.NewInProcess(apitest.Connectors()...), PluginClasses: []string{apitest.SourceClass, apitest.SinkClass}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Herder: h, Version: "0.1.0", Commit: "abc1234"})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(l) }()
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{Herder: h, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(n.done); n.err = h.Run(ctx) }()
	t.Cleanup(func() { n.stop(); _ = srv.Shutdown(context.Background()); <-served })
	return &goldenWorker{node: n, base: "http://" + l.Addr().String()}
}

// render performs one call and renders its answer as the api package's
// golden files do.
func (w *goldenWorker) render(t *testing.T, method, path, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(method, w.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %s\n%s\n", method, path, resp.Status)
	for _, k := range []string{"Content-Type", "Location", "Allow", "Www-Authenticate"} {
		for _, v := range resp.Header.Values(k) {
			fmt.Fprintf(&out, "%s: %s\n", k, strings.ReplaceAll(v, w.base, "http://WORKER"))
		}
	}
	out.WriteString("\n")
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Indent(&out, b, "", "  "); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %q", method, path, b)
		}
		out.WriteString("\n")
	} else {
		out.Write(b)
	}
	return out.Bytes()
}

func (w *goldenWorker) check(t *testing.T, name, method, path, body string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join(goldenDir, name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.render(t, method, path, body); !bytes.Equal(got, want) {
		t.Errorf("%s: the distributed herder's answer differs from the golden file\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

const (
	goldenSrc = `{"connector.class":"` + apitest.SourceClass + `","tasks.max":"2","database.hostname":"db","database.password":"s3cret"}`
)

// TestGoldenAgainstDistributedHerder replays a representative part of the
// REST contract scenario (create, errors 400/404/409/500, info, config,
// status) against a real distributed worker on the bundled broker and
// compares its answers with the golden files the api package's tests
// write against the in-memory herder: the goldens hold for the real one.
func TestGoldenAgainstDistributedHerder(t *testing.T) {
	addr := startBroker(t)
	w := startGoldenWorker(t, addr)
	eventually(t, "worker ready", ready(w.node))

	w.check(t, "list_empty", "GET", "/connectors", "")
	w.check(t, "create", "POST", "/connectors", `{"name":"pg","config":`+goldenSrc+`}`)
	w.check(t, "create_duplicate", "POST", "/connectors", `{"name":"pg","config":`+goldenSrc+`}`)
	w.check(t, "create_invalid_config", "POST", "/connectors", `{"name":"bad","config":{"connector.class":"`+apitest.SourceClass+`"}}`)
	w.check(t, "create_unknown_class", "POST", "/connectors", `{"name":"bad","config":{"connector.class":"com.example.Nope"}}`)
	w.check(t, "create_malformed", "POST", "/connectors", `{"name":"bad",`)
	w.check(t, "create_no_name", "POST", "/connectors", `{"config":`+goldenSrc+`}`)
	w.check(t, "get_unknown", "GET", "/connectors/nope", "")
	w.check(t, "config", "GET", "/connectors/pg/config", "")
	w.check(t, "config_unknown", "GET", "/connectors/nope/config", "")
	eventually(t, "pg RUNNING with 2 tasks", func() bool {
		s, m := states(w.node, "pg")
		return s == api.StateRunning && running(m) == 2
	})
	w.check(t, "get", "GET", "/connectors/pg", "")
	w.check(t, "status", "GET", "/connectors/pg/status", "")
	w.check(t, "status_unknown", "GET", "/connectors/nope/status", "")
	w.check(t, "task_status_unknown", "GET", "/connectors/pg/tasks/7/status", "")
	w.check(t, "restart_unknown", "POST", "/connectors/nope/restart", "")
	w.check(t, "pause_unknown", "PUT", "/connectors/nope/pause", "")
	w.check(t, "topics_unknown", "GET", "/connectors/nope/topics", "")
	w.check(t, "offsets_unknown", "GET", "/connectors/nope/offsets", "")
	w.check(t, "offsets_alter_running", "PATCH", "/connectors/pg/offsets", `{"offsets":[{"partition":{"server":"db"},"offset":{"lsn":42}}]}`)
	w.check(t, "offsets_reset_running", "DELETE", "/connectors/pg/offsets", "")
	w.check(t, "delete_unknown", "DELETE", "/connectors/pg2", "")

	// A real rebalance: a second worker joins and is then cut off from
	// the coordinator, so the next round (started by a new connector)
	// waits for it until its session expires. A write meanwhile waits
	// for the round, then answers 409.
	w2 := startGoldenWorker(t, addr, "rest.advertised.port", "8084")
	eventually(t, "pg's tasks spread over both workers, the group settled", func() bool {
		_, m := states(w.node, "pg")
		return len(m) == 2 && running(m) == 2 && ready(w.node)() && ready(w2.node)()
	})
	w2.partitioned.Store(true)
	if _, err := w.CreateConnector(context.Background(), "pg3", mustJSON(t, goldenSrc, "pg3"), ""); err != nil {
		t.Fatal(err)
	}
	w.rebalanceWait.Store(int64(300 * time.Millisecond))
	eventually(t, "the worker rebalancing", func() bool { reb, _ := w.rebalanceState(); return reb })
	w.check(t, "rebalance_conflict", "PUT", "/connectors/pg/resume", "")
}

func mustJSON(t *testing.T, s, name string) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	m["name"] = name
	return m
}
