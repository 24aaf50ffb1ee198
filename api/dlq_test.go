package api_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/apitest"
)

// Options.DLQ serves /dlq and everything under it, behind the same
// authentication as the rest; without it those paths are 404.
func TestDLQMount(t *testing.T) {
	dlqAPI := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "dlq:"+r.Method+" "+r.URL.Path)
	})
	creds := writeFile(t, "creds", "admin:secret\n")
	ts := newTestServer(t, apitest.NewHerder(), func(o *api.Options) {
		a, err := api.LoadAuth(creds, "")
		if err != nil {
			t.Fatal(err)
		}
		o.Auth, o.DLQ = a, dlqAPI
	})
	get := func(method, path string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		if auth {
			req.SetBasicAuth("admin", "secret")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/dlq"}, {"GET", "/dlq/orders-dlq/records"}, {"POST", "/dlq/orders-dlq/replay"}} {
		if code, body := get(c.method, c.path, true); code != 200 || body != "dlq:"+c.method+" "+c.path {
			t.Errorf("%s %s: %d %q", c.method, c.path, code, body)
		}
	}
	if code, _ := get("GET", "/dlq", false); code != http.StatusUnauthorized {
		t.Errorf("GET /dlq without credentials: %d", code)
	}
	plain := newTestServer(t, apitest.NewHerder(), nil)
	resp, err := http.Get(plain.URL + "/dlq")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /dlq without a DLQ handler: %d", resp.StatusCode)
	}
}
