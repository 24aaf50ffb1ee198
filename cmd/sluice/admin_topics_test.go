package main

import (
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestTopicsCreateListDescribe(t *testing.T) {
	bs := startTestCluster(t)

	out := adminMustRun(t, newTopicsCmd, bs, "create", "orders", "--partitions", "3", "--config", "retention.ms=60000", "--config", "cleanup.policy=compact,delete")
	if !strings.Contains(out, "Created topic orders with 3 partition(s)") {
		t.Errorf("create output = %q", out)
	}
	created := adminJSON[topicCreated](t, newTopicsCmd, bs, "create", "defaults")
	if created.Topic != "defaults" || created.Partitions <= 0 || created.ReplicationFactor <= 0 {
		t.Errorf("create with broker defaults = %+v, want positive partitions and replication factor", created)
	}
	validated := adminJSON[topicCreated](t, newTopicsCmd, bs, "create", "dry", "--partitions", "2", "--validate-only")
	if !validated.ValidateOnly || validated.Partitions != 2 {
		t.Errorf("validate-only create = %+v", validated)
	}

	list := adminJSON[[]topicSummary](t, newTopicsCmd, bs, "list")
	var names []string
	for _, s := range list {
		names = append(names, s.Topic)
	}
	if !slices.Equal(names, []string{"defaults", "orders"}) {
		t.Fatalf("listed topics %v, want [defaults orders] (the validate-only topic must not exist)", names)
	}
	if list[1].Partitions != 3 || list[1].ReplicationFactor != 1 {
		t.Errorf("orders listed as %+v, want 3 partitions, replication factor 1", list[1])
	}
	table := adminMustRun(t, newTopicsCmd, bs, "list")
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 3 ||
		!strings.HasPrefix(lines[0], "TOPIC") || !strings.HasPrefix(lines[2], "orders  ") {
		t.Errorf("list table =\n%s", table)
	}

	adminProduce(t, bs, "orders", 1, 5)
	ds := adminJSON[[]topicDescription](t, newTopicsCmd, bs, "describe", "orders")
	if len(ds) != 1 || len(ds[0].Partitions) != 3 {
		t.Fatalf("describe orders = %+v", ds)
	}
	d := ds[0]
	if d.Configs["retention.ms"] != "60000" || d.Configs["cleanup.policy"] != "compact,delete" {
		t.Errorf("describe configs = %v, want retention.ms=60000 and cleanup.policy=compact,delete", d.Configs)
	}
	for _, p := range d.Partitions {
		wantEnd := int64(0)
		if p.Partition == 1 {
			wantEnd = 5
		}
		if p.StartOffset != 0 || p.EndOffset != wantEnd || p.Leader < 0 || len(p.Replicas) != 1 || len(p.ISR) != 1 || p.Error != "" {
			t.Errorf("partition %+v, want start 0, end %d, a leader, one replica in ISR", p, wantEnd)
		}
	}
	if ds := adminJSON[[]topicDescription](t, newTopicsCmd, bs, "describe", "orders", "orders"); len(ds) != 1 {
		t.Errorf("describe orders orders gave %d topics, want 1", len(ds))
	}
	table = adminMustRun(t, newTopicsCmd, bs, "describe", "orders", "defaults")
	for _, want := range []string{"Topic: orders", "Topic: defaults", "cleanup.policy=compact,delete,retention.ms=60000", "PARTITION  LEADER  REPLICAS  ISR  START-OFFSET  END-OFFSET"} {
		if !strings.Contains(table, want) {
			t.Errorf("describe table lacks %q:\n%s", want, table)
		}
	}
}

func TestTopicsAlter(t *testing.T) {
	bs := startTestCluster(t)
	adminMustRun(t, newTopicsCmd, bs, "create", "t", "--partitions", "2", "--config", "retention.ms=1000")

	out := adminMustRun(t, newTopicsCmd, bs, "alter", "t", "--partitions", "4", "--config", "max.message.bytes=2048", "--delete-config", "retention.ms")
	for _, want := range []string{"partitions: now 4", "set max.message.bytes=2048", "deleted retention.ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("alter output lacks %q:\n%s", want, out)
		}
	}
	d := adminJSON[[]topicDescription](t, newTopicsCmd, bs, "describe", "t")[0]
	if len(d.Partitions) != 4 {
		t.Errorf("after alter, %d partitions, want 4", len(d.Partitions))
	}
	if _, ok := d.Configs["retention.ms"]; ok || d.Configs["max.message.bytes"] != "2048" {
		t.Errorf("after alter, configs %v, want only max.message.bytes=2048", d.Configs)
	}

	adminWantErr(t, newTopicsCmd, bs, []string{"alter", "t", "--partitions", "3"}, `"t"`, "INVALID_PARTITIONS")
	adminWantErr(t, newTopicsCmd, bs, []string{"alter", "t"}, "nothing to alter")
	adminWantErr(t, newTopicsCmd, bs, []string{"alter", "t", "--partitions", "0"}, "bad --partitions 0")
	adminWantErr(t, newTopicsCmd, bs, []string{"alter", "nope", "--config", "retention.ms=1"}, `unknown topic "nope"`, "UNKNOWN_TOPIC_OR_PARTITION")
	adminWantErr(t, newTopicsCmd, bs, []string{"alter", "nope", "--partitions", "9"}, `unknown topic "nope"`, "UNKNOWN_TOPIC_OR_PARTITION")
}

