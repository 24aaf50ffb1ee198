package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/apitest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// step is one REST call of the contract scenario; its answer (status,
// the headers that matter, the JSON body indented) is compared with
// testdata/NAME.golden.
type step struct {
	name   string
	method string
	path   string
	body   string
	setup  func(h *apitest.Herder)
}

const (
	execSignal = `{"type":"execute-snapshot","data":{"data-collections":["public.users"],"type":"incremental"}}`
	srcConfig  = `{"connector.class":"` + apitest.SourceClass + `","tasks.max":"2","database.hostname":"db","database.password":"s3cret"}`
	snkConfig  = `{"connector.class":"` + apitest.SinkClass + `","s3.bucket":"lake","aws.secret.access.key":"AKIA-secret","topics":"pg.public.users"}`
)

// The scenario runs in order against one server: later steps see the
// connectors earlier ones created.
var scenario = []step{
	{name: "root", method: "GET", path: "/"},
	{name: "health", method: "GET", path: "/health"},
	{name: "health_starting", method: "GET", path: "/health", setup: func(h *apitest.Herder) { h.SetStarting(true) }},
	{name: "plugins", method: "GET", path: "/connector-plugins", setup: func(h *apitest.Herder) { h.SetStarting(false) }},
	{name: "plugins_all", method: "GET", path: "/connector-plugins?connectorsOnly=false"},
	{name: "plugin_config", method: "GET", path: "/connector-plugins/" + apitest.SourceClass + "/config"},
	{name: "plugin_config_unknown", method: "GET", path: "/connector-plugins/com.example.Nope/config"},
	{name: "validate", method: "PUT", path: "/connector-plugins/" + apitest.SourceClass + "/config/validate", body: srcConfig},
	{name: "validate_errors", method: "PUT", path: "/connector-plugins/PostgresSource/config/validate", body: `{"slot.name":"s"}`},
	{name: "validate_class_mismatch", method: "PUT", path: "/connector-plugins/PostgresSource/config/validate", body: `{"connector.class":"` + apitest.SinkClass + `"}`},
	{name: "validate_malformed", method: "PUT", path: "/connector-plugins/PostgresSource/config/validate", body: `{"a":`},
	{name: "list_empty", method: "GET", path: "/connectors"},
	{name: "create", method: "POST", path: "/connectors", body: `{"name":"pg","config":` + srcConfig + `}`},
	{name: "create_duplicate", method: "POST", path: "/connectors", body: `{"name":"pg","config":` + srcConfig + `}`},
	{name: "create_invalid_config", method: "POST", path: "/connectors", body: `{"name":"bad","config":{"connector.class":"` + apitest.SourceClass + `"}}`},
	{name: "create_unknown_class", method: "POST", path: "/connectors", body: `{"name":"bad","config":{"connector.class":"com.example.Nope"}}`},
	{name: "create_malformed", method: "POST", path: "/connectors", body: `{"name":"bad",`},
	{name: "create_wrong_types", method: "POST", path: "/connectors", body: `{"name":"bad","config":{"tasks.max":2}}`},
	{name: "create_empty_body", method: "POST", path: "/connectors"},
	{name: "create_no_name", method: "POST", path: "/connectors", body: `{"config":` + srcConfig + `}`},
	{name: "create_no_config", method: "POST", path: "/connectors", body: `{"name":"bad"}`},
	{name: "create_name_mismatch", method: "POST", path: "/connectors", body: `{"name":"bad","config":{"name":"other"}}`},
	{name: "create_bad_initial_state", method: "POST", path: "/connectors", body: `{"name":"bad","config":{},"initial_state":"JUMPING"}`},
	{name: "create_paused", method: "POST", path: "/connectors", body: `{"name":"s3","config":` + snkConfig + `,"initial_state":"PAUSED"}`},
	{name: "list", method: "GET", path: "/connectors"},
	{name: "list_expand_status", method: "GET", path: "/connectors?expand=status"},
	{name: "list_expand_info", method: "GET", path: "/connectors?expand=info"},
	{name: "list_expand_both", method: "GET", path: "/connectors?expand=status&expand=info"},
	{name: "get", method: "GET", path: "/connectors/pg"},
	{name: "get_unknown", method: "GET", path: "/connectors/nope"},
	{name: "config", method: "GET", path: "/connectors/pg/config"},
	{name: "config_unknown", method: "GET", path: "/connectors/nope/config"},
	{name: "put_config_update", method: "PUT", path: "/connectors/pg/config", body: strings.Replace(srcConfig, `"db"`, `"db2"`, 1)},
	{name: "put_config_create", method: "PUT", path: "/connectors/pg2/config", body: srcConfig},
	{name: "put_config_name_mismatch", method: "PUT", path: "/connectors/pg2/config", body: `{"name":"other"}`},
	{name: "put_config_invalid", method: "PUT", path: "/connectors/pg2/config", body: `{"connector.class":"` + apitest.SourceClass + `"}`},
	{name: "patch_config", method: "PATCH", path: "/connectors/pg2/config", body: `{"slot.name":"slot2","tasks.max":null}`},
	{name: "patch_config_unknown", method: "PATCH", path: "/connectors/nope/config", body: `{"slot.name":"x"}`},
	{name: "status", method: "GET", path: "/connectors/pg/status"},
	{name: "status_unknown", method: "GET", path: "/connectors/nope/status"},
	{name: "tasks", method: "GET", path: "/connectors/pg/tasks"},
	{name: "tasks_unknown", method: "GET", path: "/connectors/nope/tasks"},
	{name: "task_status", method: "GET", path: "/connectors/pg/tasks/1/status"},
	{name: "task_status_unknown", method: "GET", path: "/connectors/pg/tasks/7/status"},
	{name: "task_status_not_int", method: "GET", path: "/connectors/pg/tasks/x/status"},
	{name: "restart", method: "POST", path: "/connectors/pg/restart"},
	{name: "restart_include_tasks", method: "POST", path: "/connectors/pg/restart?includeTasks=true",
		setup: func(h *apitest.Herder) { h.FailTask("pg", 1, "io.EOF: connection reset") }},
	{name: "status_failed_task", method: "GET", path: "/connectors/pg/status"},
	{name: "restart_only_failed", method: "POST", path: "/connectors/pg/restart?includeTasks=true&onlyFailed=true"},
	{name: "restart_unknown", method: "POST", path: "/connectors/nope/restart"},
	{name: "restart_task", method: "POST", path: "/connectors/pg/tasks/1/restart"},
	{name: "restart_task_unknown", method: "POST", path: "/connectors/pg/tasks/9/restart"},
	{name: "pause", method: "PUT", path: "/connectors/pg/pause"},
	{name: "status_paused", method: "GET", path: "/connectors/pg/status"},
	{name: "resume", method: "PUT", path: "/connectors/pg/resume"},
	{name: "pause_unknown", method: "PUT", path: "/connectors/nope/pause"},
	{name: "topics", method: "GET", path: "/connectors/pg/topics",
		setup: func(h *apitest.Herder) { h.SetTopics("pg", "pg.public.orders", "pg.public.users") }},
	{name: "topics_reset", method: "PUT", path: "/connectors/pg/topics/reset"},
	{name: "topics_after_reset", method: "GET", path: "/connectors/pg/topics"},
	{name: "topics_unknown", method: "GET", path: "/connectors/nope/topics"},
	{name: "topics_disabled", method: "GET", path: "/connectors/pg/topics", setup: func(h *apitest.Herder) { h.SetTopicTracking(false) }},
	{name: "topics_reset_disabled", method: "PUT", path: "/connectors/pg/topics/reset"},
	{name: "offsets_empty", method: "GET", path: "/connectors/pg/offsets", setup: func(h *apitest.Herder) { h.SetTopicTracking(true) }},
	{name: "offsets_alter_running", method: "PATCH", path: "/connectors/pg/offsets", body: `{"offsets":[{"partition":{"server":"db"},"offset":{"lsn":42}}]}`},
	{name: "offsets_alter_empty", method: "PATCH", path: "/connectors/pg/offsets", body: `{"offsets":[]}`},
	{name: "offsets_reset_running", method: "DELETE", path: "/connectors/pg/offsets"},
	{name: "stop", method: "PUT", path: "/connectors/pg/stop"},
	{name: "status_stopped", method: "GET", path: "/connectors/pg/status"},
	{name: "offsets_alter", method: "PATCH", path: "/connectors/pg/offsets", body: `{"offsets":[{"partition":{"server":"db"},"offset":{"lsn":42}}]}`},
	{name: "offsets", method: "GET", path: "/connectors/pg/offsets"},
	{name: "offsets_reset", method: "DELETE", path: "/connectors/pg/offsets"},
	{name: "offsets_unknown", method: "GET", path: "/connectors/nope/offsets"},
	{name: "rebalance_conflict", method: "PUT", path: "/connectors/pg/resume", setup: func(h *apitest.Herder) { h.SetRebalancing(true) }},
	{name: "no_leader", method: "DELETE", path: "/connectors/pg2",
		setup: func(h *apitest.Herder) { h.SetRebalancing(false); h.SetNoLeader(true) }},
	{name: "delete", method: "DELETE", path: "/connectors/pg2", setup: func(h *apitest.Herder) { h.SetNoLeader(false) }},
	{name: "delete_unknown", method: "DELETE", path: "/connectors/pg2"},
	{name: "signal_not_enabled", method: "POST", path: "/connectors/pg/signals", body: execSignal},
	{name: "signal", method: "POST", path: "/connectors/pg/signals", body: execSignal, setup: func(h *apitest.Herder) {
		on, prefix := "source,kafka", "pg"
		_, _ = h.PatchConnectorConfig(context.Background(), "pg", map[string]*string{"signal.enabled.channels": &on, "topic.prefix": &prefix})
	}},
	{name: "signal_stop", method: "POST", path: "/connectors/pg/signals", body: `{"type":"stop-snapshot","data":{"data-collections":["public.users"],"type":"incremental"}}`},
	{name: "signal_unknown", method: "POST", path: "/connectors/nope/signals", body: execSignal},
	{name: "signal_malformed", method: "POST", path: "/connectors/pg/signals", body: `{"type":`},
	{name: "signal_bad_type", method: "POST", path: "/connectors/pg/signals", body: `{"type":"pause-snapshot"}`},
	{name: "signal_no_collections", method: "POST", path: "/connectors/pg/signals", body: `{"type":"execute-snapshot","data":{"type":"incremental"}}`},
	{name: "loggers", method: "GET", path: "/admin/loggers"},
	{name: "logger_root", method: "GET", path: "/admin/loggers/root"},
	{name: "logger_unknown", method: "GET", path: "/admin/loggers/nope"},
	{name: "logger_set", method: "PUT", path: "/admin/loggers/sluice.runtime", body: `{"level":"debug"}`},
	{name: "logger_after_set", method: "GET", path: "/admin/loggers/sluice.runtime.worker"},
	{name: "logger_set_no_level", method: "PUT", path: "/admin/loggers/sluice", body: `{}`},
	{name: "logger_set_bad_level", method: "PUT", path: "/admin/loggers/sluice", body: `{"level":"LOUD"}`},
	{name: "logger_set_cluster", method: "PUT", path: "/admin/loggers/sluice?scope=cluster", body: `{"level":"WARN"}`},
	{name: "loggers_after_set", method: "GET", path: "/admin/loggers"},
	{name: "metrics", method: "GET", path: "/metrics"},
	{name: "unknown_route", method: "GET", path: "/nope"},
	{name: "unknown_subroute", method: "GET", path: "/connectors/pg/nope"},
	{name: "wrong_method", method: "DELETE", path: "/connectors"},
	{name: "wrong_method_config", method: "POST", path: "/connectors/pg/config"},
}

