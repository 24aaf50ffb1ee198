package group

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestDeleteGroups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &memStore{}
		c := newTest(t, store, nil)
		_ = commit(c, "empty", "", -1, "t", map[int32]int64{0: 1})
		stableOne(t, c, "active", joinOpts{})
		req := kmsg.NewPtrDeleteGroupsRequest()
		req.Version = 2
		req.Groups = []string{"empty", "active", "unknown", ""}
		want := []error{nil, kerr.NonEmptyGroup, kerr.GroupIDNotFound, kerr.InvalidGroupID}
		for i, g := range c.DeleteGroups(context.Background(), req).Groups {
			mustErr(t, "delete "+g.Group, g.ErrorCode, want[i])
		}
		if c.CommittedOffsets("empty") != nil || c.GroupCount() != 1 {
			t.Fatalf("groups left: %d", c.GroupCount())
		}
		if d := describe(c, "empty"); d.State != "Dead" || d.ErrorCode != 0 {
			t.Fatalf("deleted group described: %+v", d)
		}
		// A failing store leaves the group in place.
		_ = commit(c, "empty", "", -1, "t", map[int32]int64{0: 1})
		store.setFail(errStore)
		req.Groups = []string{"empty"}
		mustErr(t, "delete with store down", c.DeleteGroups(context.Background(), req).Groups[0].ErrorCode, kerr.CoordinatorNotAvailable)
		if c.CommittedOffsets("empty") == nil {
			t.Fatal("group deleted although its tombstones were not stored")
		}
	})
}

func consumerMeta(topics ...string) string {
	m := kmsg.NewConsumerMemberMetadata()
	m.Topics = topics
	return string(m.AppendTo(nil))
}

func TestOffsetDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		od := func(group string, topics ...string) *kmsg.OffsetDeleteResponse {
			r := kmsg.NewPtrOffsetDeleteRequest()
			r.Group = group
			for _, tp := range topics {
				r.Topics = append(r.Topics, kmsg.OffsetDeleteRequestTopic{Topic: tp, Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}})
			}
			return c.OffsetDelete(context.Background(), r)
		}
		mustErr(t, "unknown group", od("nope", "t").ErrorCode, kerr.GroupIDNotFound)

		// Empty group: anything goes.
		_ = commit(c, "simple", "", -1, "t", map[int32]int64{0: 1, 1: 2})
		mustErr(t, "empty group", od("simple", "t").ErrorCode, nil)
		if got := c.CommittedOffsets("simple"); len(got["t"]) != 1 {
			t.Fatalf("after delete: %v", got)
		}

		// Consumer group subscribed to "in": its offsets are protected, "out"'s are not.
		req := joinReq("cg", joinOpts{version: 3})
		req.Protocols[0].Metadata = []byte(consumerMeta("in"))
		r := c.JoinGroup(context.Background(), req)
		mustErr(t, "join", r.ErrorCode, nil)
		_ = c.SyncGroup(context.Background(), syncReq("cg", r.MemberID, r.Generation, nil))
		_ = commit(c, "cg", r.MemberID, r.Generation, "in", map[int32]int64{0: 1})
		_ = commit(c, "cg", r.MemberID, r.Generation, "out", map[int32]int64{0: 1})
		resp := od("cg", "in", "out")
		mustErr(t, "top level", resp.ErrorCode, nil)
		mustErr(t, "subscribed topic", resp.Topics[0].Partitions[0].ErrorCode, kerr.GroupSubscribedToTopic)
		mustErr(t, "unsubscribed topic", resp.Topics[1].Partitions[0].ErrorCode, nil)
		if got := c.CommittedOffsets("cg"); len(got) != 1 || got["in"] == nil {
			t.Fatalf("after delete: %v", got)
		}

		// A non-empty group of another protocol type.
		stableOne(t, c, "connect", joinOpts{ptype: "connect"})
		mustErr(t, "connect group", od("connect", "t").ErrorCode, kerr.NonEmptyGroup)
	})
}

func TestListGroups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		_ = commit(c, "simple", "", -1, "t", map[int32]int64{0: 1})
		stableOne(t, c, "stable", joinOpts{ptype: "connect"})
		for _, tc := range []struct {
			version int16
			states  []string
			types   []string
			want    []string
		}{
			{0, nil, nil, []string{"simple", "stable"}},
			{4, []string{"stable"}, nil, []string{"stable"}},
			{4, []string{"Empty", "Dead"}, nil, []string{"simple"}},
			{3, []string{"Empty"}, nil, []string{"simple", "stable"}}, // filter unknown to v3
			{5, nil, []string{"Classic"}, []string{"simple", "stable"}},
			{5, nil, []string{"consumer"}, nil},
		} {
			req := kmsg.NewPtrListGroupsRequest()
			req.Version, req.StatesFilter, req.TypesFilter = tc.version, tc.states, tc.types
			r := c.ListGroups(context.Background(), req)
			var got []string
			for _, g := range r.Groups {
				got = append(got, g.Group)
				if g.Group == "stable" && (g.ProtocolType != "connect" || g.GroupState != "Stable" || g.GroupType != "classic") {
					t.Errorf("listed %+v", g)
				}
			}
			if len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1])) {
				t.Errorf("v%d states %v types %v: got %v, want %v", tc.version, tc.states, tc.types, got, tc.want)
			}
		}
	})
}

// TestResponsesEncode encodes each answer at every version the broker
// advertises, so a field set on the wrong version cannot panic the encoder.
func TestResponsesEncode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		ctx := context.Background()
		m := stableOne(t, c, "g", joinOpts{})
		_ = commit(c, "g", m, 1, "t", map[int32]int64{0: 1})
		for v := int16(0); v <= 9; v++ {
			jr := joinReq("g", joinOpts{member: m})
			jr.Version = v
			c.JoinGroup(ctx, jr).AppendTo(nil)
			if v <= 5 {
				s := syncReq("g", m, 1, nil)
				s.Version = v
				c.SyncGroup(ctx, s).AppendTo(nil)
				d := kmsg.NewPtrDescribeGroupsRequest()
				d.Version, d.Groups = v, []string{"g", "x"}
				c.DescribeGroups(ctx, d).AppendTo(nil)
				l := kmsg.NewPtrListGroupsRequest()
				l.Version = v
				c.ListGroups(ctx, l).AppendTo(nil)
				lv := kmsg.NewPtrLeaveGroupRequest()
				lv.Version, lv.Group, lv.MemberID = v, "g", "ghost"
				c.LeaveGroup(ctx, lv).AppendTo(nil)
			}
			if v <= 4 {
				h := kmsg.NewPtrHeartbeatRequest()
				h.Version, h.Group, h.MemberID = v, "g", m
				c.Heartbeat(ctx, h).AppendTo(nil)
			}
			if v >= 1 {
				fetch(c, v, "g", map[string][]int32{"t": {0}}).AppendTo(nil)
			}
			if v >= 2 {
				oc := commit(c, "g", m, 1, "t", map[int32]int64{0: 1})
				oc.Version = v
				oc.AppendTo(nil)
			}
		}
	})
}
