package group

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestPartitionFor(t *testing.T) {
	c := New(Config{NumPartitions: 50})
	defer c.Close()
	for _, tc := range []struct {
		group string
		want  int32
	}{
		{"", 0},
		{"a", 97 % 50},
		{"hello", 99162322 % 50},
		{"polygenelubricants", 0}, // hashCode is Integer.MIN_VALUE; Kafka's abs gives 0
		{"GydZG_", 0},             // also Integer.MIN_VALUE
		{"connect-cluster", 1440343063 % 50},
		{"orders", 1008770331 % 50}, // negative hashCode
		{"grüppe😀", 245262263 % 50}, // non-ASCII, surrogate pair
	} {
		if got := c.PartitionFor(tc.group); got != tc.want {
			t.Errorf("PartitionFor(%q) = %d, want %d", tc.group, got, tc.want)
		}
	}
}

func TestJoinSyncHeartbeatSingle(t *testing.T) {
	for _, version := range []int16{1, 3, 4, 7, 9} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newTest(t, &memStore{}, nil)
				o := joinOpts{version: version}
				if version >= 4 {
					r := c.JoinGroup(context.Background(), joinReq("g", o))
					mustErr(t, "first join", r.ErrorCode, kerr.MemberIDRequired)
					o.member = r.MemberID
				}
				r := c.JoinGroup(context.Background(), joinReq("g", o))
				mustErr(t, "join", r.ErrorCode, nil)
				if r.Generation != 1 || r.LeaderID != r.MemberID || len(r.Members) != 1 || *r.Protocol != "range" {
					t.Fatalf("join response: %+v", r)
				}
				if *r.ProtocolType != "consumer" {
					t.Fatalf("protocol type %q", *r.ProtocolType)
				}
				if d := describe(c, "g"); d.State != "CompletingRebalance" {
					t.Fatalf("state %s", d.State)
				}
				s := c.SyncGroup(context.Background(), syncReq("g", r.MemberID, 1, map[string]string{r.MemberID: "A"}))
				mustErr(t, "sync", s.ErrorCode, nil)
				if string(s.MemberAssignment) != "A" {
					t.Fatalf("assignment %q", s.MemberAssignment)
				}
				if err := heartbeat(c, "g", r.MemberID, 1); err != nil {
					t.Fatal(err)
				}
				if err := heartbeat(c, "g", r.MemberID, 0); err != kerr.IllegalGeneration {
					t.Fatalf("heartbeat old generation: %v", err)
				}
				if err := heartbeat(c, "g", "nobody", 1); err != kerr.UnknownMemberID {
					t.Fatalf("heartbeat unknown member: %v", err)
				}
				d := describe(c, "g")
				if d.State != "Stable" || d.Protocol != "range" || len(d.Members) != 1 || string(d.Members[0].MemberAssignment) != "A" {
					t.Fatalf("describe: %+v", d)
				}
			})
		})
	}
}

// TestThreeMembersVote joins three members with different protocol lists and
// checks the vote, the leader's member list and the followers' wait in sync.
func TestThreeMembersVote(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, func(cfg *Config) { cfg.InitialRebalanceDelay = 3 * time.Second })
		prefs := [][]string{
			{"sticky", "range", "roundrobin"},
			{"roundrobin", "range"},
			{"range", "roundrobin", "sticky"},
		}
		// roundrobin and range are common; votes: range (m0: sticky not common → range),
		// roundrobin (m1), range (m2) → range wins 2:1.
		var chans []<-chan *kmsg.JoinGroupResponse
		for i, p := range prefs {
			chans = append(chans, joinNew(t, c, "g", joinOpts{protocols: p, meta: string(rune('a' + i))}))
			synctest.Wait()
		}
		var resps []*kmsg.JoinGroupResponse
		for _, ch := range chans {
			resps = append(resps, <-ch)
		}
		leader := resps[0].LeaderID
		for i, r := range resps {
			mustErr(t, "join", r.ErrorCode, nil)
			if r.Generation != 1 || *r.Protocol != "range" || r.LeaderID != leader {
				t.Fatalf("member %d: gen %d protocol %s leader %s", i, r.Generation, *r.Protocol, r.LeaderID)
			}
			if (r.MemberID == leader) != (len(r.Members) == 3) {
				t.Fatalf("member %d: %d members listed", i, len(r.Members))
			}
		}
		if leader != resps[0].MemberID {
			t.Fatalf("leader %s is not the first member", leader)
		}
		for _, m := range resps[0].Members {
			if string(m.ProtocolMetadata[1:]) != "/range" {
				t.Fatalf("leader sees metadata %q", m.ProtocolMetadata)
			}
		}
		// Followers wait for the leader's assignment.
		f1 := syncAsync(c, syncReq("g", resps[1].MemberID, 1, nil))
		f2 := syncAsync(c, syncReq("g", resps[2].MemberID, 1, nil))
		synctest.Wait()
		select {
		case <-f1:
			t.Fatal("follower answered before the leader synced")
		default:
		}
		assign := map[string]string{resps[0].MemberID: "0", resps[1].MemberID: "1"} // member 2 gets nothing
		l := c.SyncGroup(context.Background(), syncReq("g", leader, 1, assign))
		mustErr(t, "leader sync", l.ErrorCode, nil)
		if a := (<-f1).MemberAssignment; string(a) != "1" {
			t.Fatalf("follower 1 assignment %q", a)
		}
		if a := <-f2; a.ErrorCode != 0 || len(a.MemberAssignment) != 0 {
			t.Fatalf("follower 2: %+v", a)
		}
	})
}

