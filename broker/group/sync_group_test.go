package group

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestSyncGroupErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &memStore{}
		c := newTest(t, store, nil)
		r := <-joinNew(t, c, "g", joinOpts{})
		// Heartbeats succeed while the group completes its rebalance.
		if err := heartbeat(c, "g", r.MemberID, 1); err != nil {
			t.Fatalf("heartbeat in CompletingRebalance: %v", err)
		}
		for _, tc := range []struct {
			name  string
			group string
			id    string
			gen   int32
			want  error
		}{
			{"unknown group", "nope", r.MemberID, 1, kerr.UnknownMemberID},
			{"unknown member", "g", "ghost", 1, kerr.UnknownMemberID},
			{"wrong generation", "g", r.MemberID, 7, kerr.IllegalGeneration},
			{"empty group id", "", r.MemberID, 1, kerr.InvalidGroupID},
		} {
			mustErr(t, tc.name, c.SyncGroup(context.Background(), syncReq(tc.group, tc.id, tc.gen, nil)).ErrorCode, tc.want)
		}
		// The leader's assignment cannot be stored: the group rebalances.
		store.setFail(errStore)
		mustErr(t, "sync with store down", c.SyncGroup(context.Background(), syncReq("g", r.MemberID, 1, map[string]string{r.MemberID: "a"})).ErrorCode, kerr.CoordinatorNotAvailable)
		if d := describe(c, "g"); d.State != "PreparingRebalance" {
			t.Fatalf("after failed sync: %s", d.State)
		}
		store.setFail(nil)
		r2 := c.JoinGroup(context.Background(), joinReq("g", joinOpts{member: r.MemberID}))
		if r2.ErrorCode != 0 || r2.Generation != 2 {
			t.Fatalf("rejoin: %+v", r2)
		}
		mustErr(t, "sync", c.SyncGroup(context.Background(), syncReq("g", r.MemberID, 2, map[string]string{r.MemberID: "a"})).ErrorCode, nil)
	})
}

// TestLoadFiltersPartition: a store holding records of several groups loads
// only those hashing to the partition, honouring tombstones.
func TestLoadFiltersPartition(t *testing.T) {
	store := &memStore{}
	all := New(Config{NumPartitions: 2})
	defer all.Close()
	for p := int32(0); p < 2; p++ {
		if err := all.LoadPartition(p, store); err != nil {
			t.Fatal(err)
		}
	}
	groups := []string{"orders", "a", "hello", "connect-cluster"}
	for _, g := range groups {
		if err := commitErr(commit(all, g, "", -1, "t", map[int32]int64{0: 1})); err != nil {
			t.Fatal(err)
		}
	}
	all.Close()

	c := New(Config{NumPartitions: 2})
	defer c.Close()
	if err := c.LoadPartition(1, store); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		got := c.CommittedOffsets(g) != nil
		if want := c.PartitionFor(g) == 1; got != want {
			t.Errorf("group %s (partition %d) loaded=%v", g, c.PartitionFor(g), got)
		}
	}
	if err := c.LoadPartition(1, store); err == nil {
		t.Error("loading a partition twice succeeded")
	}
}

func TestOffsetFetchCoordinatorErrors(t *testing.T) {
	c := New(Config{NumPartitions: 1})
	defer c.Close()
	r := fetch(c, 1, "g", map[string][]int32{"t": {0}})
	mustErr(t, "v1 partition error", r.Topics[0].Partitions[0].ErrorCode, kerr.NotCoordinator)
	mustErr(t, "v5 top-level error", fetch(c, 5, "g", map[string][]int32{"t": {0}}).ErrorCode, kerr.NotCoordinator)
	mustErr(t, "v8 group error", fetch(c, 8, "g", nil).Groups[0].ErrorCode, kerr.NotCoordinator)
}
