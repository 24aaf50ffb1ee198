package group

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// stableOne brings a one-member group to Stable and returns the member id.
func stableOne(t *testing.T, c *Coordinator, group string, o joinOpts) string {
	t.Helper()
	r := <-joinNew(t, c, group, o)
	mustErr(t, "join", r.ErrorCode, nil)
	s := c.SyncGroup(context.Background(), syncReq(group, r.MemberID, r.Generation, map[string]string{r.MemberID: "x"}))
	mustErr(t, "sync", s.ErrorCode, nil)
	return r.MemberID
}

func TestRebalanceOnJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		a := stableOne(t, c, "g", joinOpts{})
		bWait := joinNew(t, c, "g", joinOpts{})
		synctest.Wait()
		if err := heartbeat(c, "g", a, 1); err != kerr.RebalanceInProgress {
			t.Fatalf("heartbeat during rebalance: %v", err)
		}
		mustErr(t, "sync during rebalance", c.SyncGroup(context.Background(), syncReq("g", a, 1, nil)).ErrorCode, kerr.RebalanceInProgress)
		// A member commit in PreparingRebalance is still accepted.
		if err := commitErr(commit(c, "g", a, 1, "t", map[int32]int64{0: 5})); err != nil {
			t.Fatal(err)
		}
		ra := c.JoinGroup(context.Background(), joinReq("g", joinOpts{member: a}))
		rb := <-bWait
		if ra.Generation != 2 || rb.Generation != 2 || ra.LeaderID != a || rb.LeaderID != a {
			t.Fatalf("after rejoin: a gen %d leader %s; b gen %d", ra.Generation, ra.LeaderID, rb.Generation)
		}
		mustErr(t, "commit while completing", commit(c, "g", a, 2, "t", map[int32]int64{0: 6}).Topics[0].Partitions[0].ErrorCode, kerr.RebalanceInProgress)
	})
}

func TestRebalanceOnLeave(t *testing.T) {
	for _, version := range []int16{0, 2, 3, 5} {
		synctest.Test(t, func(t *testing.T) {
			c := newTest(t, &memStore{}, nil)
			a := stableOne(t, c, "g", joinOpts{})
			bWait := joinNew(t, c, "g", joinOpts{})
			synctest.Wait()
			ra := c.JoinGroup(context.Background(), joinReq("g", joinOpts{member: a}))
			rb := <-bWait
			mustErr(t, "join", ra.ErrorCode, nil)

			l := kmsg.NewPtrLeaveGroupRequest()
			l.Version, l.Group = version, "g"
			if version < 3 {
				l.MemberID = a
			} else {
				l.Members = []kmsg.LeaveGroupRequestMember{{MemberID: a}, {MemberID: "ghost"}}
			}
			lr := c.LeaveGroup(context.Background(), l)
			if version < 3 {
				mustErr(t, "leave", lr.ErrorCode, nil)
			} else {
				mustErr(t, "leave a", lr.Members[0].ErrorCode, nil)
				mustErr(t, "leave ghost", lr.Members[1].ErrorCode, kerr.UnknownMemberID)
			}
			// The leader left: b is told to rejoin, becomes leader of gen 3.
			mustErr(t, "sync b", c.SyncGroup(context.Background(), syncReq("g", rb.MemberID, 2, nil)).ErrorCode, kerr.RebalanceInProgress)
			rb2 := c.JoinGroup(context.Background(), joinReq("g", joinOpts{member: rb.MemberID}))
			if rb2.Generation != 3 || rb2.LeaderID != rb.MemberID || len(rb2.Members) != 1 {
				t.Fatalf("v%d after leave: %+v", version, rb2)
			}
			// The last member leaving empties the group.
			lb := kmsg.NewPtrLeaveGroupRequest()
			lb.Version, lb.Group, lb.MemberID = 1, "g", rb.MemberID
			mustErr(t, "leave b", c.LeaveGroup(context.Background(), lb).ErrorCode, nil)
			if d := describe(c, "g"); d.State != "Empty" || len(d.Members) != 0 || d.ProtocolType != "consumer" {
				t.Fatalf("after all left: %+v", d)
			}
		})
	}
}

func TestSessionExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		a := stableOne(t, c, "g", joinOpts{session: 10 * time.Second})
		bWait := joinNew(t, c, "g", joinOpts{session: 30 * time.Second})
		synctest.Wait()
		ra := c.JoinGroup(context.Background(), joinReq("g", joinOpts{member: a, session: 10 * time.Second}))
		rb := <-bWait
		ls := syncAsync(c, syncReq("g", ra.LeaderID, 2, map[string]string{a: "A", rb.MemberID: "B"}))
		mustErr(t, "sync b", c.SyncGroup(context.Background(), syncReq("g", rb.MemberID, 2, nil)).ErrorCode, nil)
		<-ls
		// b heartbeats; a goes silent past its 10s session.
		for range 4 {
			time.Sleep(3 * time.Second)
			if err := heartbeat(c, "g", rb.MemberID, 2); err != nil && err != kerr.RebalanceInProgress {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if err := heartbeat(c, "g", a, 2); err != kerr.UnknownMemberID {
			t.Fatalf("expired member heartbeat: %v", err)
		}
		if err := heartbeat(c, "g", rb.MemberID, 2); err != kerr.RebalanceInProgress {
			t.Fatalf("survivor heartbeat: %v", err)
		}
		r := c.JoinGroup(context.Background(), joinReq("g", joinOpts{member: rb.MemberID, session: 30 * time.Second}))
		if r.Generation != 3 || len(r.Members) != 1 || r.LeaderID != rb.MemberID {
			t.Fatalf("after expiry: %+v", r)
		}
	})
}

// TestRebalanceTimeout: a member that does not rejoin within the rebalance
// timeout is removed and the others proceed.
func TestRebalanceTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		o := joinOpts{session: 60 * time.Second, rebalance: 20 * time.Second}
		a := stableOne(t, c, "g", o)
		bWait := joinNew(t, c, "g", o)
		start := time.Now()
		// a keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins.
		var rb *kmsg.JoinGroupResponse
		for rb == nil {
			select {
			case rb = <-bWait:
			case <-time.After(5 * time.Second):
				_ = heartbeat(c, "g", a, 1)
			}
		}
		if waited := time.Since(start); waited != 20*time.Second {
			t.Fatalf("join completed after %v, want the 20s rebalance timeout", waited)
		}
		if rb.Generation != 2 || len(rb.Members) != 1 || rb.LeaderID != rb.MemberID {
			t.Fatalf("after timeout: %+v", rb)
		}
		if err := heartbeat(c, "g", a, 1); err != kerr.UnknownMemberID {
			t.Fatalf("removed member: %v", err)
		}
	})
}

// TestInitialRebalanceDelay: an empty group waits the initial delay, extended
// while members keep arriving, capped by the rebalance timeout.
func TestInitialRebalanceDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, func(cfg *Config) { cfg.InitialRebalanceDelay = 3 * time.Second })
		o := joinOpts{rebalance: 30 * time.Second}
		start := time.Now()
		w1 := joinNew(t, c, "g", o)
		time.Sleep(2 * time.Second)
		w2 := joinNew(t, c, "g", o)
		r1, r2 := <-w1, <-w2
		if waited := time.Since(start); waited != 6*time.Second {
			t.Fatalf("first generation after %v, want 6s (3s delay extended once)", waited)
		}
		if r1.Generation != 1 || r2.Generation != 1 || len(r1.Members) != 2 {
			t.Fatalf("r1 %+v r2 %+v", r1, r2)
		}
	})
}

func TestStaticMembership(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &memStore{}
		c := newTest(t, store, nil)
		st := joinOpts{instance: "i-1", meta: "sub"}
		r := c.JoinGroup(context.Background(), joinReq("g", st)) // static: no MEMBER_ID_REQUIRED
		mustErr(t, "static join", r.ErrorCode, nil)
		old := r.MemberID
		mustErr(t, "sync", c.SyncGroup(context.Background(), syncReq("g", old, 1, map[string]string{old: "A"})).ErrorCode, nil)

		// Restart with the same metadata: new member id, same generation, no rebalance.
		r2 := c.JoinGroup(context.Background(), joinReq("g", st))
		mustErr(t, "static rejoin", r2.ErrorCode, nil)
		if r2.MemberID == old || r2.Generation != 1 || r2.LeaderID != r2.MemberID || !r2.SkipAssignment {
			t.Fatalf("static rejoin: %+v", r2)
		}
		if d := describe(c, "g"); d.State != "Stable" || string(d.Members[0].MemberAssignment) != "A" {
			t.Fatalf("after replacement: %+v", d)
		}
		// The old member id is fenced.
		hb := kmsg.NewPtrHeartbeatRequest()
		hb.Version, hb.Group, hb.MemberID, hb.Generation, hb.InstanceID = 4, "g", old, 1, kmsg.StringPtr("i-1")
		mustErr(t, "old id heartbeat", c.Heartbeat(context.Background(), hb).ErrorCode, kerr.FencedInstanceID)
		mustErr(t, "old id join", c.JoinGroup(context.Background(), joinReq("g", joinOpts{instance: "i-1", member: old, meta: "sub"})).ErrorCode, kerr.FencedInstanceID)
		s := c.SyncGroup(context.Background(), syncReq("g", r2.MemberID, 1, nil))
		if s.ErrorCode != 0 || string(s.MemberAssignment) != "A" {
			t.Fatalf("sync after replacement: %+v", s)
		}

		// Changed metadata: replacement triggers a rebalance.
		st.meta = "other"
		r3 := c.JoinGroup(context.Background(), joinReq("g", st))
		if r3.ErrorCode != 0 || r3.Generation != 2 {
			t.Fatalf("static rejoin with new metadata: %+v", r3)
		}

		// Leave by instance id; a wrong member id for it is fenced.
		l := kmsg.NewPtrLeaveGroupRequest()
		l.Version, l.Group = 5, "g"
		l.Members = []kmsg.LeaveGroupRequestMember{{InstanceID: kmsg.StringPtr("i-1"), MemberID: "wrong"}}
		mustErr(t, "leave wrong id", c.LeaveGroup(context.Background(), l).Members[0].ErrorCode, kerr.FencedInstanceID)
		l.Members[0].MemberID = ""
		mustErr(t, "leave", c.LeaveGroup(context.Background(), l).Members[0].ErrorCode, nil)
		if d := describe(c, "g"); d.State != "Empty" {
			t.Fatalf("after leave: %s", d.State)
		}
	})
}

