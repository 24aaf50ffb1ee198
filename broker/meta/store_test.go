package meta

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/broker/config"
)

func testConfig(t *testing.T, dir string) Config {
	t.Helper()
	return Config{
		Dir: dir, NodeID: 1, Host: "localhost", Port: 9092,
		Logger:        slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		LeaderTimeout: 10 * time.Second,
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func open(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenBootstrapsAndRegisters(t *testing.T) {
	s := open(t, testConfig(t, t.TempDir()))
	if id := s.ClusterID(); len(id) != 22 || strings.ContainsAny(id, "+/=") {
		t.Errorf("cluster id %q is not 16 bytes base64url", id)
	}
	if s.ControllerID() != 1 || !s.IsController() {
		t.Errorf("controller = %d", s.ControllerID())
	}
	if b := s.Brokers(); len(b) != 1 || b[0].Host != "localhost" || b[0].Port != 9092 {
		t.Errorf("brokers = %+v", b)
	}
}

func TestTopicLifecycle(t *testing.T) {
	s := open(t, testConfig(t, t.TempDir()))
	tp, err := s.CreateTopic("orders", 3, 1, map[string]string{"retention.ms": "1000"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(tp.Partitions) != 3 || tp.Partitions[2].Leader != 1 || tp.Partitions[2].LeaderEpoch != 0 ||
		!slices.Equal(tp.Partitions[2].ISR, []int32{1}) || tp.ID == ([16]byte{}) {
		t.Fatalf("topic = %+v", tp)
	}
	if got, ok := s.TopicByID(tp.ID); !ok || got.Name != "orders" {
		t.Fatal("TopicByID")
	}
	if _, err := s.CreateTopic("orders", 1, 1, nil, false); !errors.Is(err, ErrTopicExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := s.CreatePartitions("orders", 5); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePartitions("orders", 5); !errors.Is(err, ErrInvalidPartitions) {
		t.Fatalf("same count: %v", err)
	}
	if err := s.SetTopicConfigs("orders", map[string]string{"cleanup.policy": "compact"}, []string{"retention.ms"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Topic("orders")
	if len(got.Partitions) != 5 || got.Partitions[4].ID != 4 || len(got.Configs) != 1 || got.Configs["cleanup.policy"] != "compact" {
		t.Fatalf("after alter: %+v", got)
	}
	got.Configs["mutated"] = "x" // copies are safe to modify
	if again, _ := s.Topic("orders"); again.Configs["mutated"] != "" {
		t.Fatal("Topic returned shared state")
	}
	if err := s.DeleteTopic("orders"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Topic("orders"); ok {
		t.Fatal("deleted topic still there")
	}
	if _, ok := s.TopicByID(tp.ID); ok {
		t.Fatal("deleted topic still found by id")
	}
	if err := s.DeleteTopic("orders"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("delete unknown: %v", err)
	}
}

func TestCreateTopicValidation(t *testing.T) {
	s := open(t, testConfig(t, t.TempDir()))
	if _, err := s.CreateTopic("a.b", 1, 1, nil, false); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 250)
	tests := []struct {
		name    string
		topic   string
		parts   int32
		rf      int16
		configs map[string]string
		is      error
		msg     string
	}{
		{"empty", "", 1, 1, nil, ErrInvalidTopicName, "empty"},
		{"dot", ".", 1, 1, nil, ErrInvalidTopicName, `"." is not allowed`},
		{"dotdot", "..", 1, 1, nil, ErrInvalidTopicName, `".." is not allowed`},
		{"too long", long, 1, 1, nil, ErrInvalidTopicName, "maximum is 249"},
		{"bad char", "a b", 1, 1, nil, ErrInvalidTopicName, `contains ' '`},
		{"collision", "a_b", 1, 1, nil, ErrInvalidTopicName, `collides with existing topic "a.b"`},
		{"zero partitions", "t", 0, 1, nil, ErrInvalidPartitions, "0 partitions"},
		{"rf too big", "t", 1, 2, nil, ErrInvalidReplicationFactor, "replication factor 2, must be in [1, 1]"},
		{"rf zero", "t", 1, 0, nil, ErrInvalidReplicationFactor, "replication factor 0"},
		{"bad config", "t", 1, 1, map[string]string{"retention.ms": "abc"}, ErrInvalidConfig,
			`invalid value "abc" for configuration "retention.ms": not a number`},
		{"unknown config", "t", 1, 1, map[string]string{"retnetion.ms": "1"}, ErrInvalidConfig, `unknown topic config "retnetion.ms"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateTopic(tt.topic, tt.parts, tt.rf, tt.configs, false)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tt.is, tt.msg)
			}
		})
	}
	if err := s.SetTopicConfigs("a.b", map[string]string{"min.cleanable.dirty.ratio": "2"}, nil); !errors.Is(err, ErrInvalidConfig) ||
		!strings.Contains(err.Error(), `"min.cleanable.dirty.ratio"`) || !errors.Is(err, config.ErrInvalidValue) {
		t.Fatalf("alter: %v", err)
	}
	if err := s.SetBrokerConfigs(map[string]string{"node.id": "3"}, nil); !errors.Is(err, config.ErrReadOnly) {
		t.Fatalf("read-only broker config: %v", err)
	}
}

func TestDefaultsFromBrokerConfigs(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.StaticBrokerConfigs = map[string]string{"num.partitions": "4"}
	s := open(t, cfg)
	tp, err := s.CreateTopic("static", -1, -1, nil, false)
	if err != nil || len(tp.Partitions) != 4 {
		t.Fatalf("static num.partitions: %v %+v", err, tp)
	}
	if err := s.SetBrokerConfigs(map[string]string{"num.partitions": "2"}, nil); err != nil {
		t.Fatal(err)
	}
	if tp, _ := s.CreateTopic("dynamic", -1, -1, nil, false); len(tp.Partitions) != 2 {
		t.Fatalf("dynamic num.partitions beats static: %+v", tp)
	}
	if err := s.SetBrokerConfigs(nil, []string{"num.partitions"}); err != nil {
		t.Fatal(err)
	}
	if len(s.BrokerConfigs()) != 0 {
		t.Fatalf("broker configs = %v", s.BrokerConfigs())
	}
}

func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cid := s.ClusterID()
	tp, err := s.CreateTopic("kept", 2, 1, map[string]string{"segment.bytes": "1024"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTopic("gone", 1, 1, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTopic("gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBrokerConfigs(map[string]string{"log.retention.hours": "1"}, nil); err != nil {
		t.Fatal(err)
	}
	first, err := s.AllocateProducerIDs(1000)
	if err != nil || first != 0 {
		t.Fatalf("first allocation = %d, %v", first, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	cfg.Host, cfg.Port = "broker.example", 19092 // advertised listener changed
	s2 := open(t, cfg)
	if s2.ClusterID() != cid {
		t.Errorf("cluster id changed: %s -> %s", cid, s2.ClusterID())
	}
	got, ok := s2.Topic("kept")
	if !ok || got.ID != tp.ID || len(got.Partitions) != 2 || !got.Internal || got.Configs["segment.bytes"] != "1024" {
		t.Errorf("kept = %+v", got)
	}
	if _, ok := s2.Topic("gone"); ok {
		t.Error("deleted topic came back")
	}
	if s2.BrokerConfigs()["log.retention.hours"] != "1" {
		t.Error("broker config lost")
	}
	if b := s2.Brokers(); len(b) != 1 || b[0].Host != "broker.example" || b[0].Port != 19092 {
		t.Errorf("re-registration: %+v", b)
	}
	next, err := s2.AllocateProducerIDs(10)
	if err != nil || next != 1000 {
		t.Errorf("allocation after restart = %d, %v; want 1000", next, err)
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		if _, err := s.CreateTopic(n, 2, 1, map[string]string{"retention.ms": "-1"}, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AllocateProducerIDs(5); err != nil {
		t.Fatal(err)
	}
	if err := s.Snapshot(); err != nil {
		t.Fatal(err)
	}
	// A change after the snapshot is replayed from the log on restart.
	if err := s.DeleteTopic("b"); err != nil {
		t.Fatal(err)
	}
	want := s.Topics()
	cid := s.ClusterID()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := open(t, cfg)
	got := s2.Topics()
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" || got[0].ID != want[0].ID ||
		got[1].Configs["retention.ms"] != "-1" || s2.ClusterID() != cid {
		t.Fatalf("after restore: %+v", got)
	}
	if first, _ := s2.AllocateProducerIDs(1); first != 5 {
		t.Fatalf("producer ids after restore start at %d, want 5", first)
	}
}

func TestFSMSnapshotRestoreDiff(t *testing.T) {
	s := open(t, testConfig(t, t.TempDir()))
	s.CreateTopic("x", 1, 1, nil, false)
	s.CreateTopic("y", 1, 1, nil, false)
	snap, err := fsm{s}.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	st, err := readSnapshot(strings.NewReader(sink.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Topics) != 2 || st.ClusterID != s.ClusterID() || st.byID[st.Topics["x"].ID] != "x" {
		t.Fatalf("decoded %+v", st)
	}
	// Diff as a follower installing this snapshot over a diverged state sees it.
	old := st.clone()
	delete(old.Topics, "y")
	old.Topics["z"] = Topic{Name: "z", ID: [16]byte{9}}
	x := old.Topics["x"]
	x.Configs = map[string]string{"retention.ms": "1"}
	old.Topics["x"] = x
	var kinds []string
	for _, e := range diff(old, st) {
		kinds = append(kinds, e.Kind.String()+":"+e.Topic.Name)
	}
	want := "TopicDeleted:z TopicConfigsChanged:x TopicCreated:y"
	if strings.Join(kinds, " ") != want {
		t.Fatalf("diff = %v, want %s", kinds, want)
	}
}

type memSink struct{ strings.Builder }

func (m *memSink) ID() string    { return "mem" }
func (m *memSink) Cancel() error { return nil }
func (m *memSink) Close() error  { return nil }

func TestWatchOrdering(t *testing.T) {
	s := open(t, testConfig(t, t.TempDir()))
	if _, err := s.CreateTopic("before", 1, 1, nil, false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	cancel := s.Watch(func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Kind.String()+":"+e.Topic.Name)
		if e.Kind == BrokerConfigsChanged {
			close(done)
		}
	})
	s.CreateTopic("t1", 1, 1, nil, false)
	s.CreatePartitions("t1", 2)
	s.SetTopicConfigs("t1", map[string]string{"retention.ms": "5"}, nil)
	s.DeleteTopic("before")
	s.SetBrokerConfigs(map[string]string{"num.partitions": "3"}, nil)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("events not delivered")
	}
	cancel()
	s.CreateTopic("after-cancel", 1, 1, nil, false)
	mu.Lock()
	defer mu.Unlock()
	want := "TopicCreated:before TopicCreated:t1 PartitionsCreated:t1 TopicConfigsChanged:t1 TopicDeleted:before BrokerConfigsChanged:"
	if strings.Join(got, " ") != want {
		t.Fatalf("events:\n got %v\nwant %s", got, want)
	}
}

// TestWatchConcurrentRegistration checks that a watcher registered while
// topics are being created sees each topic exactly once.
func TestWatchConcurrentRegistration(t *testing.T) {
	s := open(t, testConfig(t, t.TempDir()))
	const n = 20
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			if _, err := s.CreateTopic("t"+string(rune('a'+i)), 1, 1, nil, false); err != nil {
				t.Error(err)
			}
		}
	}()
	seen := map[string]int{}
	var mu sync.Mutex
	all := make(chan struct{})
	s.Watch(func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		seen[e.Topic.Name]++
		if len(seen) == n {
			select {
			case <-all:
			default:
				close(all)
			}
		}
	})
	wg.Wait()
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		t.Fatal("not all topics seen")
	}
	// Barrier: one more change whose event arrives after any duplicate would.
	last := make(chan struct{})
	s.Watch(func(e Event) {
		if e.Kind == BrokerConfigsChanged {
			close(last)
		}
	})
	s.SetBrokerConfigs(map[string]string{"num.partitions": "1"}, nil)
	<-last
	mu.Lock()
	defer mu.Unlock()
	for name, c := range seen {
		if c != 1 {
			t.Errorf("%s seen %d times", name, c)
		}
	}
}

func TestOpenTwiceFails(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	open(t, cfg)
	if s, err := Open(cfg); err == nil {
		s.Close()
		t.Fatal("a second Open on the same dir must fail")
	}
}

func TestMutationAfterClose(t *testing.T) {
	s, err := Open(testConfig(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.CreateTopic("x", 1, 1, nil, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestTCPTransport(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.RaftBind = "127.0.0.1:0"
	s := open(t, cfg)
	if _, err := s.CreateTopic("tcp", 1, 1, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, cfg) // new ephemeral port: a lone voter does not care
	if _, ok := s2.Topic("tcp"); !ok {
		t.Fatal("topic lost across TCP restart")
	}
}

func TestPeersNeedTCP(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Peers = []Peer{{NodeID: 2, Addr: "127.0.0.1:9999"}}
	if _, err := Open(cfg); err == nil || !strings.Contains(err.Error(), "RaftBind") {
		t.Fatalf("got %v", err)
	}
}
