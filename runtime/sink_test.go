package runtime

import (
	"context"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/plugins/sdk"
)

func produceN(t *testing.T, addr, topic string, partitions int32, n int) {
	t.Helper()
	cl := newClient(t, addr)
	resp, err := kadm.NewClient(cl).CreateTopic(context.Background(), partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	var recs []*kgo.Record
	for i := range n {
		recs = append(recs, &kgo.Record{Topic: topic, Value: []byte(strconv.Itoa(i))})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// committed returns the group's committed offset of topic/0 (-1: none).
func committed(t *testing.T, addr, group, topic string) int64 {
	t.Helper()
	offs, err := kadm.NewClient(newClient(t, addr)).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup(topic, 0); ok {
		return o.At
	}
	return -1
}

func TestSinkCommitsOnlyFlushedOffsets(t *testing.T) {
	addr := startBroker(t)
	produceN(t, addr, "in", 1, 10)
	sink := newCollectingSink()
	sink.setLimit(4) // the target has made only offsets 0..3 durable
	w := startWorker(t, workerProps(t, addr), NewInProcess(sink),
		map[string]string{"name": "snk", "connector.class": "collecting-sink", "topics": "in"})
	sink.waitCount(t, 10)
	sink.waitFlushes(t, 2) // a flush whose commit completed
	if got := committed(t, addr, "connect-snk", "in"); got != 4 {
		t.Fatalf("committed %d while Flush returned 4", got)
	}
	sink.setLimit(-1)
	sink.waitFlushes(t, 2)
	if got := committed(t, addr, "connect-snk", "in"); got != 10 {
		t.Fatalf("committed %d, want 10 after Flush caught up", got)
	}
	if read, written := w.Counts("snk"); read != 10 || written != 10 {
		t.Fatalf("counts read=%d written=%d", read, written)
	}
	w.stop(t)
}

func TestSinkStopCommitsFlushAndRestartRedeliversUnflushed(t *testing.T) {
	addr := startBroker(t)
	produceN(t, addr, "in", 1, 10)
	wp := workerProps(t, addr, OffsetFlushIntervalConfig, "3600000") // only the stop flushes
	sink := newCollectingSink()
	sink.setLimit(6)
	conn := map[string]string{"name": "snk", "connector.class": "collecting-sink", "topics.regex": "i."}
	w := startWorker(t, wp, NewInProcess(sink), conn)
	sink.waitCount(t, 10)
	w.stop(t)
	if got := committed(t, addr, "connect-snk", "in"); got != 6 {
		t.Fatalf("committed %d after stop, want the flushed 6", got)
	}
	// A new run resumes from the commit: offsets 6..9 come again.
	sink2 := newCollectingSink()
	w2 := startWorker(t, wp, NewInProcess(sink2), conn)
	sink2.waitCount(t, 4)
	w2.stop(t)
	sink2.mu.Lock()
	got := sink2.mu.written[sdk.TopicPartition{Topic: "in", Partition: 0}]
	sink2.mu.Unlock()
	if len(got) != 4 || got[0] != 6 || got[3] != 9 {
		t.Fatalf("second run wrote offsets %v, want 6..9", got)
	}
	if c := committed(t, addr, "connect-snk", "in"); c != 10 {
		t.Fatalf("committed %d, want 10", c)
	}
}

// TestSinkTwoTasksRebalance runs two sink tasks in one group: the second
// joining takes partitions from the first (a revocation, flushed and
// committed), and together they deliver and commit everything.
func TestSinkTwoTasksRebalance(t *testing.T) {
	addr := startBroker(t)
	produceN(t, addr, "in4", 4, 200)
	sink := newCollectingSink()
	w := startWorker(t, workerProps(t, addr), NewInProcess(sink),
		map[string]string{"name": "snk2", "connector.class": "collecting-sink", "topics": "in4", "tasks.max": "2"})
	sink.waitCount(t, 200)
	sink.waitFlushes(t, 4)
	w.stop(t)

	offs, err := kadm.NewClient(newClient(t, addr)).FetchOffsets(context.Background(), "connect-snk2")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	offs.Each(func(o kadm.OffsetResponse) { total += o.At })
	if total != 200 {
		t.Fatalf("committed %d in total, want 200", total)
	}
	if n := len(w.Status("snk2")); n != 2 {
		t.Fatalf("%d tasks", n)
	}
}
