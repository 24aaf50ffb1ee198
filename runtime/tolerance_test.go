package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// headerMap returns a record's headers by key (the last value wins).
func headerMap(kr *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range kr.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

// producePoison writes n JSON string values to topic/0; the records at the
// positions in poison are malformed JSON instead. The last record is one
// of them when last is true, so the commit must pass a skipped tail.
func producePoison(t *testing.T, addr, topic string, n int, poison map[int]bool) {
	t.Helper()
	produceN(t, addr, topic, 1, 0)
	cl := newClient(t, addr)
	var recs []*kgo.Record
	for i := range n {
		v := fmt.Sprintf("%q", "v"+strconv.Itoa(i))
		if poison[i] {
			v = `{"unterminated":` + strconv.Itoa(i)
		}
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte("k" + strconv.Itoa(i)), Value: []byte(v),
			Headers: []kgo.RecordHeader{{Key: "origin", Value: []byte("test")}}})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// waitCommitted waits until group's committed offset of topic/0 is want.
func waitGroupCommitted(t *testing.T, addr, group, topic string, want int64) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		got := committed(t, addr, group, topic)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s committed %d of %s, want %d", group, got, topic, want)
		}
		time.Sleep(20 * time.Millisecond) // polling the broker's committed offsets: no signal to wait on
	}
}

func TestSinkToleranceAllSendsPoisonPillsToDLQWithContext(t *testing.T) {
	addr := startBroker(t)
	const n = 1000
	poison := map[int]bool{}
	for i := 7; i < n; i += 100 {
		poison[i] = true
	}
	poison[n-1] = true // a skipped tail: the commit must still reach n
	producePoison(t, addr, "in", n, poison)
	sink := newCollectingSink()
	w := startWorker(t, workerProps(t, addr), NewInProcess(sink), map[string]string{
		"name": "snk", "connector.class": "collecting-sink", "topics": "in",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq-snk",
		"errors.deadletterqueue.context.headers.enable": "true", "errors.log.enable": "true",
	})
	sink.waitCount(t, n-len(poison))
	waitGroupCommitted(t, addr, "connect-snk", "in", n)
	dead := consumeAll(t, addr, "dlq-snk", len(poison))
	if got := endOffsets(t, addr, "dlq-snk"); got != int64(len(poison)) {
		t.Fatalf("DLQ holds %d records, want exactly the %d poison pills", got, len(poison))
	}
	for _, kr := range dead {
		h := headerMap(kr)
		off, _ := strconv.Atoi(h[dlq.HeaderOffset])
		if !poison[off] {
			t.Errorf("DLQ record names offset %d, not a poison pill", off)
		}
		if want := `{"unterminated":` + strconv.Itoa(off); string(kr.Value) != want || string(kr.Key) != "k"+strconv.Itoa(off) {
			t.Errorf("DLQ record %d: key %q value %q, want the original bytes", off, kr.Key, kr.Value)
		}
		want := map[string]string{
			dlq.HeaderTopic: "in", dlq.HeaderPartition: "0", dlq.HeaderConnectorName: "snk", dlq.HeaderTaskID: "0",
			dlq.HeaderStage: "VALUE_CONVERTER", dlq.HeaderClassName: "org.apache.kafka.connect.json.JsonConverter",
			"origin": "test",
		}
		for k, v := range want {
			if h[k] != v {
				t.Errorf("DLQ record %d: header %s = %q, want %q", off, k, h[k], v)
			}
		}
		if h[dlq.HeaderExceptionClassName] == "" || !strings.Contains(h[dlq.HeaderExceptionMessage], "in/0@"+strconv.Itoa(off)) || h[dlq.HeaderExceptionTrace] == "" {
			t.Errorf("DLQ record %d: exception headers %q / %q / %q", off, h[dlq.HeaderExceptionClassName], h[dlq.HeaderExceptionMessage], h[dlq.HeaderExceptionTrace])
		}
	}
	if st := w.Status("snk"); len(st) != 1 || st[0].State != Running || st[0].Restarts != 0 {
		t.Fatalf("status %+v: the task must keep running", st)
	}
	w.stop(t)
}

