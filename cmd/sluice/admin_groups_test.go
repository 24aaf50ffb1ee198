package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// adminGroupFixture is a cluster with topic orders (partition 0: 10 records,
// partition 1: 4 records) and audit (partition 0: 3 records), and group
// "billing" whose consumer has read all of orders and committed offset 6
// on orders/0 and 4 on orders/1. Before the consumer joined, offset 1 was
// committed on audit/0, which no member is assigned.
type adminGroupFixture struct {
	bootstrap string
	consumer  *kgo.Client
}

func newAdminGroupFixture(t *testing.T) *adminGroupFixture {
	t.Helper()
	bs := startTestCluster(t)
	adminMustRun(t, newTopicsCmd, bs, "create", "orders", "--partitions", "2")
	adminMustRun(t, newTopicsCmd, bs, "create", "audit", "--partitions", "1")
	adminProduce(t, bs, "orders", 0, 10)
	adminProduce(t, bs, "orders", 1, 4)
	adminProduce(t, bs, "audit", 0, 3)
	// Committing to a group nobody has joined creates it, Empty.
	adminMustRun(t, newGroupsCmd, bs, "reset-offsets", "billing", "--topic", "audit", "--to-offset", "1", "--execute")

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(bs, ",")...),
		kgo.ClientID("billing-worker"),
		kgo.ConsumerGroup("billing"),
		kgo.ConsumeTopics("orders"),
		kgo.DisableAutoCommit(),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for seen := 0; seen < 14; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of 14 records: %v", seen, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		seen += fs.NumRecords()
	}
	var commitErr error
	cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{
		"orders": {0: {Epoch: -1, Offset: 6}, 1: {Epoch: -1, Offset: 4}},
	}, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		commitErr = err
		if err == nil {
			for _, rt := range resp.Topics {
				for _, rp := range rt.Partitions {
					if rp.ErrorCode != 0 {
						commitErr = kerr.ErrorForCode(rp.ErrorCode)
					}
				}
			}
		}
	})
	if commitErr != nil {
		t.Fatalf("commit: %v", commitErr)
	}
	return &adminGroupFixture{bootstrap: bs, consumer: cl}
}

// stopConsumer leaves the group, which then has no members: Empty.
func (f *adminGroupFixture) stopConsumer() { f.consumer.Close() }

func TestGroupsListAndDescribeLag(t *testing.T) {
	f := newAdminGroupFixture(t)
	bs := f.bootstrap

	groups := adminJSON[[]groupSummary](t, newGroupsCmd, bs, "list")
	if len(groups) != 1 || groups[0].Group != "billing" || groups[0].State != "Stable" || groups[0].ProtocolType != "consumer" {
		t.Errorf("groups list = %+v, want billing Stable consumer", groups)
	}
	if out := adminMustRun(t, newGroupsCmd, bs, "list"); !strings.Contains(out, "billing") || !strings.Contains(out, "STATE") {
		t.Errorf("groups list table:\n%s", out)
	}

	d := adminJSON[[]groupDescription](t, newGroupsCmd, bs, "describe", "billing")[0]
	if d.State != "Stable" || d.ProtocolType != "consumer" || d.Protocol == "" || len(d.Members) != 1 {
		t.Fatalf("describe billing = %+v, want Stable consumer group with one member", d)
	}
	m := d.Members[0]
	if m.ClientID != "billing-worker" || m.Host == "" || len(m.Assigned) != 1 ||
		m.Assigned[0].Topic != "orders" || len(m.Assigned[0].Partitions) != 2 {
		t.Errorf("member = %+v, want billing-worker assigned orders 0,1", m)
	}
	type lagRow struct {
		topic               string
		partition           int32
		committed, end, lag int64
		assigned            bool
	}
	want := []lagRow{
		{"audit", 0, 1, 3, 2, false},
		{"orders", 0, 6, 10, 4, true},
		{"orders", 1, 4, 4, 0, true},
	}
	if len(d.Offsets) != len(want) {
		t.Fatalf("offsets = %+v, want %d rows", d.Offsets, len(want))
	}
	for i, w := range want {
		o := d.Offsets[i]
		if o.Topic != w.topic || o.Partition != w.partition || o.Committed == nil || *o.Committed != w.committed ||
			o.End == nil || *o.End != w.end || o.Lag == nil || *o.Lag != w.lag || (o.MemberID != "") != w.assigned || o.Error != "" {
			t.Errorf("offsets[%d] = %s, want %+v", i, adminJSONString(o), w)
		}
	}
	if d.TotalLag != 6 {
		t.Errorf("total lag %d, want 6", d.TotalLag)
	}

	table := adminMustRun(t, newGroupsCmd, bs, "describe", "billing")
	for _, want := range []string{"State: Stable", "billing-worker", "orders:0,1", "COMMITTED-OFFSET", "LAG", "TotalLag: 6"} {
		if !strings.Contains(table, want) {
			t.Errorf("describe table lacks %q:\n%s", want, table)
		}
	}
	adminWantErr(t, newGroupsCmd, bs, []string{"describe", "billing", "ghost"}, `group "ghost"`, "does not exist")
}

