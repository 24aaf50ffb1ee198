package runtime

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// scrape returns the text exposition of w's metrics handler.
func scrape(t *testing.T, w *Worker) string {
	t.Helper()
	rec := httptest.NewRecorder()
	w.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// hasLines reports the first of want not in the scraped text ("" if all are).
func missingLine(text string, want []string) string {
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		lines[l] = true
	}
	for _, w := range want {
		if !lines[w] {
			return w
		}
	}
	return ""
}

// TestMetrics runs a source writing 250 records in batches of 100 and a
// sink reading them that makes only 200 durable, then checks the scraped
// values.
func TestMetrics(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	sink := newCollectingSink()
	sink.setLimit(200)
	w := startWorker(t, workerProps(t, addr), NewInProcess(src, sink),
		sourceProps("count", "250", "topic.creation.default.partitions", "1"),
		map[string]string{"name": "snk", "connector.class": "collecting-sink", "topics": "numbers"})
	src.waitCommitted(t, 0, 250)
	sink.waitCount(t, 250)

	want := []string{
		`sluice_connect_task_records_read_total{connector="src",task="0"} 250`,
		`sluice_connect_task_records_written_total{connector="src",task="0"} 250`,
		`sluice_connect_task_records_failed_total{connector="src",task="0"} 0`,
		`sluice_connect_task_batch_duration_seconds_count{connector="src",task="0"} 3`,
		`sluice_connect_task_offset_commit_failures_total{connector="src",task="0"} 0`,
		`sluice_connect_task_records_read_total{connector="snk",task="0"} 250`,
		`sluice_connect_task_records_written_total{connector="snk",task="0"} 250`,
		`sluice_connect_task_records_failed_total{connector="snk",task="0"} 0`,
		`sluice_connect_task_offset_commit_failures_total{connector="snk",task="0"} 0`,
		`sluice_connect_sink_lag_records{connector="snk",partition="0",task="0",topic="numbers"} 50`,
		`sluice_connect_task_state{connector="src",state="RUNNING",task="0"} 1`,
		`sluice_connect_task_state{connector="src",state="FAILED",task="0"} 0`,
		`sluice_connect_task_state{connector="snk",state="RUNNING",task="0"} 1`,
		`sluice_connect_task_state{connector="snk",state="UNASSIGNED",task="0"} 0`,
	}
	var text, miss string
	for deadline := time.Now().Add(waitTimeout); ; time.Sleep(20 * time.Millisecond) {
		text = scrape(t, w.Worker)
		if miss = missingLine(text, want); miss == "" || time.Now().After(deadline) {
			break
		}
	}
	if miss != "" {
		t.Fatalf("metrics lack %s:\n%s", miss, text)
	}
	// Commit latencies were observed; the sink's Write calls were timed.
	for _, prefix := range []string{
		`sluice_connect_task_offset_commit_duration_seconds_count{connector="src",task="0"} `,
		`sluice_connect_task_offset_commit_duration_seconds_count{connector="snk",task="0"} `,
		`sluice_connect_task_batch_duration_seconds_count{connector="snk",task="0"} `,
	} {
		if !strings.Contains(text, prefix) || strings.Contains(text, prefix+"0\n") {
			t.Errorf("no observation of %s", prefix)
		}
	}

	w.stop(t)
	text = scrape(t, w.Worker)
	if miss := missingLine(text, []string{
		`sluice_connect_task_state{connector="src",state="UNASSIGNED",task="0"} 1`,
		`sluice_connect_task_state{connector="src",state="RUNNING",task="0"} 0`,
	}); miss != "" {
		t.Fatalf("after stop, metrics lack %s", miss)
	}
}