func TestTopicsDelete(t *testing.T) {
	bs := startTestCluster(t)
	adminMustRun(t, newTopicsCmd, bs, "create", "a", "--partitions", "1")
	adminMustRun(t, newTopicsCmd, bs, "create", "b", "--partitions", "1")

	out, err := adminRun(t, newTopicsCmd, bs, "delete", "a", "nope")
	if err == nil || !strings.Contains(err.Error(), `unknown topic "nope"`) || strings.Contains(err.Error(), `"a"`) {
		t.Errorf("delete a nope: error %v, want only nope reported unknown", err)
	}
	if !strings.Contains(out, "Deleted topic a.") {
		t.Errorf("delete output %q does not report a as deleted", out)
	}
	res := adminJSON[[]topicDeleted](t, newTopicsCmd, bs, "delete", "b")
	if len(res) != 1 || res[0].Topic != "b" || res[0].Error != "" {
		t.Errorf("delete b = %+v", res)
	}
	if list := adminJSON[[]topicSummary](t, newTopicsCmd, bs, "list"); len(list) != 0 {
		t.Errorf("topics left after deleting all: %+v", list)
	}
}

func TestTopicsErrors(t *testing.T) {
	bs := startTestCluster(t)
	adminMustRun(t, newTopicsCmd, bs, "create", "exists", "--partitions", "1")

	for _, tc := range []struct {
		name  string
		args  []string
		wants []string
	}{
		{"config without =", []string{"create", "x", "--config", "retention.ms"}, []string{`bad --config "retention.ms"`, "expected key=value"}},
		{"config with empty key", []string{"create", "x", "--config", "=1"}, []string{"expected key=value"}},
		{"config twice", []string{"create", "x", "--config", "a=1", "--config", "a=2"}, []string{"given twice"}},
		{"already exists", []string{"create", "exists"}, []string{`create topic "exists"`, "TOPIC_ALREADY_EXISTS"}},
		{"bad replication factor", []string{"create", "x", "--replication-factor", "3"}, []string{`create topic "x"`, "INVALID_REPLICATION_FACTOR"}},
		{"describe unknown", []string{"describe", "exists", "nope"}, []string{`unknown topic "nope"`, "UNKNOWN_TOPIC_OR_PARTITION"}},
		{"bad output", []string{"list", "-o", "yaml"}, []string{`bad --output "yaml"`, "table or json"}},
		{"no name", []string{"create"}, []string{"accepts 1 arg"}},
	} {
		t.Run(tc.name, func(t *testing.T) { adminWantErr(t, newTopicsCmd, bs, tc.args, tc.wants...) })
	}
}

func TestAdminConnectionOptions(t *testing.T) {
	bs := startTestCluster(t)
	adminMustRun(t, newTopicsCmd, bs, "create", "env", "--partitions", "1")

	t.Setenv("SLUICE_BOOTSTRAP", bs)
	if out := adminMustRun(t, newTopicsCmd, "", "list"); !strings.Contains(out, "env") {
		t.Errorf("list with SLUICE_BOOTSTRAP=%s: %q lacks topic env", bs, out)
	}
	adminWantErr(t, newTopicsCmd, "", []string{"list", "--bootstrap", "nocolon"}, `bad --bootstrap "nocolon"`, "HOST:PORT")
	adminWantErr(t, newTopicsCmd, "", []string{"list", "--bootstrap", " , "}, "bad --bootstrap")
	// Nothing listens on port 1: the command must give up after --timeout
	// and say where it tried.
	adminWantErr(t, newGroupsCmd, "", []string{"list", "--bootstrap", "127.0.0.1:1", "--timeout", "300ms"}, "127.0.0.1:1")
}

// TestAdminTimeout points the CLI at a listener that accepts connections
// and never answers: the command must give up after --timeout and say so.
func TestAdminTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() { // owned by this test: ends when ln is closed
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	}()

	addr := ln.Addr().String()
	adminWantErr(t, newTopicsCmd, addr, []string{"list", "--timeout", "200ms"}, "no answer from "+addr+" within 200ms")
}

func TestParseConfigs(t *testing.T) {
	for _, tc := range []struct {
		in      []string
		want    map[string]string
		wantErr string
	}{
		{in: nil, want: nil},
		{in: []string{"a=1", "b=x=y", "c="}, want: map[string]string{"a": "1", "b": "x=y", "c": ""}},
		{in: []string{"a"}, wantErr: "expected key=value"},
		{in: []string{" =1"}, wantErr: "expected key=value"},
		{in: []string{"a=1", "a=2"}, wantErr: "given twice"},
	} {
		got, err := parseConfigs(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseConfigs(%q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("parseConfigs(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] == nil || *got[k] != v {
				t.Errorf("parseConfigs(%q)[%s] = %v, want %q", tc.in, k, got[k], v)
			}
		}
	}
}

func TestParseBootstrap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"127.0.0.1:9092", []string{"127.0.0.1:9092"}, true},
		{"a:1, b:2,", []string{"a:1", "b:2"}, true},
		{"[::1]:9092", []string{"[::1]:9092"}, true},
		{"localhost", nil, false},
		{"", nil, false},
	} {
		got, err := parseBootstrap(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("parseBootstrap(%q) = %v, %v; want %v, ok=%t", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
