package dlq

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/broker/brokertest"
	"github.com/sluicehq/sluice/connectors/file"
	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/runtime"
)

const (
	records    = 10_000
	partitions = 2
	topic      = "orders"
	dlqTopic   = "dlq-orders"
	waitFor    = 60 * time.Second
)

func startBroker(t *testing.T) string {
	t.Helper()
	return brokertest.Start(t)
}

// poison says which ids are poison pills: 50 malformed JSON, 50 with a
// string where the sink's Cast wants an integer (1 % in all).
func poison(id int) (kind string) {
	switch {
	case id%100 != 13:
		return ""
	case id/100%2 == 0:
		return "malformed"
	default:
		return "wrong-type"
	}
}

func value(id int) []byte {
	switch poison(id) {
	case "malformed":
		return fmt.Appendf(nil, `{"id":%d,"amount":`, id)
	case "wrong-type":
		return fmt.Appendf(nil, `{"id":%d,"amount":"x%d"}`, id, id)
	}
	return fmt.Appendf(nil, `{"id":%d,"amount":"%d"}`, id, id%1000)
}

// runWorker runs a standalone worker with one FileStreamSink connector
// until the returned stop is called.
func runWorker(t *testing.T, addr, dir string, conn map[string]string) (stop func()) {
	t.Helper()
	wc, _, err := runtime.ParseWorkerConfig(map[string]string{
		"bootstrap.servers":            addr,
		"key.converter":                "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":              "org.apache.kafka.connect.storage.StringConverter",
		"offset.storage.file.filename": filepath.Join(dir, "offsets.json"),
		"offset.flush.interval.ms":     "100",
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := runtime.NewWorker(runtime.Options{Config: wc, Plugins: runtime.NewInProcess(file.NewSink()), Logger: slog.New(slog.DiscardHandler), ProgressInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := w.ValidateConnector(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, []*runtime.ConnectorConfig{cc}) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// waitCaughtUp waits until group has committed the end offset of every
// partition of topic.
func waitCaughtUp(t *testing.T, adm *kadm.Client, group, topic string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		ends, err := adm.ListEndOffsets(context.Background(), topic)
		if err != nil {
			t.Fatal(err)
		}
		offs, err := adm.FetchOffsets(context.Background(), group)
		if err != nil {
			t.Fatal(err)
		}
		caughtUp := true
		ends.Each(func(o kadm.ListedOffset) {
			c, ok := offs.Lookup(o.Topic, o.Partition)
			if !ok || c.At != o.Offset {
				caughtUp = false
			}
		})
		if caughtUp {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s did not commit the end of %s: ends %v", group, topic, ends)
		}
		time.Sleep(50 * time.Millisecond) // polling committed offsets: the broker has no push for them
	}
}

var idRE = regexp.MustCompile(`"id":(\d+)`)

// idsInFile counts each id's lines in the sink's file.
func idsInFile(t *testing.T, path string) (map[int]int, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int]int{}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		lines++
		m := idRE.FindSubmatch(sc.Bytes())
		if m == nil {
			t.Fatalf("line %q names no id", sc.Text())
		}
		id, _ := strconv.Atoi(string(m[1]))
		ids[id]++
	}
	return ids, lines
}

func TestPoisonPillsToDLQThenReplayAfterFix(t *testing.T) {
	addr := startBroker(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "orders.jsonl")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if resp, err := adm.CreateTopic(context.Background(), partitions, 1, nil, topic); err != nil || resp.Err != nil {
		t.Fatalf("create topic: %v %v", err, resp.Err)
	}
	var recs []*kgo.Record
	want := map[int]string{} // poison pills by id
	for id := range records {
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte("order-" + strconv.Itoa(id)), Value: value(id)})
		if k := poison(id); k != "" {
			want[id] = k
		}
	}
	if len(want) != records/100 {
		t.Fatalf("%d poison pills, want 1 %%", len(want))
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	// 1. The sink wants integer amounts: malformed JSON fails conversion,
	// a string amount fails the Cast. Both go to the DLQ; the rest lands.
	sinkProps := map[string]string{
		"name": "orders-file", "connector.class": "FileStreamSink", "topics": topic, "file": out,
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"transforms": "amount", "transforms.amount.type": "org.apache.kafka.connect.transforms.Cast$Value",
		"transforms.amount.spec": "amount:int32",
		"errors.tolerance":       "all", "errors.deadletterqueue.topic.name": dlqTopic,
		"errors.deadletterqueue.context.headers.enable": "true",
	}
	stop := runWorker(t, addr, dir, sinkProps)
	waitCaughtUp(t, adm, "connect-orders-file", topic)
	stop()
	ids, lines := idsInFile(t, out)
	if lines != records-len(want) {
		t.Fatalf("sink wrote %d lines, want %d", lines, records-len(want))
	}
	for id := range records {
		if n := ids[id]; (want[id] == "" && n != 1) || (want[id] != "" && n != 0) {
			t.Fatalf("id %d (poison %q) written %d times", id, want[id], n)
		}
	}

	// 2. The DLQ holds exactly the poison pills, each naming where it came
	// from and why.
	in, err := dlq.NewInspector([]string{addr})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	entries, err := in.Show(context.Background(), dlqTopic, dlq.Filter{}, records)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Fatalf("DLQ holds %d records, want %d", len(entries), len(want))
	}
	orig, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	byPos := map[string][]byte{}
	for len(byPos) < records {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		f := orig.PollFetches(ctx)
		cancel()
		if err := f.Err0(); err != nil {
			t.Fatal(err)
		}
		f.EachRecord(func(r *kgo.Record) { byPos[fmt.Sprintf("%d@%d", r.Partition, r.Offset)] = r.Value })
	}
	orig.Close()
	seen := map[int]bool{}
	for _, e := range entries {
		c := e.Context
		m := idRE.FindSubmatch(e.Record.Value)
		if m == nil {
			t.Fatalf("DLQ value %q", e.Record.Value)
		}
		id, _ := strconv.Atoi(string(m[1]))
		seen[id] = true
		stage := map[string]dlq.Stage{"malformed": dlq.StageValueConverter, "wrong-type": dlq.StageTransformation}[want[id]]
		if c.Topic != topic || c.Connector != "orders-file" || c.Task != 0 || c.Stage != stage || c.ErrorClass == "" || c.Message == "" {
			t.Errorf("id %d (%s): context %+v", id, want[id], c)
		}
		if got := byPos[fmt.Sprintf("%d@%d", c.Partition, c.Offset)]; !bytes.Equal(got, e.Record.Value) {
			t.Errorf("id %d: headers point at %d@%d holding %q, not the DLQ record's %q", id, c.Partition, c.Offset, got, e.Record.Value)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("DLQ holds %d distinct ids, want %d", len(seen), len(want))
	}

	// 3. Fix the sink (strings pass as they are), replay to the original
	// topic: every record lands exactly once.
	fixed := map[string]string{
		"name": "orders-file", "connector.class": "FileStreamSink", "topics": topic, "file": out,
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlqTopic,
	}
	stop = runWorker(t, addr, dir, fixed)
	res, err := in.Replay(context.Background(), dlq.ReplayOptions{Topic: dlqTopic})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replayed != int64(len(want)) || res.Remaining != 0 {
		t.Fatalf("replay %+v, want %d replayed", res, len(want))
	}
	// The replay's transaction markers take offsets no record holds, so the
	// group's commit stays one short of the end: wait for the lines.
	waitLines(t, out, records)
	stop() // a graceful stop flushes and commits
	ids, lines = idsInFile(t, out)
	if lines != records {
		t.Fatalf("after the replay the file has %d lines, want %d", lines, records)
	}
	for id := range records {
		if ids[id] != 1 {
			t.Fatalf("id %d written %d times", id, ids[id])
		}
	}

	// 4. A second replay adds nothing.
	res, err = in.Replay(context.Background(), dlq.ReplayOptions{Topic: dlqTopic})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replayed != 0 {
		t.Fatalf("second replay replayed %d", res.Replayed)
	}
	if n := countRecords(t, addr, topic, records+len(want)); n != records+len(want) {
		t.Fatalf("%s holds %d records, want %d", topic, n, records+len(want))
	}
	if _, lines = idsInFile(t, out); lines != records {
		t.Fatalf("after the second replay the file has %d lines", lines)
	}
}

// waitLines waits until the sink's file has n lines.
func waitLines(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Count(b, []byte("\n")); got >= n {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("the sink's file has %d lines, want %d", got, n)
		}
		time.Sleep(50 * time.Millisecond) // the file sink has no signal to wait on
	}
}

// countRecords reads topic read_committed until want records arrived, then
// half a second more for any extra one.
func countRecords(t *testing.T, addr, topic string, want int) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	n := 0
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for n < want && ctx.Err() == nil {
		n += len(cl.PollFetches(ctx).Records())
	}
	extra, cancelExtra := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancelExtra()
	for extra.Err() == nil {
		n += len(cl.PollFetches(extra).Records())
	}
	return n
}
