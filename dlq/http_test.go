package dlq

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// call sends a request to h and decodes the JSON answer into out (when
// not nil), returning the status.
func call(t *testing.T, h http.Handler, method, path, body string, out any) int {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed && ct != "application/json" {
		t.Errorf("%s %s: content type %q", method, path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, rec.Body)
		}
	}
	return rec.Code
}

// wantError checks an error answer: status and Kafka Connect's body, whose
// message mentions each of wants.
func wantError(t *testing.T, h http.Handler, method, path, body string, status int, wants ...string) {
	t.Helper()
	var e errorBody
	if got := call(t, h, method, path, body, &e); got != status || e.ErrorCode != status {
		t.Errorf("%s %s: status %d error_code %d (%s), want %d", method, path, got, e.ErrorCode, e.Message, status)
	}
	for _, w := range wants {
		if !strings.Contains(e.Message, w) {
			t.Errorf("%s %s: message %q does not mention %q", method, path, e.Message, w)
		}
	}
}

func TestDLQHandler(t *testing.T) {
	addr := startBroker(t)
	fixture(t, addr)
	createTopic(t, addr, "payments", 1)
	createTopic(t, addr, "retry", 1)
	in := newInspector(t, addr)
	h := NewHandler(in, HandlerOptions{Fixer: func(props map[string]string) (Fixer, error) {
		if props["transforms"] != "upper" {
			return nil, &InvalidError{"transforms", "unknown " + props["transforms"]}
		}
		return func(r *kgo.Record) (*kgo.Record, bool, error) {
			r.Value = []byte(strings.ToUpper(string(r.Value)))
			return r, true, nil
		}, nil
	}})

	var list []TopicSummary
	if code := call(t, h, "GET", "/dlq", "", &list); code != 200 || len(list) != 1 || list[0].Topic != "orders-dlq" || list[0].Records != 8 {
		t.Errorf("GET /dlq: %d %+v", code, list)
	}
	var s TopicSummary
	if code := call(t, h, "GET", "/dlq/orders-dlq?max_scan=2", "", &s); code != 200 || s.Scanned != 2 || !s.ScanCapped {
		t.Errorf("GET /dlq/orders-dlq: %d %+v", code, s)
	}
	wantError(t, h, "GET", "/dlq/nope", "", 404, `"nope"`)
	wantError(t, h, "GET", "/dlq/orders-dlq?max_scan=x", "", 400, "max_scan")

	var es []Entry
	if code := call(t, h, "GET", "/dlq/orders-dlq/records?connector=es-sink&limit=2", "", &es); code != 200 || len(es) != 2 || es[0].Context.Connector != "es-sink" {
		t.Errorf("records by connector: %d %+v", code, es)
	}
	q := "/dlq/orders-dlq/records?error_class=convertError&stage=VALUE_CONVERTER&message=x2&from=2026-03-01T12:00:01Z&to=1772366405000&start_offset=1&end_offset=4&partition=0"
	if code := call(t, h, "GET", q, "", &es); code != 200 || len(es) != 1 || es[0].Offset != 2 {
		t.Errorf("records with every filter: %d %+v", code, es)
	}
	if code := call(t, h, "GET", "/dlq/orders-dlq/records?message_regexp=mapper.*1&original_topic=payments", "", &es); code != 200 || len(es) != 1 || es[0].Offset != 1 {
		t.Errorf("records by regexp: %d %+v", code, es)
	}
	for param, q := range map[string]string{
		"from": "from=yesterday", "start_offset": "start_offset=a", "end_offset": "end_offset=1.5",
		"partition": "partition=x", "limit": "limit=-1", "message_regexp": "message_regexp=(",
	} {
		wantError(t, h, "GET", "/dlq/orders-dlq/records?"+q, "", 400, param)
	}
	wantError(t, h, "GET", "/dlq/orders-dlq/records?partition=9", "", 400, "partition 9")
	wantError(t, h, "GET", "/dlq/nope/records", "", 404, `"nope"`)

	// Replay: dry, then for real, then again (nothing left).
	var res ReplayResult
	if code := call(t, h, "POST", "/dlq/orders-dlq/replay", `{"dry_run": true, "connector": "es-sink"}`, &res); code != 200 || !res.DryRun || res.Replayed != 3 {
		t.Errorf("dry replay: %d %+v", code, res)
	}
	body := `{"connector": "es-sink", "name": "es", "transforms": {"transforms": "upper"}, "from_time": "2026-03-01T12:00:06Z"}`
	if code := call(t, h, "POST", "/dlq/orders-dlq/replay", body, &res); code != 200 || res.Replayed != 2 || res.Name != "es" {
		t.Errorf("replay: %d %+v", code, res)
	}
	if rs := readAll(t, addr, "payments"); len(rs) != 2 || string(rs[0].Value) != "V1" {
		t.Errorf("payments after replay: %d records", len(rs))
	}
	if code := call(t, h, "POST", "/dlq/orders-dlq/replay", body, &res); code != 200 || res.Replayed != 0 {
		t.Errorf("second replay: %d %+v", code, res)
	}
	wantError(t, h, "POST", "/dlq/orders-dlq/replay", `{"to": "missing"}`, 400, `"missing"`)
	wantError(t, h, "POST", "/dlq/orders-dlq/replay", `{"stage": "TASK_POLL"}`, 400, "no original topic")
	wantError(t, h, "POST", "/dlq/orders-dlq/replay", `{"bogus": 1}`, 400, "bogus")
	wantError(t, h, "POST", "/dlq/orders-dlq/replay", `{"rate": -1}`, 400, "rate")
	wantError(t, h, "POST", "/dlq/orders-dlq/replay", `{"transforms": {"transforms": "nope"}}`, 400, "transforms")
	wantError(t, h, "POST", "/dlq/nope/replay", `{}`, 404, `"nope"`)

	// 409 while a replay of the same name runs.
	release, err := in.claim("busy")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, h, "POST", "/dlq/orders-dlq/replay", `{"name": "busy", "to": "retry"}`, 409, "busy")
	release()

	// Without a Fixer loader, transforms are refused.
	wantError(t, NewHandler(in, HandlerOptions{}), "POST", "/dlq/orders-dlq/replay", `{"transforms": {"transforms": "upper"}}`, 400, "not available")
}
