package group

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// gatedStore replays its memStore only once gate is closed.
type gatedStore struct {
	*memStore
	gate chan struct{}
}

func (s gatedStore) Replay(fn func(Record) error) error {
	<-s.gate
	return s.memStore.Replay(fn)
}

// TestCompleteTxnWhileLoading: a marker written while the partition loads
// takes effect whether or not the replay read it.
func TestCompleteTxnWhileLoading(t *testing.T) {
	for _, markerInLog := range []bool{false, true} {
		t.Run(fmt.Sprint("replay sees marker ", markerInLog), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := &memStore{}
				c := newTest(t, store, nil)
				if err := txnCommit(c, txnOpts{version: 4}, "t", map[int32]int64{0: 5}); err != nil {
					t.Fatal(err)
				}
				c.Close()

				c2 := New(Config{NumPartitions: 1})
				defer c2.Close()
				gs := gatedStore{store, make(chan struct{})}
				loaded := make(chan error, 1)
				go func() { loaded <- c2.LoadPartition(0, gs) }()
				synctest.Wait()
				if err := txnCommit(c2, txnOpts{}, "t", map[int32]int64{0: 6}); err != kerr.CoordinatorLoadInProgress {
					t.Fatalf("while loading: %v", err)
				}
				if markerInLog {
					store.writeMarker(7, true)
				}
				c2.CompleteTxn(0, 7, true)
				close(gs.gate)
				if err := <-loaded; err != nil {
					t.Fatal(err)
				}
				if got, err := fetchOne(c2, true, "g", "t", 0); got != 5 || err != nil {
					t.Fatalf("after load: %d, %v", got, err)
				}
			})
		})
	}
}

// TestTxnOffsetsAndDeletes: deleting a group or an offset drops pending
// offsets, and the producer's later COMMIT brings nothing back, live or
// replayed.
func TestTxnOffsetsAndDeletes(t *testing.T) {
	store := &memStore{}
	c := newTest(t, store, nil)
	for _, g := range []string{"gone", "partial"} {
		if err := commitErr(commit(c, g, "", -1, "t", map[int32]int64{0: 1})); err != nil {
			t.Fatal(err)
		}
		if err := txnCommit(c, txnOpts{group: g}, "t", map[int32]int64{0: 2, 1: 3}); err != nil {
			t.Fatal(err)
		}
	}
	del := kmsg.NewPtrDeleteGroupsRequest()
	del.Version, del.Groups = 2, []string{"gone"}
	mustErr(t, "delete group with pending offsets", c.DeleteGroups(context.Background(), del).Groups[0].ErrorCode, nil)
	od := kmsg.NewPtrOffsetDeleteRequest()
	od.Group = "partial"
	od.Topics = []kmsg.OffsetDeleteRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}}}
	mustErr(t, "offset delete", c.OffsetDelete(context.Background(), od).ErrorCode, nil)

	check := func(when string, c *Coordinator) {
		t.Helper()
		if got := c.CommittedOffsets("gone"); got != nil {
			t.Errorf("%s: deleted group: %v", when, got)
		}
		if got := c.CommittedOffsets("partial"); len(got["t"]) != 1 || got["t"][1] != 3 {
			t.Errorf("%s: partial: %v, want only t/1 = 3", when, got)
		}
	}
	store.writeMarker(7, true)
	c.CompleteTxn(0, 7, true)
	check("live", c)
	c.Close()
	check("replayed", newTest(t, store, nil))
}

// TestTxnOffsetsExpiry: pending offsets keep their partition's committed
// offset and their group alive until the transaction completes.
func TestTxnOffsetsExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTest(t, &memStore{}, func(cfg *Config) {
			cfg.OffsetsRetention = time.Hour
			cfg.OffsetsRetentionCheckInterval = time.Minute
		})
		_ = commit(c, "g", "", -1, "t", map[int32]int64{0: 1, 1: 1})
		if err := txnCommit(c, txnOpts{}, "t", map[int32]int64{0: 2}); err != nil {
			t.Fatal(err)
		}
		if err := txnCommit(c, txnOpts{group: "only-pending"}, "t", map[int32]int64{0: 2}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Hour)
		if got := c.CommittedOffsets("g"); len(got["t"]) != 1 || got["t"][0] != 1 {
			t.Fatalf("after 2h: %v, want only t/0 (it has a pending offset)", got)
		}
		if c.GroupCount() != 2 {
			t.Fatalf("groups: %d", c.GroupCount())
		}
		c.CompleteTxn(0, 7, false)
		time.Sleep(2 * time.Minute)
		if n := c.GroupCount(); n != 0 {
			t.Fatalf("groups after abort: %d", n)
		}
	})
}

// TestTxnConcurrent runs transactions of several producers against one
// coordinator while others fetch, then checks that live state and replay
// agree (run with -race).
func TestTxnConcurrent(t *testing.T) {
	store := &memStore{}
	c := newTest(t, store, nil)
	const producers, rounds = 4, 20
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for pid := int64(1); pid <= producers; pid++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			group := fmt.Sprint("g", pid%2) // two producers per group, distinct partitions
			for k := range int64(rounds) {
				if err := txnCommit(c, txnOpts{version: 4, group: group, pid: pid}, "t", map[int32]int64{int32(pid): k}); err != nil {
					t.Error(err)
					return
				}
				store.writeMarker(pid, k%2 == 0)
				c.CompleteTxn(0, pid, k%2 == 0)
			}
		}()
	}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = fetchOne(c, true, "g0", "t", 2)
				_ = c.CommittedOffsets("g1")
			}
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	check := func(when string, c *Coordinator) {
		for pid := int64(1); pid <= producers; pid++ {
			got, err := fetchOne(c, true, fmt.Sprint("g", pid%2), "t", int32(pid))
			if got != rounds-2 || err != nil {
				t.Errorf("%s: producer %d: %d, %v; want %d", when, pid, got, err, rounds-2)
			}
		}
	}
	check("live", c)
	c.Close()
	check("replayed", newTest(t, store, nil))
}
