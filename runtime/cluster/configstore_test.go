package cluster

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// rawRecords returns key -> value of every record of topic, in order of
// arrival (later values win), plus the ordered keys.
func rawRecords(t *testing.T, ctx context.Context, addr, topic string, n int) ([]string, map[string]string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var keys []string
	vals := map[string]string{}
	for len(keys) < n {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			keys = append(keys, string(r.Key))
			if r.Value == nil {
				vals[string(r.Key)] = "<tombstone>"
			} else {
				vals[string(r.Key)] = string(r.Value)
			}
		})
	}
	return keys, vals
}

func TestConfigStore(t *testing.T) {
	addr := startBroker(t)
	cfg := ensure(t, addr, TopicSpec{Name: "connect-configs", Purpose: "configs", Partitions: 1, OnePartition: true})
	ctx := testCtx(t)

	changes := make(chan ConfigChange, 64)
	a, err := OpenConfigStore(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenConfigStore(ctx, cfg, func(c ConfigChange) { changes <- c })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.PutConnectorConfig(ctx, "my-src", map[string]string{"connector.class": "X", "tasks.max": "2"}))
	must(b.PutTaskConfigs(ctx, "my-src", []map[string]string{{"t": "0"}, {"t": "1"}}))
	must(a.PutTargetState(ctx, "my-src", TargetStopped))
	must(a.PutConnectorConfig(ctx, "gone", map[string]string{"connector.class": "Y"}))
	must(a.DeleteConnector(ctx, "gone"))
	created := time.UnixMilli(1700000000123).UTC()
	must(a.PutSessionKey(ctx, SessionKey{Key: []byte{1, 2, 3}, Algorithm: "HmacSHA256", Created: created}))
	must(a.PutRestartRequest(ctx, "my-src", RestartRequest{IncludeTasks: true}))

	want := ConfigSnapshot{
		Offset:       10,
		Connectors:   map[string]map[string]string{"my-src": {"connector.class": "X", "tasks.max": "2"}},
		TargetStates: map[string]TargetState{"my-src": TargetStopped},
		TaskCounts:   map[string]int{"my-src": 2},
		Tasks:        map[TaskID]map[string]string{{"my-src", 0}: {"t": "0"}, {"my-src", 1}: {"t": "1"}},
		SessionKey:   &SessionKey{Key: []byte{1, 2, 3}, Algorithm: "HmacSHA256", Created: created},
	}
	must(b.ReadToEnd(ctx))
	for i, s := range []*ConfigStore{a, b} {
		if got := s.Snapshot(); !reflect.DeepEqual(got, want) {
			t.Fatalf("store %d snapshot\n got %+v\nwant %+v", i, got, want)
		}
	}
	if got := want.AssignableTasks(); !reflect.DeepEqual(got, map[string]int{"my-src": 2}) {
		t.Fatalf("assignable %v", got)
	}

	var kinds []ChangeKind
	var restart ConfigChange
	for range 7 {
		ch := <-changes
		kinds = append(kinds, ch.Kind)
		if ch.Kind == RestartRequested {
			restart = ch
		}
	}
	if restart.Connector != "my-src" || restart.Restart != (RestartRequest{IncludeTasks: true}) {
		t.Fatalf("restart change %+v", restart)
	}
	wantKinds := []ChangeKind{ConnectorConfigChanged, TaskConfigsCommitted, TargetStateChanged, ConnectorConfigChanged, ConnectorRemoved, SessionKeyChanged, RestartRequested}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Fatalf("changes %v, want %v", kinds, wantKinds)
	}

	// The bytes are Kafka Connect's (JsonConverter, schemas disabled).
	keys, vals := rawRecords(t, ctx, addr, cfg.Topic, 10)
	wantKeys := []string{"connector-my-src", "task-my-src-0", "task-my-src-1", "commit-my-src", "target-state-my-src",
		"connector-gone", "connector-gone", "target-state-gone", "session-key", "restart-connector-my-src"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Fatalf("keys %v", keys)
	}
	for k, v := range map[string]string{
		"connector-my-src":         `{"properties":{"connector.class":"X","tasks.max":"2"}}`,
		"task-my-src-1":            `{"properties":{"t":"1"}}`,
		"commit-my-src":            `{"tasks":2}`,
		"target-state-my-src":      `{"state":"PAUSED","state.v2":"STOPPED"}`,
		"connector-gone":           "<tombstone>",
		"target-state-gone":        "<tombstone>",
		"session-key":              `{"key":"AQID","algorithm":"HmacSHA256","creation-timestamp":1700000000123}`,
		"restart-connector-my-src": `{"include-tasks":true,"only-failed":false}`,
	} {
		if vals[k] != v {
			t.Errorf("%s = %s, want %s", k, vals[k], v)
		}
	}

	// A restarted store reads back the same state.
	c, err := OpenConfigStore(ctx, cfg, nil)
	must(err)
	if got := c.Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after restart\n got %+v\nwant %+v", got, want)
	}
	c.Close()
}

