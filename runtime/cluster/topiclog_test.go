package cluster

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestEnsureTopic(t *testing.T) {
	addr := startBroker(t)
	ctx, adm := testCtx(t), admin(t, addr)
	spec := TopicSpec{Name: "connect-configs", Purpose: "configs", Partitions: 1, ReplicationFactor: -1, MinInsyncReplicas: 1, OnePartition: true}
	for i := range 2 { // create, then check the existing topic
		if err := EnsureTopic(ctx, adm, spec); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := rcs.On(spec.Name, nil)
	got := map[string]string{}
	for _, c := range rc.Configs {
		if c.Value != nil {
			got[c.Key] = *c.Value
		}
	}
	if got["cleanup.policy"] != "compact" || got["min.insync.replicas"] != "1" {
		t.Fatalf("configs %v", got)
	}

	if _, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": kadm.StringPtr("delete")}, "wrong-policy"); err != nil {
		t.Fatal(err)
	}
	err = EnsureTopic(ctx, adm, TopicSpec{Name: "wrong-policy", Purpose: "offsets", Partitions: 25, ReplicationFactor: -1})
	if !errors.Is(err, ErrBadTopic) || !strings.Contains(err.Error(), `"wrong-policy"`) || !strings.Contains(err.Error(), "cleanup.policy=delete") {
		t.Fatalf("delete policy: %v", err)
	}

	if _, err := adm.CreateTopic(ctx, 3, -1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, "three"); err != nil {
		t.Fatal(err)
	}
	err = EnsureTopic(ctx, adm, TopicSpec{Name: "three", Purpose: "configs", Partitions: 1, ReplicationFactor: -1, OnePartition: true})
	if !errors.Is(err, ErrBadTopic) || !strings.Contains(err.Error(), "has 3") {
		t.Fatalf("three partitions: %v", err)
	}
}

func TestTopicLogReadToEnd(t *testing.T) {
	addr := startBroker(t)
	cfg := ensure(t, addr, TopicSpec{Name: "log", Purpose: "status", Partitions: 5})
	ctx := testCtx(t)

	var mu sync.Mutex
	seen := map[string]string{}
	apply := func(r *kgo.Record) {
		mu.Lock()
		defer mu.Unlock()
		seen[string(r.Key)] = string(r.Value)
	}
	w, err := OpenTopicLog(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := range 50 {
		if err := w.Send(ctx, &kgo.Record{Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "v%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := OpenTopicLog(ctx, cfg, apply) // reads everything before returning
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mu.Lock()
	if len(seen) != 50 || seen["k49"] != "v49" {
		t.Fatalf("after open saw %d records", len(seen))
	}
	mu.Unlock()
	if err := w.Send(ctx, &kgo.Record{Key: []byte("k1")}, &kgo.Record{Key: []byte("late"), Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := r.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if v, ok := seen["k1"]; !ok || v != "" || seen["late"] != "x" {
		t.Fatalf("tail missed writes: k1=%q late=%q", v, seen["late"])
	}
	mu.Unlock()
	r.Close()
	if err := r.ReadToEnd(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// A partition whose tail is a transaction marker: the probe sees no data
// past the last record and ReadToEnd returns.
func TestTopicLogProbeSkipsMarkers(t *testing.T) {
	addr := startBroker(t)
	cfg := ensure(t, addr, TopicSpec{Name: "txn", Purpose: "status", Partitions: 1})
	ctx := testCtx(t)
	p, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.TransactionalID("t1"), kgo.DefaultProduceTopic(cfg.Topic))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := p.ProduceSync(ctx, &kgo.Record{Key: []byte("k"), Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if err := p.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	l, err := OpenTopicLog(ctx, cfg, func(*kgo.Record) { mu.Lock(); n++; mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	mu.Lock()
	if n != 1 {
		t.Fatalf("applied %d records", n)
	}
	mu.Unlock()
	if got, err := l.dataFrom(ctx, 0, 1, 2); err != nil || got != 2 {
		t.Fatalf("probe past the marker: %d, %v", got, err)
	}
	if got, err := l.dataFrom(ctx, 0, 0, 2); err != nil || got != 0 {
		t.Fatalf("probe at the record: %d, %v", got, err)
	}
}