func TestGroupsResetOffsets(t *testing.T) {
	f := newAdminGroupFixture(t)
	bs := f.bootstrap

	adminWantErr(t, newGroupsCmd, bs, []string{"reset-offsets", "billing", "--topic", "orders", "--to-earliest"},
		`refusing to reset offsets of group "billing"`, "Stable", "Empty")
	f.stopConsumer()

	committed := func() map[string]int64 {
		d := adminJSON[[]groupDescription](t, newGroupsCmd, bs, "describe", "billing")[0]
		got := map[string]int64{}
		for _, o := range d.Offsets {
			if o.Committed != nil {
				got[fmt.Sprintf("%s/%d", o.Topic, o.Partition)] = *o.Committed
			}
		}
		return got
	}
	if d := adminJSON[[]groupDescription](t, newGroupsCmd, bs, "describe", "billing")[0]; d.State != "Empty" {
		t.Fatalf("after the consumer left, group is %s, want Empty", d.State)
	}

	// Dry run: a plan, nothing committed.
	out := adminMustRun(t, newGroupsCmd, bs, "reset-offsets", "billing", "--topic", "orders", "--to-earliest")
	for _, want := range []string{"NEW-OFFSET", "Dry run", "--execute"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	plan := adminJSON[resetPlan](t, newGroupsCmd, bs, "reset-offsets", "billing", "--topic", "orders", "--to-earliest")
	if plan.Executed || len(plan.Partitions) != 2 || plan.Partitions[0].New != 0 || *plan.Partitions[0].Current != 6 {
		t.Errorf("dry-run plan = %s", adminJSONString(plan))
	}
	if got := committed(); got["orders/0"] != 6 || got["orders/1"] != 4 {
		t.Fatalf("dry run changed committed offsets: %v", got)
	}

	for _, tc := range []struct {
		name string
		args []string
		want map[string]int64
	}{
		{"to-earliest", []string{"--topic", "orders", "--to-earliest"}, map[string]int64{"orders/0": 0, "orders/1": 0, "audit/0": 1}},
		{"to-latest one partition", []string{"--topic", "orders:1", "--to-latest"}, map[string]int64{"orders/0": 0, "orders/1": 4, "audit/0": 1}},
		{"to-offset clamps to end", []string{"--topic", "orders:0", "--topic", "audit", "--to-offset", "100"}, map[string]int64{"orders/0": 10, "orders/1": 4, "audit/0": 3}},
		{"shift-by back", []string{"--topic", "orders:0,1", "--shift-by", "-3"}, map[string]int64{"orders/0": 7, "orders/1": 1, "audit/0": 3}},
		{"shift-by clamps to start", []string{"--topic", "orders:1", "--shift-by", "-50"}, map[string]int64{"orders/0": 7, "orders/1": 0, "audit/0": 3}},
		{"to-datetime in the past", []string{"--topic", "orders:0", "--to-datetime", "2000-01-01T00:00:00Z"}, map[string]int64{"orders/0": 0, "orders/1": 0, "audit/0": 3}},
		{"to-datetime in the future", []string{"--topic", "orders", "--to-datetime", "2999-01-01T00:00:00Z"}, map[string]int64{"orders/0": 10, "orders/1": 4, "audit/0": 3}},
	} {
		args := append([]string{"reset-offsets", "billing"}, tc.args...)
		plan := adminJSON[resetPlan](t, newGroupsCmd, bs, append(args, "--execute")...)
		if !plan.Executed {
			t.Errorf("%s: plan not executed: %s", tc.name, adminJSONString(plan))
		}
		got := committed()
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: committed %s = %d, want %d (all: %v)", tc.name, k, got[k], v, got)
			}
		}
	}
	if d := adminJSON[[]groupDescription](t, newGroupsCmd, bs, "describe", "billing")[0]; d.TotalLag != 0 {
		t.Errorf("after resetting to latest, total lag %d, want 0", d.TotalLag)
	}

	for _, tc := range []struct {
		name  string
		args  []string
		wants []string
	}{
		{"no strategy", []string{"--topic", "orders"}, []string{"to-earliest"}},
		{"two strategies", []string{"--topic", "orders", "--to-earliest", "--to-latest"}, []string{"to-earliest", "to-latest"}},
		{"no topic", []string{"--to-earliest"}, []string{"topic"}},
		{"unknown topic", []string{"--topic", "nope", "--to-earliest"}, []string{`unknown topic "nope"`}},
		{"unknown partition", []string{"--topic", "orders:7", "--to-earliest"}, []string{"unknown partition 7"}},
		{"bad partition", []string{"--topic", "orders:x", "--to-earliest"}, []string{`bad --topic "orders:x"`}},
		{"bad datetime", []string{"--topic", "orders", "--to-datetime", "yesterday"}, []string{`bad --to-datetime "yesterday"`, "RFC3339"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adminWantErr(t, newGroupsCmd, bs, append([]string{"reset-offsets", "billing"}, tc.args...), tc.wants...)
		})
	}
	adminWantErr(t, newGroupsCmd, bs, []string{"reset-offsets", "fresh", "--topic", "orders", "--shift-by", "1"}, "cannot shift orders/0", "no committed offset")
}

