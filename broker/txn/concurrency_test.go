package txn

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Many producers run transactions at once, with marker failures and the
// timeout checker running; every transaction ends complete and every commit
// wrote its markers. Run with -race.
func TestConcurrentProducers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var pids atomic.Int64
		h := newHarness(t, func(cfg *Config) {
			cfg.NumPartitions = 1
			cfg.MarkerConcurrency = 2
			cfg.AllocateProducerID = func() (int64, error) { return pids.Add(1), nil }
		})
		h.markers.fail[tp{"orders", 1}] = 5
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				id := fmt.Sprintf("p%d", i)
				resp := h.init(id, 4, -1, -1)
				if resp.ErrorCode != 0 {
					t.Errorf("%s init: %v", id, kerr.ErrorForCode(resp.ErrorCode))
					return
				}
				pid, epoch := resp.ProducerID, resp.ProducerEpoch
				for round := range 3 {
					for _, code := range h.add(id, 3, pid, epoch, "orders", int32(i%3)) {
						if code != 0 {
							t.Errorf("%s add: %v", id, kerr.ErrorForCode(code))
							return
						}
					}
					for {
						code := h.end(id, 3, pid, epoch, round%2 == 0)
						if code == 0 {
							break
						}
						if code != kerr.ConcurrentTransactions.Code {
							t.Errorf("%s end: %v", id, kerr.ErrorForCode(code))
							return
						}
						time.Sleep(h.c.cfg.MarkerBackoff) // fake time
					}
					// The next AddPartitions waits for the markers.
					for h.describe(id).State == "PrepareCommit" || h.describe(id).State == "PrepareAbort" {
						time.Sleep(h.c.cfg.MarkerBackoff) // fake time
					}
				}
			})
		}
		wg.Wait()
		for i := range 20 {
			h.wantState(fmt.Sprintf("p%d", i), "CompleteCommit")
		}
		commits := 0
		for _, c := range h.markers.getCalls() {
			if c.commit {
				commits++
			}
		}
		if commits < 40 {
			t.Fatalf("%d commit marker calls, want at least 40", commits)
		}
	})
}

// While a partition loads, its ids answer COORDINATOR_LOAD_IN_PROGRESS.
func TestLoadInProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &blockingStore{release: make(chan struct{})}
		c := New(Config{NumPartitions: 1})
		defer c.Close()
		done := make(chan error, 1)
		go func() { done <- c.LoadPartition(0, s) }()
		synctest.Wait()
		id := "tx"
		req := kmsg.NewPtrInitProducerIDRequest()
		req.TransactionalID, req.TransactionTimeoutMillis = &id, 1000
		wantCode(t, "init", c.InitProducerID(context.Background(), req).ErrorCode, kerr.CoordinatorLoadInProgress.Code)
		lreq := kmsg.NewPtrListTransactionsRequest()
		wantCode(t, "list", c.ListTransactions(context.Background(), lreq).ErrorCode, kerr.CoordinatorLoadInProgress.Code)
		close(s.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

type blockingStore struct {
	memStore
	release chan struct{}
}

func (s *blockingStore) Replay(fn func(Record) error) error {
	<-s.release
	return s.memStore.Replay(fn)
}