// TestJoinCancelled: a dynamic member whose join context is cancelled does not
// hold the rebalance until the rebalance timeout.
func TestJoinCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		o := joinOpts{rebalance: 60 * time.Second}
		a := stableOne(t, c, "g", o)
		first := c.JoinGroup(context.Background(), joinReq("g", o))
		ctx, cancel := context.WithCancel(context.Background())
		o.member = first.MemberID
		bWait := joinAsync(ctx, c, joinReq("g", o))
		synctest.Wait()
		cancel()
		synctest.Wait()
		start := time.Now()
		ra := c.JoinGroup(context.Background(), joinReq("g", joinOpts{member: a, rebalance: 60 * time.Second}))
		if time.Since(start) != 0 || ra.ErrorCode != 0 || len(ra.Members) != 1 || ra.Generation != 2 {
			t.Fatalf("rejoin after cancelled join: %+v after %v", ra, time.Since(start))
		}
		if rb := <-bWait; rb.ErrorCode == 0 {
			t.Fatalf("cancelled join answered success: %+v", rb)
		}
	})
}

func TestCloseAnswersPendingJoins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, func(cfg *Config) { cfg.InitialRebalanceDelay = time.Minute })
		w := joinNew(t, c, "g", joinOpts{rebalance: 5 * time.Minute})
		synctest.Wait()
		c.Close()
		mustErr(t, "pending join", (<-w).ErrorCode, kerr.NotCoordinator)
		mustErr(t, "join after close", c.JoinGroup(context.Background(), joinReq("g", joinOpts{})).ErrorCode, kerr.NotCoordinator)
	})
}

func TestCoordinatorErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New(Config{NumPartitions: 2})
		defer c.Close()
		g := "orders" // partition 1008770331 % 2 = 1
		if c.PartitionFor(g) != 1 {
			t.Fatal("test group hashes elsewhere")
		}
		mustErr(t, "not loaded", c.JoinGroup(context.Background(), joinReq(g, joinOpts{})).ErrorCode, kerr.NotCoordinator)
		block := make(chan struct{})
		loaded := make(chan error, 1)
		go func() { loaded <- c.LoadPartition(1, blockingStore{block}) }()
		synctest.Wait()
		mustErr(t, "loading", c.JoinGroup(context.Background(), joinReq(g, joinOpts{})).ErrorCode, kerr.CoordinatorLoadInProgress)
		l := kmsg.NewPtrListGroupsRequest()
		mustErr(t, "list while loading", c.ListGroups(context.Background(), l).ErrorCode, kerr.CoordinatorLoadInProgress)
		close(block)
		if err := <-loaded; err != nil {
			t.Fatal(err)
		}
		mustErr(t, "loaded", c.JoinGroup(context.Background(), joinReq(g, joinOpts{})).ErrorCode, kerr.MemberIDRequired)
		c.UnloadPartition(1)
		mustErr(t, "unloaded", c.JoinGroup(context.Background(), joinReq(g, joinOpts{})).ErrorCode, kerr.NotCoordinator)
	})
}

type blockingStore struct{ release chan struct{} }

func (s blockingStore) Append(context.Context, []Record) error { return nil }
func (s blockingStore) AppendTxn(context.Context, int64, int16, []Record) error {
	return nil
}
func (s blockingStore) Replay(func(Record) error) error {
	<-s.release
	return nil
}