func TestConnectProtocolOpaque(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		o := joinOpts{ptype: "connect", protocols: []string{"sessioned", "compatible", "default"}, meta: "\x00\x01binary"}
		r := <-joinNew(t, c, "connect-cluster", o)
		mustErr(t, "join", r.ErrorCode, nil)
		if *r.ProtocolType != "connect" || *r.Protocol != "sessioned" || string(r.Members[0].ProtocolMetadata) != "\x00\x01binary/sessioned" {
			t.Fatalf("join: %+v", r)
		}
		// A consumer cannot join a connect group.
		bad := c.JoinGroup(context.Background(), joinReq("connect-cluster", joinOpts{member: "", ptype: "consumer"}))
		mustErr(t, "consumer joins connect group", bad.ErrorCode, kerr.InconsistentGroupProtocol)
		// SyncGroup v5 checks protocol type and name.
		s := syncReq("connect-cluster", r.MemberID, 1, map[string]string{r.MemberID: "tasks"})
		s.ProtocolType, s.Protocol = kmsg.StringPtr("consumer"), kmsg.StringPtr("sessioned")
		mustErr(t, "sync wrong type", c.SyncGroup(context.Background(), s).ErrorCode, kerr.InconsistentGroupProtocol)
		s.ProtocolType = kmsg.StringPtr("connect")
		sr := c.SyncGroup(context.Background(), s)
		mustErr(t, "sync", sr.ErrorCode, nil)
		if *sr.ProtocolType != "connect" || *sr.Protocol != "sessioned" || string(sr.MemberAssignment) != "tasks" {
			t.Fatalf("sync: %+v", sr)
		}
	})
}

func TestJoinValidation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, func(cfg *Config) { cfg.MaxGroupSize = 1 })
		for _, tc := range []struct {
			name  string
			group string
			mod   func(*kmsg.JoinGroupRequest)
			want  error
		}{
			{"empty group id", "", nil, kerr.InvalidGroupID},
			{"session too short", "g", func(r *kmsg.JoinGroupRequest) { r.SessionTimeoutMillis = 10 }, kerr.InvalidSessionTimeout},
			{"session too long", "g", func(r *kmsg.JoinGroupRequest) { r.SessionTimeoutMillis = 1 << 30 }, kerr.InvalidSessionTimeout},
			{"no protocol type", "g", func(r *kmsg.JoinGroupRequest) { r.ProtocolType = "" }, kerr.InconsistentGroupProtocol},
			{"no protocols", "g", func(r *kmsg.JoinGroupRequest) { r.Protocols = nil }, kerr.InconsistentGroupProtocol},
			{"unknown member", "g", func(r *kmsg.JoinGroupRequest) { r.MemberID = "ghost" }, kerr.UnknownMemberID},
		} {
			r := joinReq(tc.group, joinOpts{})
			if tc.mod != nil {
				tc.mod(r)
			}
			mustErr(t, tc.name, c.JoinGroup(context.Background(), r).ErrorCode, tc.want)
		}
		first := <-joinNew(t, c, "g", joinOpts{})
		mustErr(t, "first member", first.ErrorCode, nil)
		mustErr(t, "second member", c.JoinGroup(context.Background(), joinReq("g", joinOpts{})).ErrorCode, kerr.GroupMaxSizeReached)
		mustErr(t, "no common protocol", c.JoinGroup(context.Background(),
			joinReq("g", joinOpts{member: first.MemberID, protocols: []string{"other"}})).ErrorCode, nil)
	})
}

func TestMemberIDRequired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, nil)
		r := c.JoinGroup(context.Background(), joinReq("g", joinOpts{version: 4}))
		mustErr(t, "v4 new member", r.ErrorCode, kerr.MemberIDRequired)
		if r.MemberID == "" || r.Generation != -1 {
			t.Fatalf("response %+v", r)
		}
		// The pending id expires after the session timeout when not used.
		time.Sleep(11 * time.Second)
		synctest.Wait()
		mustErr(t, "expired pending id", c.JoinGroup(context.Background(),
			joinReq("g", joinOpts{version: 4, member: r.MemberID})).ErrorCode, kerr.UnknownMemberID)
		// v3 joins at once.
		r3 := c.JoinGroup(context.Background(), joinReq("g", joinOpts{version: 3}))
		mustErr(t, "v3 new member", r3.ErrorCode, nil)
	})
}
