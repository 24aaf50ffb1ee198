package group

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type txnMark struct {
	pid    int64
	commit bool
}

// TestTxnOffsetLifecycle: pending offsets are invisible until their
// producer's COMMIT marker, dropped at ABORT, and a later regular commit wins.
// Each case is checked live (CompleteTxn) and again after a reload that
// replays the same markers from the store.
func TestTxnOffsetLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name       string
		lateCommit int64 // regular commit of partition 0 after the transactional one
		marks      []txnMark
		want       [2]int64 // committed offsets of partitions 0 and 1 afterwards
		pending    bool     // still pending afterwards
	}{
		{name: "commit", marks: []txnMark{{7, true}}, want: [2]int64{20, 30}},
		{name: "abort", marks: []txnMark{{7, false}}, want: [2]int64{10, -1}},
		{name: "commit twice", marks: []txnMark{{7, true}, {7, true}}, want: [2]int64{20, 30}},
		{name: "commit then abort", marks: []txnMark{{7, true}, {7, false}}, want: [2]int64{20, 30}},
		{name: "abort then commit", marks: []txnMark{{7, false}, {7, true}}, want: [2]int64{10, -1}},
		{name: "other producer's marker", marks: []txnMark{{8, true}}, want: [2]int64{10, -1}, pending: true},
		{name: "no marker", want: [2]int64{10, -1}, pending: true},
		{name: "later regular commit wins", lateCommit: 40, marks: []txnMark{{7, true}}, want: [2]int64{40, 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStore{}
			c := newTest(t, store, nil)
			if err := commitErr(commit(c, "g", "", -1, "t", map[int32]int64{0: 10})); err != nil {
				t.Fatal(err)
			}
			if err := txnCommit(c, txnOpts{version: 4}, "t", map[int32]int64{0: 20, 1: 30}); err != nil {
				t.Fatal(err)
			}
			check := func(when string, c *Coordinator, want [2]int64, pending bool) {
				t.Helper()
				for p := range int32(2) {
					if got, err := fetchOne(c, false, "g", "t", p); got != want[p] || err != nil {
						t.Errorf("%s: p%d = %d, %v; want %d", when, p, got, err, want[p])
					}
					got, err := fetchOne(c, true, "g", "t", p)
					switch {
					case pending && (err != kerr.UnstableOffsetCommit || got != -1):
						t.Errorf("%s: stable p%d = %d, %v; want UNSTABLE_OFFSET_COMMIT", when, p, got, err)
					case !pending && (err != nil || got != want[p]):
						t.Errorf("%s: stable p%d = %d, %v; want %d", when, p, got, err, want[p])
					}
				}
			}
			check("pending", c, [2]int64{10, -1}, true)
			if tc.lateCommit != 0 {
				if err := commitErr(commit(c, "g", "", -1, "t", map[int32]int64{0: tc.lateCommit})); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range tc.marks {
				store.writeMarker(m.pid, m.commit)
				c.CompleteTxn(0, m.pid, m.commit)
			}
			check("live", c, tc.want, tc.pending)
			c.Close()

			c2 := newTest(t, store, nil)
			check("replayed", c2, tc.want, tc.pending)
			if tc.pending { // the marker comes after the load
				store.writeMarker(7, true)
				c2.CompleteTxn(0, 7, true)
				late := [2]int64{20, 30}
				if tc.lateCommit != 0 {
					late[0] = tc.lateCommit
				}
				check("committed after load", c2, late, false)
			}
		})
	}
}

