package runtime

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
)

func TestTopicCreationGroups(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	w := startWorker(t, workerProps(t, addr), NewInProcess(src), sourceProps(
		"count", "40",
		"batch", "10",
		"source.topics", "orders.eu,logs.app,logs.skip,other",
		"topic.creation.groups", "orders, logs",
		"topic.creation.orders.include", "orders\\..*",
		"topic.creation.orders.partitions", "4",
		"topic.creation.orders.cleanup.policy", "compact",
		"topic.creation.logs.include", "logs\\..*",
		"topic.creation.logs.exclude", "logs\\.skip",
		"topic.creation.logs.retention.ms", "3600000",
		"topic.creation.default.partitions", "2",
		"topic.creation.default.replication.factor", "-1",
	))
	src.waitCommitted(t, 0, 40)
	w.stop(t)

	adm := kadm.NewClient(newClient(t, addr))
	ctx := context.Background()
	want := map[string]struct {
		partitions int
		configs    map[string]string
	}{
		"orders.eu": {4, map[string]string{"cleanup.policy": "compact"}},
		"logs.app":  {2, map[string]string{"retention.ms": "3600000"}}, // partitions from the default group
		"logs.skip": {2, nil},                                          // excluded: the default group
		"other":     {2, nil},
	}
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, wt := range want {
		td, ok := topics[name]
		if !ok {
			t.Fatalf("topic %s not created", name)
		}
		if len(td.Partitions) != wt.partitions {
			t.Errorf("%s: %d partitions, want %d", name, len(td.Partitions), wt.partitions)
		}
		if n := endOffsets(t, addr, name); n != 10 {
			t.Errorf("%s: %d records, want 10", name, n)
		}
		rcs, err := adm.DescribeTopicConfigs(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := rcs.On(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rc.Configs {
			if c.Source != 1 { // DYNAMIC_TOPIC_CONFIG: set at creation
				continue
			}
			if v, ok := wt.configs[c.Key]; !ok || c.Value == nil || *c.Value != v {
				t.Errorf("%s: unexpected config %s=%v", name, c.Key, c.MaybeValue())
			}
		}
		for k, v := range wt.configs {
			found := false
			for _, c := range rc.Configs {
				if c.Key == k && c.MaybeValue() == v {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: config %s=%s not set", name, k, v)
			}
		}
	}
}

func TestTopicCreationGroupFor(t *testing.T) {
	p := problems{}
	tc := parseTopicCreation(map[string]string{
		"topic.creation.groups":                     "a,b",
		"topic.creation.a.include":                  "x.*, y",
		"topic.creation.a.exclude":                  "xz",
		"topic.creation.b.include":                  "x.*",
		"topic.creation.b.replication.factor":       "3",
		"topic.creation.default.partitions":         "5",
		"topic.creation.default.replication.factor": "1",
	}, true, p)
	if len(p) != 0 {
		t.Fatal(p)
	}
	tests := []struct {
		topic, group string
		partitions   int32
		rf           int16
	}{
		{"x1", "a", 5, 1},
		{"y", "a", 5, 1},
		{"yy", "default", 5, 1}, // include matches whole names only
		{"xz", "b", 5, 3},       // excluded from a, taken by b
		{"z", "default", 5, 1},
	}
	for _, tt := range tests {
		g := tc.GroupFor(tt.topic)
		if g.Name != tt.group || g.Partitions != tt.partitions || g.ReplicationFactor != tt.rf {
			t.Errorf("%s: group %s %d/%d, want %s %d/%d", tt.topic, g.Name, g.Partitions, g.ReplicationFactor, tt.group, tt.partitions, tt.rf)
		}
	}
	if parseTopicCreation(map[string]string{"topic.creation.default.partitions": "1"}, false, p) != nil {
		t.Fatal("topic.creation.enable=false must turn topic creation off")
	}
	// Unlike Kafka Connect, topics are created by default, with the
	// broker's defaults.
	tc = parseTopicCreation(map[string]string{"x": "1"}, true, p)
	if tc == nil {
		t.Fatal("no topic.creation.* property: topics must still be created")
	}
	if g := tc.GroupFor("any"); g.Name != "default" || g.Partitions != -1 || g.ReplicationFactor != -1 {
		t.Fatalf("default group %s %d/%d, want default -1/-1", g.Name, g.Partitions, g.ReplicationFactor)
	}
}
