package dlq

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/sluicehq/sluice/broker/brokertest"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// startBroker runs a Sluice broker in-process, as runtime's tests do.
func startBroker(t testing.TB) string {
	t.Helper()
	return brokertest.Start(t)
}

func newInspector(t testing.TB, addr string) *Inspector {
	t.Helper()
	in, err := NewInspector([]string{addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	return in
}

func newClient(t testing.TB, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func createTopic(t testing.TB, addr, topic string, partitions int32) {
	t.Helper()
	adm := kadm.NewClient(newClient(t, addr))
	resp, err := adm.CreateTopic(t.Context(), partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

// base is the timestamp of the first dead letter; letter i is i seconds
// later.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// letter is one dead letter to write.
type letter struct {
	partition int32
	ec        ErrorContext
	key, val  string
	headers   []kgo.RecordHeader // non-context headers
}

// sinkLetter is a dead letter from a sink task of connector on topic/p/off.
func sinkLetter(connector, topic string, p int32, off int64, stage Stage, err error) letter {
	return letter{ec: ErrorContext{
		Connector: connector, Task: 0, Stage: stage, ClassName: "test.Class",
		Topic: topic, Partition: p, Offset: off, Err: err,
	}, key: "k" + strconv.FormatInt(off, 10), val: "v" + strconv.FormatInt(off, 10)}
}

// writeLetters produces ls to the DLQ topic (created with partitions),
// letter i with timestamp base+i s.
func writeLetters(t testing.TB, addr, topic string, partitions int32, ls []letter) {
	t.Helper()
	createTopic(t, addr, topic, partitions)
	cl := newClient(t, addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	rs := make([]*kgo.Record, len(ls))
	for i, l := range ls {
		rs[i] = &kgo.Record{
			Topic: topic, Partition: l.partition,
			Key: []byte(l.key), Value: []byte(l.val),
			Timestamp: base.Add(time.Duration(i) * time.Second),
			Headers:   append(Headers(l.ec), l.headers...),
		}
	}
	if err := cl.ProduceSync(t.Context(), rs...).FirstErr(); err != nil {
		t.Fatalf("produce dead letters: %v", err)
	}
}

// readAll returns the committed records of topic (read_committed). It
// reads up to the high watermark: EndTxn answers before the transaction
// markers are written, and a read_committed fetch long-polls until they
// are, so this waits on the broker rather than on a clock.
func readAll(t testing.TB, addr, topic string) []*kgo.Record {
	t.Helper()
	adm := kadm.NewClient(newClient(t, addr))
	ends, err := adm.ListEndOffsets(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	in := newInspector(t, addr)
	tm, err := describe(t.Context(), in.cl, topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []*kgo.Record
	for _, p := range tm.partitions() {
		e, _ := ends.Lookup(topic, p)
		if _, err := readRange(t.Context(), in.cl, in.adm, tm, p, 0, e.Offset, func(r *kgo.Record) (bool, error) {
			out = append(out, r)
			return true, nil
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// startOffsets is the log start offset of each partition of topic.
func startOffsets(t testing.TB, addr, topic string) map[int32]int64 {
	t.Helper()
	adm := kadm.NewClient(newClient(t, addr))
	los, err := adm.ListStartOffsets(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	los.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

var errParse = errors.New("parse failure")

func parseErr(i int) error { return fmt.Errorf("convert record %d: %w", i, errParse) }