// TestTxnOffsetCommitValidation checks Kafka's transactional validation.
func TestTxnOffsetCommitValidation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &memStore{}
		c := newTest(t, store, func(cfg *Config) {
			cfg.PartitionExists = func(topic string, p int32) bool { return topic == "t" }
		})
		m := stableOne(t, c, "g", joinOpts{})
		sj := c.JoinGroup(context.Background(), joinReq("s", joinOpts{instance: "i-1"}))
		mustErr(t, "static join", sj.ErrorCode, nil)
		sm := sj.MemberID
		mustErr(t, "static sync", c.SyncGroup(context.Background(), syncReq("s", sm, 1, map[string]string{sm: "a"})).ErrorCode, nil)
		// Group "r" ends in CompletingRebalance, generation 2.
		a := stableOne(t, c, "r", joinOpts{})
		bWait := joinNew(t, c, "r", joinOpts{})
		synctest.Wait()
		mustErr(t, "rejoin", c.JoinGroup(context.Background(), joinReq("r", joinOpts{member: a})).ErrorCode, nil)
		<-bWait

		for _, tc := range []struct {
			name  string
			o     txnOpts
			topic string
			want  error
		}{
			{"v0 anonymous, stable group", txnOpts{}, "t", nil},
			{"v2 anonymous, stable group", txnOpts{version: 2}, "t", nil},
			{"v3 anonymous, stable group", txnOpts{version: 3}, "t", nil},
			{"v3 member", txnOpts{version: 3, member: m, gen: 1}, "t", nil},
			{"v4 member", txnOpts{version: 4, member: m, gen: 1}, "t", nil},
			{"v5 member", txnOpts{version: 5, member: m, gen: 1}, "t", nil},
			{"v3 stale generation", txnOpts{version: 3, member: m, gen: 2}, "t", kerr.IllegalGeneration},
			{"v3 unknown member", txnOpts{version: 3, member: "ghost", gen: 1}, "t", kerr.UnknownMemberID},
			{"v3 generation without member", txnOpts{version: 3, gen: 1}, "t", kerr.UnknownMemberID},
			{"v3 static member", txnOpts{version: 3, group: "s", member: sm, instance: "i-1", gen: 1}, "t", nil},
			{"v3 fenced instance", txnOpts{version: 3, group: "s", member: "old", instance: "i-1", gen: 1}, "t", kerr.FencedInstanceID},
			{"v3 unknown instance", txnOpts{version: 3, group: "s", member: sm, instance: "i-2", gen: 1}, "t", kerr.UnknownMemberID},
			{"v3 completing rebalance", txnOpts{version: 3, group: "r", member: a, gen: 2}, "t", nil},
			{"v3 unknown group with generation", txnOpts{version: 3, group: "nope", member: "x", gen: 1}, "t", kerr.IllegalGeneration},
			{"v3 unknown group, member without generation", txnOpts{version: 3, group: "new3", member: "x", gen: -1}, "t", nil},
			{"v1 unknown group", txnOpts{version: 1, group: "new1"}, "t", nil},
			{"v6 not served", txnOpts{version: 6}, "t", kerr.UnsupportedVersion},
			{"unknown topic", txnOpts{version: 3}, "missing", kerr.UnknownTopicOrPartition},
			{"metadata too large", txnOpts{version: 3, meta: strings.Repeat("x", 4097)}, "t", kerr.OffsetMetadataTooLarge},
		} {
			if err := txnCommit(c, tc.o, tc.topic, map[int32]int64{0: 1}); err != tc.want {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		r := txnReq(txnOpts{}, "t", map[int32]int64{0: 1})
		r.Group = ""
		if err := txnErr(c.TxnOffsetCommit(context.Background(), r)); err != kerr.InvalidGroupID {
			t.Errorf("empty group id: %v", err)
		}
		// v0-2 ignore the v3 fields even if set.
		r = txnReq(txnOpts{version: 2, group: "new2"}, "t", map[int32]int64{0: 1})
		r.Generation, r.MemberID = 9, "ghost"
		if err := txnErr(c.TxnOffsetCommit(context.Background(), r)); err != nil {
			t.Errorf("v2 with generation set: %v", err)
		}
		for _, g := range []string{"new1", "new2", "new3"} {
			if _, err := fetchOne(c, true, g, "t", 0); err != kerr.UnstableOffsetCommit {
				t.Errorf("simple group %s: %v, want a pending offset", g, err)
			}
		}
		if c.CommittedOffsets("nope") != nil {
			t.Error("refused commit created a group")
		}
	})
}

