package cluster

import (
	"reflect"
	"testing"
	"time"
)

func TestStatusStore(t *testing.T) {
	addr := startBroker(t)
	cfg := ensure(t, addr, TopicSpec{Name: "connect-status", Purpose: "status", Partitions: StatusPartitions})
	ctx := testCtx(t)
	w1, err := OpenStatusStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w1.Close()
	w2, err := OpenStatusStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()

	put := func(s *StatusStore, id TaskID, st Status) bool {
		t.Helper()
		var ok bool
		var err error
		if id.Task < 0 {
			ok, err = s.PutConnector(ctx, id.Connector, st)
		} else {
			ok, err = s.PutTask(ctx, id, st)
		}
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	conn, t0id, t1id := TaskID{"my-src", -1}, TaskID{"my-src", 0}, TaskID{"my-src", 1}
	put(w1, conn, Status{State: StateRunning, WorkerID: "w1", Generation: 3})
	put(w1, t0id, Status{State: StateRunning, WorkerID: "w1", Generation: 3})
	put(w1, t1id, Status{State: StateFailed, Trace: "boom", WorkerID: "w1", Generation: 3})

	// The task moved to w2 in generation 4: w1's late write (generation 3)
	// is fenced, w2's own writes and newer ones go through.
	if !put(w2, t0id, Status{State: StateRunning, WorkerID: "w2", Generation: 4}) {
		t.Fatal("new owner's write fenced")
	}
	if put(w1, t0id, Status{State: StateUnassigned, WorkerID: "w1", Generation: 3}) {
		t.Fatal("older generation overwrote a newer one")
	}
	if !put(w1, t0id, Status{State: StateRunning, WorkerID: "w1", Generation: 5}) {
		t.Fatal("newer generation fenced")
	}
	if !put(w1, t1id, Status{State: StateRunning, WorkerID: "w1", Generation: 2}) {
		t.Fatal("the same worker was fenced by its own status")
	}
	if err := w1.PutTopic(ctx, TopicUse{Topic: "orders", Connector: "my-src", Task: 0, Discovered: time.UnixMilli(1700000000000).UTC()}); err != nil {
		t.Fatal(err)
	}
	put(w1, TaskID{"old", 0}, Status{State: StateRunning, WorkerID: "w1"})
	put(w1, TaskID{"old", 0}, Status{State: StateDestroyed, WorkerID: "w1"}) // tombstone

	wantConns := map[string]Status{"my-src": {State: StateRunning, WorkerID: "w1", Generation: 3}}
	wantTasks := map[TaskID]Status{
		t0id: {State: StateRunning, WorkerID: "w1", Generation: 5},
		t1id: {State: StateRunning, WorkerID: "w1", Generation: 2},
	}
	check := func(s *StatusStore) {
		t.Helper()
		if err := s.ReadToEnd(ctx); err != nil {
			t.Fatal(err)
		}
		c, tk := s.All()
		if !reflect.DeepEqual(c, wantConns) || !reflect.DeepEqual(tk, wantTasks) {
			t.Fatalf("all:\n %v %v\nwant %v %v", c, tk, wantConns, wantTasks)
		}
		if got := s.Topics("my-src"); len(got) != 1 || got["orders"].Task != 0 {
			t.Fatalf("topics %v", got)
		}
	}
	check(w1)
	check(w2)
	w3, err := OpenStatusStore(ctx, cfg) // restart
	if err != nil {
		t.Fatal(err)
	}
	defer w3.Close()
	check(w3)

	_, vals := rawRecords(t, ctx, addr, cfg.Topic, 9)
	for k, v := range map[string]string{
		"status-connector-my-src":              `{"state":"RUNNING","trace":null,"worker_id":"w1","generation":3}`,
		"status-task-my-src-0":                 `{"state":"RUNNING","trace":null,"worker_id":"w1","generation":5}`,
		"status-topic-orders:connector-my-src": `{"topic":{"name":"orders","connector":"my-src","task":0,"discoverTimestamp":1700000000000}}`,
		"status-task-old-0":                    "<tombstone>",
	} {
		if vals[k] != v {
			t.Errorf("%s = %s, want %s", k, vals[k], v)
		}
	}
}
