package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/dlq"
)

func TestSinkTransformsFilterExtractAndFailuresGoToDLQ(t *testing.T) {
	addr := startBroker(t)
	produceN(t, addr, "in", 1, 0)
	cl := newClient(t, addr)
	var recs []*kgo.Record
	for i := range 30 {
		kr := &kgo.Record{Topic: "in", Value: fmt.Appendf(nil, `{"id":"id-%d","n":%d}`, i, i)}
		switch i % 10 {
		case 4:
			kr.Headers = []kgo.RecordHeader{{Key: "skip", Value: []byte("1")}}
		case 7:
			kr.Value = fmt.Appendf(nil, `"not an object %d"`, i) // ExtractField needs a map
		}
		recs = append(recs, kr)
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	sink := newCollectingSink()
	w := startWorker(t, workerProps(t, addr), NewInProcess(sink), map[string]string{
		"name": "snk", "connector.class": "collecting-sink", "topics": "in",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"transforms":                  "dropSkipped,id",
		"transforms.dropSkipped.type": "org.apache.kafka.connect.transforms.Filter", "transforms.dropSkipped.predicate": "hasSkip",
		"transforms.id.type": "org.apache.kafka.connect.transforms.ExtractField$Value", "transforms.id.field": "id",
		"predicates": "hasSkip", "predicates.hasSkip.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", "predicates.hasSkip.name": "skip",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq", "errors.deadletterqueue.context.headers.enable": "true",
	})
	sink.waitCount(t, 24)
	waitGroupCommitted(t, addr, "connect-snk", "in", 30)
	sink.mu.Lock()
	got := strings.Join(sink.mu.values, ",")
	sink.mu.Unlock()
	var want []string
	for i := range 30 {
		if i%10 != 4 && i%10 != 7 {
			want = append(want, fmt.Sprintf("id-%d", i))
		}
	}
	if got != strings.Join(want, ",") {
		t.Fatalf("sink got %s\nwant %s", got, strings.Join(want, ","))
	}
	for _, kr := range consumeAll(t, addr, "dlq", 3) {
		h := headerMap(kr)
		if h[dlq.HeaderStage] != "TRANSFORMATION" || h[dlq.HeaderClassName] != "org.apache.kafka.connect.transforms.ExtractField$Value" || !strings.Contains(string(kr.Value), "not an object") {
			t.Errorf("DLQ record %q headers %v", kr.Value, h)
		}
	}
	if n := endOffsets(t, addr, "dlq"); n != 3 {
		t.Fatalf("DLQ holds %d, want 3", n)
	}
	w.stop(t)
}

func TestSourceTransformsRouteAndInsert(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	w := startWorker(t, workerProps(t, addr), NewInProcess(src), map[string]string{
		"name": "src", "connector.class": "counting-source", "count": "40", "source.topics": "orders",
		"transforms":            "route,tag",
		"transforms.route.type": "RegexRouter", "transforms.route.regex": "(.*)", "transforms.route.replacement": "prod.$1",
		"transforms.tag.type": "InsertHeader", "transforms.tag.header": "env", "transforms.tag.value.literal": "prod",
	})
	src.waitCommitted(t, 0, 40)
	recs := consumeAll(t, addr, "prod.orders", 40)
	for _, kr := range recs {
		if headerMap(kr)["env"] != "prod" {
			t.Fatalf("record %q lacks the inserted header: %v", kr.Value, kr.Headers)
		}
	}
	if n := endOffsets(t, addr, "orders"); n != 0 {
		t.Fatalf("%d records went to the unrouted topic", n)
	}
	w.stop(t)
}

func TestTransformConfigProblemsAreNamed(t *testing.T) {
	_, err := sinkValidator(t).ValidateConnector(context.Background(), map[string]string{
		"name": "snk", "connector.class": "collecting-sink", "topics": "in",
		"transforms": "a,b", "transforms.a.type": "NoSuchTransform",
		"transforms.b.type": "ExtractField$Value", "transforms.b.predicate": "p",
	})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"transforms.a.type", "NoSuchTransform", "transforms.b.field", "transforms.b.predicate"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not name %q:\n%s", want, msg)
		}
	}
}
