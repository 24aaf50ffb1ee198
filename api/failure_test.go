package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/apitest"
)

// stuckHerder never answers: every call waits for its context to end, as
// a herder whose loop is blocked in a long rebalance would.
type stuckHerder struct{ *apitest.Herder }

func (stuckHerder) Connectors(ctx context.Context) ([]string, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (stuckHerder) Worker(ctx context.Context) (api.WorkerState, error) {
	<-ctx.Done()
	return api.WorkerState{}, ctx.Err()
}

// TestTimeouts: a herder that does not answer in time gives Kafka's 500
// "Request timed out", and /health reports the worker unhealthy.
func TestTimeouts(t *testing.T) {
	s, err := api.New(api.Options{
		Herder:         stuckHerder{apitest.NewHerder()},
		RequestTimeout: 20 * time.Millisecond,
		HealthTimeout:  20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, s)
	checkGolden(t, "timeout", render(t, ts, "GET", "/connectors", "", nil))
	checkGolden(t, "health_unhealthy", render(t, ts, "GET", "/health", "", nil))
}

// clusterHerder records cluster-wide logger changes (KIP-976).
type clusterHerder struct {
	*apitest.Herder
	set chan [2]string
}

func (h clusterHerder) SetClusterLoggerLevel(ctx context.Context, namespace, level string) error {
	h.set <- [2]string{namespace, level}
	return nil
}

func TestClusterLoggerScope(t *testing.T) {
	h := clusterHerder{apitest.NewHerder(), make(chan [2]string, 1)}
	s, err := api.New(api.Options{Herder: h})
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, s)
	checkGolden(t, "logger_set_cluster_scope", render(t, ts, "PUT", "/admin/loggers/sluice.runtime?scope=cluster", `{"level":"warn"}`, nil))
	if got := <-h.set; got != [2]string{"sluice.runtime", "WARN"} {
		t.Errorf("cluster level set %q", got)
	}
}

// taskSinkHerder accepts task configs signed "ok".
type taskSinkHerder struct {
	*apitest.Herder
	got chan []map[string]string
}

func (h taskSinkHerder) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string, sig api.InternalSignature) error {
	switch {
	case sig.Signature == "":
		return api.Errorf(api.ErrBadRequest, "Internal request missing required signature")
	case sig.Signature != "ok" || sig.Algorithm != "HmacSHA256" || len(sig.Body) == 0:
		return api.Errorf(api.ErrForbidden, "Internal request contained invalid signature.")
	}
	h.got <- configs
	return nil
}

func TestInternalTaskConfigs(t *testing.T) {
	h := taskSinkHerder{apitest.NewHerder(), make(chan []map[string]string, 1)}
	s, err := api.New(api.Options{Herder: h})
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, s)
	body := `[{"task.class":"x","topic":"a"}]`
	signed := func(sig string) http.Header {
		return http.Header{api.HeaderSignature: {sig}, api.HeaderSignatureAlgorithm: {"HmacSHA256"}}
	}
	checkGolden(t, "task_configs_put", render(t, ts, "POST", "/connectors/pg/tasks", body, signed("ok")))
	if got := <-h.got; len(got) != 1 || got[0]["topic"] != "a" {
		t.Errorf("herder got %v", got)
	}
	checkGolden(t, "task_configs_unsigned", render(t, ts, "POST", "/connectors/pg/tasks", body, nil))
	checkGolden(t, "task_configs_bad_signature", render(t, ts, "POST", "/connectors/pg/tasks", body, signed("forged")))
	// A standalone herder has no such endpoint.
	plain := newTestServer(t, apitest.NewHerder(), nil)
	checkGolden(t, "task_configs_standalone", render(t, plain, "POST", "/connectors/pg/tasks", body, signed("ok")))
}

func TestNewNeedsHerder(t *testing.T) {
	if _, err := api.New(api.Options{}); err == nil {
		t.Error("New without a herder succeeded")
	}
}

var _ http.Handler = (*api.Server)(nil)

// TestAuthLetsSignedInternalRequestsThrough: with authentication on, a
// worker's signed POST /connectors/{name}/tasks needs no user credentials
// (the herder checks the signature, as behind Kafka's JaasBasicAuthFilter);
// anything else without credentials is refused.
func TestAuthLetsSignedInternalRequestsThrough(t *testing.T) {
	auth, err := api.LoadAuth(writeFile(t, "creds", "alice:pw\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	h := taskSinkHerder{apitest.NewHerder(), make(chan []map[string]string, 1)}
	s, err := api.New(api.Options{Herder: h, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, s)
	signed := http.Header{api.HeaderSignature: {"ok"}, api.HeaderSignatureAlgorithm: {"HmacSHA256"}}
	for _, tc := range []struct {
		method, path string
		hdr          http.Header
		want         int
	}{
		{"POST", "/connectors/pg/tasks", signed, http.StatusNoContent},
		{"POST", "/connectors/pg/tasks", nil, http.StatusUnauthorized},
		{"GET", "/connectors/pg/tasks", signed, http.StatusUnauthorized},
		{"POST", "/connectors/pg/tasks/0/restart", signed, http.StatusUnauthorized},
		{"POST", "/connectors", signed, http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(`[{"topic":"a"}]`))
		for k, v := range tc.hdr {
			req.Header[k] = v
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s (signed %v): %d, want %d", tc.method, tc.path, tc.hdr != nil, resp.StatusCode, tc.want)
		}
	}
	if got := <-h.got; len(got) != 1 {
		t.Errorf("herder got %v", got)
	}
}
