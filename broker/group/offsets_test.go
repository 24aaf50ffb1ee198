package group

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func fetch(c *Coordinator, version int16, group string, topics map[string][]int32) *kmsg.OffsetFetchResponse {
	r := kmsg.NewPtrOffsetFetchRequest()
	r.Version = version
	r.RequireStable = true
	if version >= 8 {
		g := kmsg.NewOffsetFetchRequestGroup()
		g.Group = group
		if topics != nil {
			g.Topics = []kmsg.OffsetFetchRequestGroupTopic{}
		}
		for t, ps := range topics {
			g.Topics = append(g.Topics, kmsg.OffsetFetchRequestGroupTopic{Topic: t, Partitions: ps})
		}
		r.Groups = append(r.Groups, g)
		return c.OffsetFetch(context.Background(), r)
	}
	r.Group = group
	if topics != nil {
		r.Topics = []kmsg.OffsetFetchRequestTopic{}
	}
	for t, ps := range topics {
		r.Topics = append(r.Topics, kmsg.OffsetFetchRequestTopic{Topic: t, Partitions: ps})
	}
	return c.OffsetFetch(context.Background(), r)
}

// fetched flattens a fetch answer (any version) to topic → partition → offset.
func fetched(r *kmsg.OffsetFetchResponse) map[string]map[int32]int64 {
	out := make(map[string]map[int32]int64)
	add := func(t string, p int32, o int64) {
		if out[t] == nil {
			out[t] = make(map[int32]int64)
		}
		out[t][p] = o
	}
	for _, t := range r.Topics {
		for _, p := range t.Partitions {
			add(t.Topic, p.Partition, p.Offset)
		}
	}
	for _, g := range r.Groups {
		for _, t := range g.Topics {
			for _, p := range t.Partitions {
				add(t.Topic, p.Partition, p.Offset)
			}
		}
	}
	return out
}

func TestOffsetCommitFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, func(cfg *Config) {
			cfg.PartitionExists = func(topic string, p int32) bool { return topic != "missing" && p < 3 }
		})
		// Simple (admin) commit creates the group.
		if err := commitErr(commit(c, "g", "", -1, "t", map[int32]int64{0: 10, 1: 20})); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			r    *kmsg.OffsetCommitResponse
			want error
		}{
			{"unknown topic", commit(c, "g", "", -1, "missing", map[int32]int64{0: 1}), kerr.UnknownTopicOrPartition},
			{"unknown partition", commit(c, "g", "", -1, "t", map[int32]int64{7: 1}), kerr.UnknownTopicOrPartition},
			{"member of a memberless group", commit(c, "g", "m", 1, "t", map[int32]int64{0: 1}), kerr.UnknownMemberID},
			{"generation of unknown group", commit(c, "nope", "m", 3, "t", map[int32]int64{0: 1}), kerr.IllegalGeneration},
			{"empty group id", commit(c, "", "", -1, "t", map[int32]int64{0: 1}), kerr.InvalidGroupID},
		} {
			if err := commitErr(tc.r); err != tc.want {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		for _, v := range []int16{1, 5, 7, 8, 9} {
			got := fetched(fetch(c, v, "g", map[string][]int32{"t": {0, 1, 2}}))
			if got["t"][0] != 10 || got["t"][1] != 20 || got["t"][2] != -1 {
				t.Errorf("v%d fetch: %v", v, got)
			}
		}
		for _, v := range []int16{2, 8} { // nil topics: everything committed
			if got := fetched(fetch(c, v, "g", nil)); len(got["t"]) != 2 {
				t.Errorf("v%d fetch all: %v", v, got)
			}
		}
		if got := fetched(fetch(c, 9, "unknown", map[string][]int32{"t": {0}})); got["t"][0] != -1 {
			t.Errorf("unknown group: %v", got)
		}
		r := fetch(c, 6, "g", map[string][]int32{"t": {0}})
		if p := r.Topics[0].Partitions[0]; p.LeaderEpoch != 3 || *p.Metadata != "m" {
			t.Errorf("epoch/metadata: %+v", p)
		}
		if got := c.CommittedOffsets("g"); got["t"][1] != 20 {
			t.Errorf("CommittedOffsets: %v", got)
		}

		// Once the group has members, only they can commit, with their generation.
		m := stableOne(t, c, "g", joinOpts{})
		mustErr(t, "simple commit to active group", commit(c, "g", "", -1, "t", map[int32]int64{0: 1}).Topics[0].Partitions[0].ErrorCode, kerr.UnknownMemberID)
		mustErr(t, "old generation", commit(c, "g", m, 0, "t", map[int32]int64{0: 1}).Topics[0].Partitions[0].ErrorCode, kerr.IllegalGeneration)
		if err := commitErr(commit(c, "g", m, 1, "t", map[int32]int64{0: 11})); err != nil {
			t.Fatal(err)
		}
		if got := c.CommittedOffsets("g"); got["t"][0] != 11 {
			t.Errorf("after member commit: %v", got)
		}
	})
}

func TestOffsetCommitStoreFailure(t *testing.T) {
	store := &memStore{}
	c := newTest(t, store, nil)
	store.setFail(errStore)
	mustErr(t, "commit", commit(c, "g", "", -1, "t", map[int32]int64{0: 1}).Topics[0].Partitions[0].ErrorCode, kerr.CoordinatorNotAvailable)
	if got := c.CommittedOffsets("g"); len(got) != 0 {
		t.Fatalf("unacknowledged commit is visible: %v", got)
	}
}