// fixedClock stamps logger changes at a fixed instant for stable goldens.
func fixedClock() time.Time { return time.UnixMilli(1763700000000) }

func newTestServer(t *testing.T, h *apitest.Herder, mutate func(*api.Options)) *httptest.Server {
	t.Helper()
	loggers := api.NewLoggers(slog.LevelInfo).WithClock(fixedClock)
	loggers.Level("sluice.runtime.worker")
	opts := api.Options{
		Herder:  h,
		Version: "0.1.0",
		Commit:  "abc1234",
		Loggers: loggers,
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "# TYPE sluice_up gauge\nsluice_up 1\n")
		}),
	}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := api.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return newServer(t, s)
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func TestGolden(t *testing.T) {
	h := apitest.NewHerder()
	ts := newTestServer(t, h, nil)
	seen := map[string]bool{}
	for _, st := range scenario {
		if seen[st.name] {
			t.Fatalf("step %s twice", st.name)
		}
		seen[st.name] = true
		if st.setup != nil {
			st.setup(h)
		}
		got := render(t, ts, st.method, st.path, st.body, nil)
		for _, secret := range []string{"s3cret", "AKIA-secret"} {
			if bytes.Contains(got, []byte(secret)) {
				t.Errorf("%s: answer shows secret %q", st.name, secret)
			}
		}
		checkGolden(t, st.name, got)
	}
}

