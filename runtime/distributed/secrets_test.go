package distributed

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/plugins/sdk"
)

// secretSource is the counting source with a PASSWORD-typed property.
type secretSource struct{ source }

func (secretSource) Spec() sdk.Spec {
	return sdk.Spec{Name: "secret-source", Kind: sdk.Source, Config: sdk.NewConfigDef().
		Define(sdk.Key{Name: "topic", Type: sdk.String, Required: true}).
		Define(sdk.Key{Name: "db.password", Type: sdk.Password, Required: true})}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// TestSecretsMaskedAndResolved: a PASSWORD-typed property never comes back
// in clear over REST; a ${env:…} placeholder is resolved for the connector
// and its task, while the configs topic keeps the placeholder; a missing
// variable fails the connector naming the property; /metrics shows the
// task state and the rebalances.
func TestSecretsMaskedAndResolved(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	w := startRESTWorker(t, addr)
	eventually(t, "ready", ready(w.node))
	t.Setenv("SLUICE_TEST_DB_PW", "env-hunter2")
	os.Unsetenv("SLUICE_TEST_DB_PW_UNSET")

	literal := map[string]string{"name": "lit", "connector.class": "secret-source", "topic": "out-lit", "db.password": "hunter2"}
	viaEnv := map[string]string{"name": "env", "connector.class": "secret-source", "topic": "out-env", "db.password": "${env:SLUICE_TEST_DB_PW}"}
	missing := map[string]string{"name": "miss", "connector.class": "secret-source", "topic": "out-miss", "db.password": "${env:SLUICE_TEST_DB_PW_UNSET}"}
	for _, c := range []map[string]string{literal, viaEnv, missing} {
		if _, err := w.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: c["name"], Config: c}); err != nil {
			t.Fatalf("create %s: %v", c["name"], err)
		}
	}
	eventually(t, "lit and env running", func() bool {
		a, m := states(w.node, "lit")
		b, n := states(w.node, "env")
		return a == api.StateRunning && b == api.StateRunning && running(m) == 1 && running(n) == 1
	})
	eventually(t, "miss failed", func() bool { s, _ := states(w.node, "miss"); return s == api.StateFailed })
	st, err := w.ConnectorStatus(ctx, "miss")
	if err != nil {
		t.Fatal(err)
	}
	if tr := st.Connector.Trace; !strings.Contains(tr, "db.password: cannot resolve ${env:SLUICE_TEST_DB_PW_UNSET}") {
		t.Fatalf("trace of miss: %q", tr)
	}

	for _, path := range []string{
		"/connectors/lit", "/connectors/lit/config", "/connectors/lit/tasks",
		"/connectors/env", "/connectors/env/config", "/connectors/env/tasks",
		"/connectors?expand=info&expand=status",
	} {
		body := getBody(t, w.url+path)
		if strings.Contains(body, "hunter2") { // the literal and the env value
			t.Errorf("GET %s shows a secret: %s", path, body)
		}
		if !strings.Contains(body, api.Hidden) {
			t.Errorf("GET %s: no %s in %s", path, api.Hidden, body)
		}
	}

	// The configs topic holds the placeholder, not the value.
	snap := w.configs.Snapshot()
	if got := snap.TaskConfigs("env"); len(got) != 1 || got[0]["db.password"] != "${env:SLUICE_TEST_DB_PW}" {
		t.Fatalf("stored task configs of env: %v", got)
	}
	if got := snap.Connectors["env"]["db.password"]; got != "${env:SLUICE_TEST_DB_PW}" {
		t.Fatalf("stored config of env: %q", got)
	}

	rec := httptest.NewRecorder()
	w.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	for _, want := range []string{
		`sluice_connect_task_state{connector="env",state="RUNNING",task="0"} 1`,
		"sluice_connect_rebalance_duration_seconds_count ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(text, "sluice_connect_rebalances_total ") || strings.Contains(text, "sluice_connect_rebalances_total 0\n") {
		t.Errorf("no rebalance counted:\n%s", text)
	}
}

// TestUnresolvedPlaceholderRetried: a connector whose config names a
// variable that is not set yet shows FAILED, and is tried again with
// backoff: once the variable exists it runs, with no config change.
func TestUnresolvedPlaceholderRetried(t *testing.T) {
	addr := startBroker(t)
	w := startWorker(t, addr, "18095")
	eventually(t, "worker ready", ready(w))
	ctx := context.Background()
	cfg := connConfig("late", 1)
	cfg["topic"] = "${env:SLUICE_DIST_TEST_LATE_TOPIC}"
	if _, err := w.CreateConnector(ctx, "late", cfg, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "connector FAILED on the missing variable", func() bool {
		st, err := w.ConnectorStatus(ctx, "late")
		return err == nil && st.Connector.State == api.StateFailed && strings.Contains(st.Connector.Trace, "SLUICE_DIST_TEST_LATE_TOPIC")
	})
	t.Setenv("SLUICE_DIST_TEST_LATE_TOPIC", "late-topic")
	eventually(t, "connector and task RUNNING once the variable exists", func() bool {
		s, m := states(w, "late")
		return s == api.StateRunning && running(m) == 1
	})
}