func TestConfigStoreTwoPhaseCommit(t *testing.T) {
	addr := startBroker(t)
	cfg := ensure(t, addr, TopicSpec{Name: "connect-configs", Purpose: "configs", Partitions: 1, OnePartition: true})
	ctx := testCtx(t)
	s, err := OpenConfigStore(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw := func(kv ...string) {
		t.Helper()
		var recs []*kgo.Record
		for i := 0; i < len(kv); i += 2 {
			r := &kgo.Record{Key: []byte(kv[i])}
			if kv[i+1] != "" {
				r.Value = []byte(kv[i+1])
			}
			recs = append(recs, r)
		}
		if err := s.log.Send(ctx, recs...); err != nil {
			t.Fatal(err)
		}
		if err := s.ReadToEnd(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutConnectorConfig(ctx, "c-1", map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	// Task configs without a commit are not applied.
	raw("task-c-1-0", `{"properties":{"x":"0"}}`)
	if snap := s.Snapshot(); snap.TaskCounts["c-1"] != 0 || len(snap.Tasks) != 0 {
		t.Fatalf("uncommitted tasks applied: %+v", snap)
	}
	// A commit that finds an incomplete set marks the connector inconsistent.
	raw("commit-c-1", `{"tasks":2}`)
	snap := s.Snapshot()
	if !reflect.DeepEqual(snap.Inconsistent, []string{"c-1"}) || len(snap.Tasks) != 0 || snap.AssignableTasks()["c-1"] != 0 || snap.TaskConfigs("c-1") != nil {
		t.Fatalf("incomplete commit: %+v", snap)
	}
	// A complete rewrite repairs it; a later smaller set drops the extra task.
	if err := s.PutTaskConfigs(ctx, "c-1", []map[string]string{{"x": "a"}, {"x": "b"}}); err != nil {
		t.Fatal(err)
	}
	if snap := s.Snapshot(); len(snap.Inconsistent) != 0 || !reflect.DeepEqual(snap.TaskConfigs("c-1"), []map[string]string{{"x": "a"}, {"x": "b"}}) {
		t.Fatalf("after commit: %+v", snap)
	}
	if err := s.PutTaskConfigs(ctx, "c-1", []map[string]string{{"x": "only"}}); err != nil {
		t.Fatal(err)
	}
	if snap := s.Snapshot(); len(snap.Tasks) != 1 || snap.TaskCounts["c-1"] != 1 {
		t.Fatalf("after shrink: %+v", snap)
	}
	// Kafka < 3.5 target states carry only "state"; a commit for a connector
	// whose config was compacted away is ignored.
	raw("target-state-c-1", `{"state":"PAUSED"}`, "task-old-0", `{"properties":{}}`, "commit-old", `{"tasks":1}`)
	snap = s.Snapshot()
	if snap.TargetStates["c-1"] != TargetPaused || snap.TaskCounts["old"] != 0 || len(snap.Tasks) != 1 {
		t.Fatalf("java records: %+v", snap)
	}
	if err := s.PutTargetState(ctx, "c-1", "RUNNING"); err == nil {
		t.Fatal("bad target state accepted")
	}
}
