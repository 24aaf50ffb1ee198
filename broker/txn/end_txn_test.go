package txn

import (
	"reflect"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestCommitFlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pid, epoch := h.mustInit("tx")
		if epoch != 0 {
			t.Fatalf("first epoch %d, want 0", epoch)
		}
		h.mustAdd("tx", pid, epoch, "orders", 0, 1)
		h.mustAdd("tx", pid, epoch, "orders", 1) // already in: no write
		wantCode(t, "AddOffsetsToTxn", addOffsets(h, "tx", 3, pid, epoch, "g"), 0)
		h.wantState("tx", "Ongoing")

		wantCode(t, "EndTxn commit", h.end("tx", 3, pid, epoch, true), 0)
		synctest.Wait()
		calls := h.markers.getCalls()
		want := []markerCall{{pid, epoch, true, 3, map[string][]int32{"orders": {0, 1}, OffsetsTopic: {7}}}}
		if !reflect.DeepEqual(calls, want) {
			t.Fatalf("marker calls %+v, want %+v", calls, want)
		}
		d := h.describe("tx")
		if d.State != "CompleteCommit" || len(d.Topics) != 0 || d.ProducerEpoch != epoch {
			t.Fatalf("after commit: %+v", d)
		}
		wantStates := []string{"Empty", "Ongoing", "Ongoing", "PrepareCommit", "CompleteCommit"}
		if got := h.store.states(t, "tx"); !reflect.DeepEqual(got, wantStates) {
			t.Fatalf("log %v, want %v", got, wantStates)
		}

		// Retries of the same end succeed; the other end is invalid.
		wantCode(t, "EndTxn commit retry", h.end("tx", 3, pid, epoch, true), 0)
		wantCode(t, "EndTxn abort after commit", h.end("tx", 3, pid, epoch, false), kerr.InvalidTxnState.Code)

		// The next transaction starts from CompleteCommit.
		h.mustAdd("tx", pid, epoch, "orders", 2)
		h.wantState("tx", "Ongoing")
	})
}

func TestAbortFlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pid, epoch := h.mustInit("tx")
		wantCode(t, "EndTxn on Empty", h.end("tx", 3, pid, epoch, false), kerr.InvalidTxnState.Code)
		h.mustAdd("tx", pid, epoch, "orders", 0)
		wantCode(t, "EndTxn abort", h.end("tx", 3, pid, epoch, false), 0)
		synctest.Wait()
		calls := h.markers.getCalls()
		if len(calls) != 1 || calls[0].commit || calls[0].epoch != epoch {
			t.Fatalf("marker calls %+v", calls)
		}
		h.wantState("tx", "CompleteAbort")
		wantCode(t, "EndTxn abort retry", h.end("tx", 3, pid, epoch, false), 0)
		wantCode(t, "EndTxn commit after abort", h.end("tx", 3, pid, epoch, true), kerr.InvalidTxnState.Code)
	})
}

func TestEndTxnErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "orders", 0)
		for _, tc := range []struct {
			name    string
			id      string
			version int16
			pid     int64
			epoch   int16
			want    int16
		}{
			{"empty id", "", 3, pid, epoch, kerr.InvalidRequest.Code},
			{"unknown id", "nope", 3, pid, epoch, kerr.InvalidProducerIDMapping.Code},
			{"other producer id", "tx", 3, pid + 1, epoch, kerr.InvalidProducerIDMapping.Code},
			{"old epoch v2", "tx", 2, pid, epoch - 1, kerr.ProducerFenced.Code},
			{"old epoch v1", "tx", 1, pid, epoch - 1, kerr.InvalidProducerEpoch.Code},
		} {
			wantCode(t, tc.name, h.end(tc.id, tc.version, tc.pid, tc.epoch, true), tc.want)
		}
	})
}

// While markers are being written, the transaction cannot move on.
func TestPrepareBlocksTransitions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.markers.block = make(chan struct{})
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "orders", 0)
		wantCode(t, "EndTxn commit", h.end("tx", 3, pid, epoch, true), 0)
		synctest.Wait()
		h.wantState("tx", "PrepareCommit")
		wantCode(t, "EndTxn commit retry", h.end("tx", 3, pid, epoch, true), kerr.ConcurrentTransactions.Code)
		wantCode(t, "EndTxn abort", h.end("tx", 3, pid, epoch, false), kerr.InvalidTxnState.Code)
		wantCode(t, "InitProducerId", h.init("tx", 4, -1, -1).ErrorCode, kerr.ConcurrentTransactions.Code)
		wantCode(t, "AddPartitionsToTxn", h.add("tx", 3, pid, epoch, "orders", 1)[0], kerr.ConcurrentTransactions.Code)
		close(h.markers.block)
		synctest.Wait()
		h.wantState("tx", "CompleteCommit")
		wantCode(t, "EndTxn commit retry after", h.end("tx", 3, pid, epoch, true), 0)
	})
}

func TestMarkerRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.markers.fail[tp{"orders", 1}] = 2
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "orders", 0, 1)
		h.mustAdd("tx", pid, epoch, "audit", 0)
		wantCode(t, "EndTxn", h.end("tx", 3, pid, epoch, true), 0)
		synctest.Wait()
		h.wantState("tx", "PrepareCommit") // waiting out the backoff
		calls := h.markers.getCalls()
		if len(calls) != 1 {
			t.Fatalf("%d calls before backoff", len(calls))
		}
		waitState(t, h, "tx", "CompleteCommit")
		calls = h.markers.getCalls()
		if len(calls) != 3 {
			t.Fatalf("%d marker calls, want 3", len(calls))
		}
		for _, c := range calls[1:] {
			if !reflect.DeepEqual(c.partitions, map[string][]int32{"orders": {1}}) {
				t.Fatalf("retry wrote %v, want only orders/1", c.partitions)
			}
		}
	})
}

// waitState lets fake time pass (backoffs) until id reaches want.
func waitState(t *testing.T, h *harness, id, want string) {
	t.Helper()
	for range 100 {
		if h.describe(id).State == want {
			return
		}
		advance(h.c.cfg.MarkerBackoff)
	}
	h.wantState(id, want)
}

func TestMarkerFencedAbandons(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.markers.fail[tp{"orders", 0}] = 1
		h.markers.failErr = kerr.TransactionCoordinatorFenced
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "orders", 0)
		wantCode(t, "EndTxn", h.end("tx", 3, pid, epoch, false), 0)
		advance(h.c.cfg.MarkerMaxBackoff * 10)
		if n := len(h.markers.getCalls()); n != 1 {
			t.Fatalf("%d marker calls after a fence, want 1", n)
		}
		h.wantState("tx", "PrepareAbort")
	})
}

func TestMarkerDropsDeletedPartition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		exists := true
		h := newHarness(t, func(cfg *Config) {
			cfg.PartitionExists = func(topic string, _ int32) bool { return exists || topic != "gone" }
		})
		h.markers.fail[tp{"gone", 0}] = 1000
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "gone", 0)
		h.mustAdd("tx", pid, epoch, "orders", 0)
		exists = false // the topic is deleted before the markers
		wantCode(t, "EndTxn", h.end("tx", 3, pid, epoch, true), 0)
		synctest.Wait()
		h.wantState("tx", "CompleteCommit")
	})
}