// render performs one call and renders its answer for a golden file.
func render(t *testing.T, ts *httptest.Server, method, path, body string, hdr http.Header) []byte {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %s\n%s\n", method, path, resp.Status)
	for _, k := range []string{"Content-Type", "Location", "Allow", "Www-Authenticate"} {
		for _, v := range resp.Header.Values(k) {
			v = strings.ReplaceAll(v, ts.URL, "http://WORKER")
			fmt.Fprintf(&out, "%s: %s\n", k, v)
		}
	}
	out.WriteString("\n")
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if !json.Valid(b) {
			t.Fatalf("%s %s: answer is not JSON: %q", method, path, b)
		}
		if err := json.Indent(&out, b, "", "  "); err != nil {
			t.Fatal(err)
		}
		out.WriteString("\n")
	} else {
		out.Write(b)
	}
	return out.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./api -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: answer differs from %s\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// TestGoldenFilesAllUsed keeps testdata/ free of stale goldens.
func TestGoldenFilesAllUsed(t *testing.T) {
	used := map[string]bool{}
	for _, st := range scenario {
		used[st.name+".golden"] = true
	}
	for _, n := range extraGoldens {
		used[n+".golden"] = true
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, f := range files {
		if !used[filepath.Base(f)] {
			t.Errorf("%s is not produced by any test", f)
		}
	}
}
