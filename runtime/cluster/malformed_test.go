package cluster

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Records no Connect worker would write are skipped on open and while
// tailing, and the stores keep working.
func TestStoresSkipMalformedRecords(t *testing.T) {
	addr := startBroker(t)
	ctx := testCtx(t)
	junk := func(cfg LogConfig, kv ...string) {
		t.Helper()
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(cfg.Topic))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for i := 0; i < len(kv); i += 2 {
			if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(kv[i]), Value: []byte(kv[i+1])}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	off := ensure(t, addr, TopicSpec{Name: "o", Purpose: "offsets", Partitions: 3})
	junk(off, "notjson", "{}", `["c",{"p":1}]`, "[1]", `["c"]`, "{}")
	ofs, err := OpenOffsetStore(ctx, off, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ofs.Close()
	if got, err := ofs.Load("c"); err != nil || len(got) != 0 {
		t.Fatalf("offsets: %v, %v", got, err)
	}

	cfgs := ensure(t, addr, TopicSpec{Name: "c", Purpose: "configs", Partitions: 1})
	junk(cfgs, "connector-x", "[1]", "task-x-y", "{}", "commit-x", `{"tasks":"two"}`, "target-state-x", `{"state":"FLYING"}`, "session-key", `{"key":"%%"}`, "other", "1")
	cs, err := OpenConfigStore(ctx, cfgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if snap := cs.Snapshot(); len(snap.Connectors) != 0 || len(snap.TargetStates) != 0 || snap.SessionKey != nil {
		t.Fatalf("configs: %+v", snap)
	}
	if err := cs.PutConnectorConfig(ctx, "x", map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	if snap := cs.Snapshot(); snap.TargetStates["x"] != TargetStarted {
		t.Fatalf("after a good write: %+v", snap)
	}

	st := ensure(t, addr, TopicSpec{Name: "s", Purpose: "status", Partitions: 2})
	junk(st, "status-connector-a", "{}", "status-task-a", `{"state":"RUNNING"}`, "status-topic-x", "{}", "nope", "1")
	ss, err := OpenStatusStore(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	if c, tk := ss.All(); len(c) != 0 || len(tk) != 0 {
		t.Fatalf("status: %v %v", c, tk)
	}
}