func TestSinkToleranceNoneFailsTaskAtThePoisonPill(t *testing.T) {
	addr := startBroker(t)
	producePoison(t, addr, "in", 20, map[int]bool{10: true})
	sink := newCollectingSink()
	w := startWorker(t, workerProps(t, addr, "task.restart.backoff.initial.ms", "60000", "task.restart.backoff.max.ms", "60000"), NewInProcess(sink), map[string]string{
		"name": "snk", "connector.class": "collecting-sink", "topics": "in",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	})
	deadline := time.Now().Add(waitTimeout)
	for {
		st := w.Status("snk")
		if len(st) == 1 && st[0].State == Failed {
			if !strings.Contains(st[0].Trace, "VALUE_CONVERTER") || !strings.Contains(st[0].Trace, "in/0@10") {
				t.Fatalf("trace %q does not name the stage and record", st[0].Trace)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %+v, want FAILED", st)
		}
		time.Sleep(10 * time.Millisecond) // status has no change signal in tests
	}
	if got := committed(t, addr, "connect-snk", "in"); got > 10 {
		t.Fatalf("committed %d: past the poison pill at 10", got)
	}
	if got := endOffsets(t, addr, "dlq-snk"); got != 0 {
		t.Fatalf("a DLQ appeared without being configured")
	}
	w.stop(t)
}

// errantSink reports every record whose value is "bad" as errant and fails
// its first writes with sdk.ErrRetriable when retriable > 0.
type errantSink struct {
	*collectingSink
	mu        sync.Mutex
	retriable int
}

func (s *errantSink) NewTask() sdk.SinkTask {
	return &errantTask{collectingTask{sink: s.collectingSink}, s}
}

type errantTask struct {
	collectingTask
	s *errantSink
}

func (e *errantTask) Write(ctx context.Context, recs []record.Record, rep sdk.ErrantReporter) error {
	e.s.mu.Lock()
	if e.s.retriable > 0 {
		e.s.retriable--
		e.s.mu.Unlock()
		return fmt.Errorf("target busy: %w", sdk.ErrRetriable)
	}
	e.s.mu.Unlock()
	var good []record.Record
	for _, r := range recs {
		if r.Value == "bad" {
			rep.Report(r, errors.New("mapping rejected"))
			continue
		}
		good = append(good, r)
	}
	return e.collectingTask.Write(ctx, good, rep)
}

func TestSinkErrantRecordsGoToDLQAndRetriableWritesRetry(t *testing.T) {
	addr := startBroker(t)
	produceN(t, addr, "in", 1, 0)
	cl := newClient(t, addr)
	var recs []*kgo.Record
	for i := range 50 {
		v := strconv.Itoa(i)
		if i%10 == 3 {
			v = "bad"
		}
		recs = append(recs, &kgo.Record{Topic: "in", Value: []byte(v)})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	sink := &errantSink{collectingSink: newCollectingSink(), retriable: 2}
	w := startWorker(t, workerProps(t, addr), NewInProcess(sink), map[string]string{
		"name": "snk", "connector.class": "collecting-sink", "topics": "in",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq",
		"errors.deadletterqueue.context.headers.enable": "true",
		"errors.retry.timeout":                          "-1", "errors.retry.delay.max.ms": "50",
	})
	sink.waitCount(t, 45)
	waitGroupCommitted(t, addr, "connect-snk", "in", 50)
	dead := consumeAll(t, addr, "dlq", 5)
	for _, kr := range dead {
		h := headerMap(kr)
		if string(kr.Value) != "bad" || h[dlq.HeaderStage] != "TASK_PUT" || h[dlq.HeaderClassName] != "collecting-sink" || h[dlq.HeaderExceptionMessage] != "mapping rejected" {
			t.Errorf("DLQ record %q headers %v", kr.Value, h)
		}
	}
	if got := endOffsets(t, addr, "dlq"); got != 5 {
		t.Fatalf("DLQ holds %d, want 5", got)
	}
	if st := w.Status("snk"); len(st) != 1 || st[0].Restarts != 0 {
		t.Fatalf("status %+v: retriable writes must be retried, not restart the task", st)
	}
	w.stop(t)
}

// poisonSource emits count records with an Int32 value schema; every
// record whose position is a multiple of 10 carries a string instead, which
// the JSON converter refuses.
type poisonSource struct{ *countingSource }

func (p poisonSource) NewTask() sdk.SourceTask {
	return &poisonTask{countingTask{src: p.countingSource}}
}

type poisonTask struct{ countingTask }

func (p *poisonTask) Read(ctx context.Context) ([]record.Record, error) {
	recs, err := p.countingTask.Read(ctx)
	for i := range recs {
		pos, _ := strconv.Atoi(recs[i].Value.(string))
		recs[i].ValueSchema = record.Int32Schema()
		recs[i].Value = int32(pos)
		if pos%10 == 0 {
			recs[i].Value = "poison-" + strconv.Itoa(pos)
		}
	}
	return recs, err
}

func TestSourceToleranceAllSendsUnconvertibleRecordsToDLQ(t *testing.T) {
	addr := startBroker(t)
	src := poisonSource{newCountingSource()}
	w := startWorker(t, workerProps(t, addr), NewInProcess(src), map[string]string{
		"name": "src", "connector.class": "counting-source", "count": "200", "batch": "30", "source.topics": "out",
		"value.converter":  "org.apache.kafka.connect.json.JsonConverter",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq-src",
		"errors.deadletterqueue.context.headers.enable": "true",
	})
	src.waitCommitted(t, 0, 200) // offsets pass the poison pills
	if got := endOffsets(t, addr, "out"); got != 180 {
		t.Fatalf("out holds %d, want the 180 good records", got)
	}
	dead := consumeAll(t, addr, "dlq-src", 20)
	for _, kr := range dead {
		h := headerMap(kr)
		if h[dlq.HeaderStage] != "VALUE_CONVERTER" || h[dlq.HeaderTopic] != "out" || h[dlq.HeaderSourcePartition] != `{"task":0}` {
			t.Errorf("DLQ record %q headers %v", kr.Value, h)
		}
		if _, ok := h[dlq.HeaderOffset]; ok {
			t.Errorf("a source record has no Kafka offset, got header %q", h[dlq.HeaderOffset])
		}
		if !strings.Contains(string(kr.Value), "poison-") || !strings.HasPrefix(h[dlq.HeaderSourceOffset], `{"pos":`) {
			t.Errorf("DLQ record value %q source offset %q", kr.Value, h[dlq.HeaderSourceOffset])
		}
	}
	if got := endOffsets(t, addr, "dlq-src"); got != 20 {
		t.Fatalf("DLQ holds %d, want 20", got)
	}
	w.stop(t)
}

// sinkValidator is a worker that only validates configs of collecting-sink
// (its broker address is never dialled).
func sinkValidator(t *testing.T) *Worker {
	t.Helper()
	wc, _, err := ParseWorkerConfig(workerProps(t, "127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWorker(Options{Config: wc, Plugins: NewInProcess(newCollectingSink()), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestErrorHandlingConfigIsValidated(t *testing.T) {
	_, err := sinkValidator(t).ValidateConnector(context.Background(), map[string]string{
		"name": "snk", "connector.class": "collecting-sink", "topics": "in",
		"errors.tolerance": "some", "errors.retry.timeout": "-5", "errors.deadletterqueue.topic.replication.factor": "0",
		"errors.log.enable": "yes",
	})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	want := []string{"errors.deadletterqueue.topic.replication.factor", "errors.log.enable", "errors.retry.timeout", "errors.tolerance"}
	if got := ce.Properties(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("bad properties %q, want %q\n%v", got, want, err)
	}
}

// failingSource marks every record whose position is a multiple of 10 failed
// (sdk.FailedRecord), as a connector does with a value it cannot map.
type failingSource struct{ *countingSource }

func (p failingSource) NewTask() sdk.SourceTask {
	return &failingTask{countingTask{src: p.countingSource}}
}

type failingTask struct{ countingTask }

func (p *failingTask) Read(ctx context.Context) ([]record.Record, error) {
	recs, err := p.countingTask.Read(ctx)
	for i := range recs {
		if pos, _ := strconv.Atoi(recs[i].Value.(string)); pos%10 == 0 {
			recs[i].Value = map[string]any{"raw": "{{1,2},{3,4}}", "pos": int64(pos)}
			recs[i] = sdk.FailedRecord(recs[i], fmt.Errorf("column arr: position %d cannot be mapped", pos))
		}
	}
	return recs, err
}

// TestSourceFailedRecordsFollowTolerance: records a source task marks
// failed never reach their topic; under all they go to the DLQ, as the task
// made them, with stage TASK_POLL and the task's message, and the offsets
// pass them; under none the task fails with the message.
func TestSourceFailedRecordsFollowTolerance(t *testing.T) {
	addr := startBroker(t)
	src := failingSource{newCountingSource()}
	w := startWorker(t, workerProps(t, addr), NewInProcess(src), map[string]string{
		"name": "src", "connector.class": "counting-source", "count": "200", "batch": "30", "source.topics": "out",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq-failed",
		"errors.deadletterqueue.context.headers.enable": "true",
	})
	src.waitCommitted(t, 0, 200)
	if got := endOffsets(t, addr, "out"); got != 180 {
		t.Fatalf("out holds %d, want the 180 good records", got)
	}
	dead := consumeAll(t, addr, "dlq-failed", 20)
	for _, kr := range dead {
		h := headerMap(kr)
		if h[dlq.HeaderStage] != "TASK_POLL" || h[dlq.HeaderClassName] != "counting-source" ||
			!strings.Contains(h[dlq.HeaderExceptionMessage], "cannot be mapped") || h[dlq.HeaderTopic] != "out" {
			t.Errorf("DLQ record %q headers %v", kr.Value, h)
		}
		if _, marked := h[sdk.HeaderRecordError]; marked {
			t.Errorf("DLQ record kept the failure mark: %v", h)
		}
		if !strings.Contains(string(kr.Value), `"raw":"{{1,2},{3,4}}"`) {
			t.Errorf("DLQ record value %q: want the task's raw value", kr.Value)
		}
	}
	w.stop(t)

	src = failingSource{newCountingSource()}
	w = startWorker(t, workerProps(t, addr, "task.restart.backoff.initial.ms", "60000", "task.restart.backoff.max.ms", "60000"), NewInProcess(src), map[string]string{
		"name": "src2", "connector.class": "counting-source", "count": "200", "batch": "30", "source.topics": "out2",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	})
	deadline := time.Now().Add(waitTimeout)
	for {
		st := w.Status("src2")
		if len(st) == 1 && st[0].State == Failed {
			if !strings.Contains(st[0].Trace, "TASK_POLL") || !strings.Contains(st[0].Trace, "position 0 cannot be mapped") {
				t.Fatalf("trace %q does not name the stage and the task's message", st[0].Trace)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %+v, want FAILED", st)
		}
		time.Sleep(10 * time.Millisecond) // status has no change signal in tests
	}
	if got := endOffsets(t, addr, "out2"); got != 0 {
		t.Fatalf("out2 holds %d records: the batch with the failed record was produced", got)
	}
	w.stop(t)
}