func TestGroupsDelete(t *testing.T) {
	f := newAdminGroupFixture(t)
	bs := f.bootstrap

	adminWantErr(t, newGroupsCmd, bs, []string{"delete", "billing"}, `delete group "billing"`, "NON_EMPTY_GROUP")
	f.stopConsumer()
	if out := adminMustRun(t, newGroupsCmd, bs, "delete", "billing"); !strings.Contains(out, "Deleted group billing.") {
		t.Errorf("delete output %q", out)
	}
	adminWantErr(t, newGroupsCmd, bs, []string{"describe", "billing"}, `group "billing"`, "does not exist")
	adminWantErr(t, newGroupsCmd, bs, []string{"delete", "billing"}, `group "billing"`, "does not exist")
	if groups := adminJSON[[]groupSummary](t, newGroupsCmd, bs, "list"); len(groups) != 0 {
		t.Errorf("groups after delete: %+v", groups)
	}
}

func TestParseTopicSelection(t *testing.T) {
	for _, tc := range []struct {
		in    string
		topic string
		parts []int32
		ok    bool
	}{
		{"orders", "orders", nil, true},
		{"orders:0", "orders", []int32{0}, true},
		{"orders:2, 0,2", "orders", []int32{2, 0}, true},
		{":1", "", nil, false},
		{"orders:", "", nil, false},
		{"orders:-1", "", nil, false},
	} {
		got, err := parseTopicSelection(tc.in)
		if (err == nil) != tc.ok || got.Topic != tc.topic || !slices.Equal(got.Partitions, tc.parts) {
			t.Errorf("parseTopicSelection(%q) = %+v, %v; want %s %v ok=%t", tc.in, got, err, tc.topic, tc.parts, tc.ok)
		}
	}
}

func adminJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