// TestTxnOffsetCommitErrors: coordinator state and Store errors.
func TestTxnOffsetCommitErrors(t *testing.T) {
	store := &memStore{}
	c := newTest(t, store, nil)
	for _, tc := range []struct {
		name    string
		version int16
		err     error
		want    error
	}{
		{"plain error", 0, errStore, kerr.CoordinatorNotAvailable},
		{"fenced epoch", 4, fmt.Errorf("append: %w", kerr.InvalidProducerEpoch), kerr.InvalidProducerEpoch},
		{"producer fenced", 4, kerr.ProducerFenced, kerr.ProducerFenced},
		{"abortable v4", 4, kerr.TransactionAbortable, kerr.TransactionAbortable},
		{"abortable v3", 3, kerr.TransactionAbortable, kerr.InvalidTxnState},
		{"not leader", 4, kerr.NotLeaderForPartition, kerr.NotCoordinator},
		{"too large", 4, kerr.MessageTooLarge, kerr.InvalidCommitOffsetSize},
		{"not enough replicas", 4, kerr.NotEnoughReplicas, kerr.CoordinatorNotAvailable},
	} {
		store.setFail(tc.err)
		if err := txnCommit(c, txnOpts{version: tc.version}, "t", map[int32]int64{0: 1}); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	store.setFail(nil)
	if _, err := fetchOne(c, true, "g", "t", 0); err != nil {
		t.Fatalf("failed commits left a pending offset: %v", err)
	}
	c.Close()
	if err := txnCommit(c, txnOpts{}, "t", map[int32]int64{0: 1}); err != kerr.NotCoordinator {
		t.Errorf("closed: %v", err)
	}
	c.CompleteTxn(0, 7, true) // no-op on a closed coordinator
}

// TestTxnRecordFormats: transactional offsets are Kafka's offset records in
// a batch of the producer; every version stores what it carries.
func TestTxnRecordFormats(t *testing.T) {
	for v := int16(0); v <= 5; v++ {
		store := &memStore{}
		c := newTest(t, store, nil)
		if err := txnCommit(c, txnOpts{version: v, pid: 42, epoch: 3, meta: "m"}, "t", map[int32]int64{2: 99}); err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		rec := store.recs[0]
		var k kmsg.OffsetCommitKey
		var val kmsg.OffsetCommitValue
		if err := errors.Join(k.ReadFrom(rec.Key), val.ReadFrom(rec.Value)); err != nil {
			t.Fatal(err)
		}
		wantEpoch := int32(-1)
		if v >= 2 {
			wantEpoch = 5
		}
		if rec.ProducerID != 42 || rec.ProducerEpoch != 3 || k.Version != 1 || k.Group != "g" || k.Topic != "t" || k.Partition != 2 ||
			val.Version != 3 || val.Offset != 99 || val.Metadata != "m" || val.LeaderEpoch != wantEpoch {
			t.Errorf("v%d: record %+v key %+v value %+v", v, rec, k, val)
		}
	}
}

// TestTxnEncoding round-trips TxnOffsetCommit at every served version and
// an OffsetFetch answering UNSTABLE_OFFSET_COMMIT at every version, through
// the wire encoding.
func TestTxnEncoding(t *testing.T) {
	c := newTest(t, &memStore{}, func(cfg *Config) {
		cfg.PartitionExists = func(topic string, p int32) bool { return topic == "t" }
	})
	for v := int16(0); v <= 6; v++ {
		req := txnReq(txnOpts{version: v}, "t", map[int32]int64{0: 1})
		req.Topics = append(req.Topics, kmsg.TxnOffsetCommitRequestTopic{Topic: "missing",
			Partitions: []kmsg.TxnOffsetCommitRequestTopicPartition{{Partition: 3}}})
		dec := kmsg.NewPtrTxnOffsetCommitRequest()
		dec.Version = v
		if err := dec.ReadFrom(req.AppendTo(nil)); err != nil {
			t.Fatalf("v%d request: %v", v, err)
		}
		resp := c.TxnOffsetCommit(context.Background(), dec)
		got := kmsg.NewPtrTxnOffsetCommitResponse()
		got.Version = v
		if err := got.ReadFrom(resp.AppendTo(nil)); err != nil {
			t.Fatalf("v%d response: %v", v, err)
		}
		want := [2]error{nil, kerr.UnknownTopicOrPartition}
		if v == 6 {
			want = [2]error{kerr.UnsupportedVersion, kerr.UnsupportedVersion}
		}
		if len(got.Topics) != 2 {
			t.Fatalf("v%d: %+v", v, got)
		}
		for i, w := range want {
			tp := got.Topics[i]
			if v < 6 && tp.Topic != req.Topics[i].Topic || len(tp.Partitions) != 1 || kerr.ErrorForCode(tp.Partitions[0].ErrorCode) != w {
				t.Errorf("v%d topic %d: %+v, want %v", v, i, tp, w)
			}
		}
	}
	for v := int16(1); v <= 9; v++ {
		for _, topics := range []map[string][]int32{{"t": {0}}, nil} {
			if v < 2 && topics == nil {
				continue
			}
			resp := fetch(c, v, "g", topics) // RequireStable set; it exists from v7
			got := kmsg.NewPtrOffsetFetchResponse()
			got.Version = v
			if err := got.ReadFrom(resp.AppendTo(nil)); err != nil {
				t.Fatalf("fetch v%d: %v", v, err)
			}
			var codes []int16
			for _, tp := range got.Topics {
				for _, p := range tp.Partitions {
					codes = append(codes, p.ErrorCode)
				}
			}
			for _, g := range got.Groups {
				for _, tp := range g.Topics {
					for _, p := range tp.Partitions {
						codes = append(codes, p.ErrorCode)
					}
				}
			}
			want := int16(0)
			if v >= 7 && topics != nil {
				want = kerr.UnstableOffsetCommit.Code
			}
			if topics != nil && (len(codes) != 1 || codes[0] != want) {
				t.Errorf("fetch v%d: codes %v, want %d", v, codes, want)
			}
			if topics == nil && len(codes) != 0 { // nothing committed yet: only pending
				t.Errorf("fetch all v%d: codes %v", v, codes)
			}
		}
	}
	// Fetching every partition: a committed partition with a pending offset
	// is unstable too.
	_ = commit(c, "g", "", -1, "t", map[int32]int64{0: 1, 1: 1})
	resp := fetch(c, 9, "g", nil)
	codes := map[int32]int16{}
	for _, p := range resp.Groups[0].Topics[0].Partitions {
		codes[p.Partition] = p.ErrorCode
	}
	if codes[0] != kerr.UnstableOffsetCommit.Code || codes[1] != 0 {
		t.Errorf("fetch all: %v", codes)
	}
}