// TestPersistence: offsets and group metadata survive New+LoadPartition over
// the same store, including deletes.
func TestPersistence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &memStore{}
		c := newTest(t, store, nil)
		m := stableOne(t, c, "consumers", joinOpts{})
		if err := commitErr(commit(c, "consumers", m, 1, "t", map[int32]int64{0: 100, 1: 200})); err != nil {
			t.Fatal(err)
		}
		if err := commitErr(commit(c, "admin", "", -1, "t", map[int32]int64{0: 7})); err != nil {
			t.Fatal(err)
		}
		if err := commitErr(commit(c, "gone", "", -1, "t", map[int32]int64{0: 1})); err != nil {
			t.Fatal(err)
		}
		del := kmsg.NewPtrDeleteGroupsRequest()
		del.Groups = []string{"gone"}
		mustErr(t, "delete", c.DeleteGroups(context.Background(), del).Groups[0].ErrorCode, nil)
		od := kmsg.NewPtrOffsetDeleteRequest()
		od.Group = "consumers"
		od.Topics = []kmsg.OffsetDeleteRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 1}}}}
		// The member's metadata is no consumer subscription, so no topic counts as subscribed.
		mustErr(t, "offset delete", c.OffsetDelete(context.Background(), od).ErrorCode, nil)
		c.Close()

		c2 := newTest(t, store, nil)
		if c2.GroupCount() != 2 {
			t.Fatalf("groups after reload: %d", c2.GroupCount())
		}
		if got := c2.CommittedOffsets("consumers"); got["t"][0] != 100 || len(got["t"]) != 1 {
			t.Fatalf("consumers offsets: %v", got)
		}
		if got := c2.CommittedOffsets("admin"); got["t"][0] != 7 {
			t.Fatalf("admin offsets: %v", got)
		}
		if got := c2.CommittedOffsets("gone"); got != nil {
			t.Fatalf("deleted group came back: %v", got)
		}
		d := describe(c2, "consumers")
		if d.State != "Stable" || d.ProtocolType != "consumer" || len(d.Members) != 1 || string(d.Members[0].MemberAssignment) != "x" {
			t.Fatalf("reloaded group: %+v", d)
		}
		// The reloaded member must heartbeat; it does, with its generation.
		if err := heartbeat(c2, "consumers", m, 1); err != nil {
			t.Fatal(err)
		}
		// Silent, it expires after its session and the group becomes Empty.
		time.Sleep(11 * time.Second)
		synctest.Wait()
		if d := describe(c2, "consumers"); d.State != "Empty" || d.ProtocolType != "consumer" {
			t.Fatalf("after expiry: %+v", d)
		}
		c2.Close()

		c3 := newTest(t, store, nil)
		if d := describe(c3, "consumers"); d.State != "Empty" || d.ProtocolType != "consumer" {
			t.Fatalf("empty group after restart: %+v", d)
		}
	})
}

func TestRecordFormats(t *testing.T) {
	store := &memStore{}
	c := newTest(t, store, nil)
	if err := commitErr(commit(c, "g", "", -1, "t", map[int32]int64{3: 42})); err != nil {
		t.Fatal(err)
	}
	var k kmsg.OffsetCommitKey
	var v kmsg.OffsetCommitValue
	if err := k.ReadFrom(store.recs[0].Key); err != nil {
		t.Fatal(err)
	}
	if err := v.ReadFrom(store.recs[0].Value); err != nil {
		t.Fatal(err)
	}
	if k.Version != 1 || k.Group != "g" || k.Topic != "t" || k.Partition != 3 || v.Version != 3 || v.Offset != 42 || v.Metadata != "m" || v.LeaderEpoch != 3 {
		t.Fatalf("key %+v value %+v", k, v)
	}
}

func TestOffsetExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &memStore{}
		c := newTest(t, store, func(cfg *Config) {
			cfg.OffsetsRetention = time.Hour
			cfg.OffsetsRetentionCheckInterval = time.Minute
		})
		// Simple group: each offset expires an hour after its commit.
		_ = commit(c, "simple", "", -1, "t", map[int32]int64{0: 1})
		time.Sleep(30 * time.Minute)
		_ = commit(c, "simple", "", -1, "t", map[int32]int64{1: 2})
		// Managed group: offsets stay while it has members.
		m := stableOne(t, c, "managed", joinOpts{session: 20 * time.Minute})
		_ = commit(c, "managed", m, 1, "t", map[int32]int64{0: 3})
		alive := func(d time.Duration) {
			for ; d > 0; d -= 10 * time.Minute {
				time.Sleep(min(d, 10*time.Minute))
				if err := heartbeat(c, "managed", m, 1); err != nil {
					t.Fatal(err)
				}
			}
		}
		alive(31 * time.Minute)
		if got := c.CommittedOffsets("simple"); len(got["t"]) != 1 || got["t"][1] != 2 {
			t.Fatalf("simple after 61m: %v", got)
		}
		alive(50 * time.Minute)
		if got := c.CommittedOffsets("managed"); got["t"][0] != 3 {
			t.Fatalf("offsets of an active group expired: %v", got)
		}
		if got := c.CommittedOffsets("simple"); got != nil {
			t.Fatalf("simple group should be gone: %v", got)
		}
		// Managed group empties: its offsets expire an hour later.
		l := kmsg.NewPtrLeaveGroupRequest()
		l.Version, l.Group, l.MemberID = 0, "managed", m
		_ = c.LeaveGroup(context.Background(), l)
		time.Sleep(59 * time.Minute)
		if got := c.CommittedOffsets("managed"); got["t"][0] != 3 {
			t.Fatalf("expired too early: %v", got)
		}
		time.Sleep(2 * time.Minute)
		if c.GroupCount() != 0 {
			t.Fatalf("groups left: %d", c.GroupCount())
		}
		// Nothing comes back after a restart.
		c.Close()
		c2 := newTest(t, store, nil)
		if c2.GroupCount() != 0 {
			t.Fatalf("expired groups reloaded: %d", c2.GroupCount())
		}
	})
}
