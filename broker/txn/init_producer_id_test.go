package txn

import (
	"context"
	"math"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestInitProducerIDBumps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pid, e0 := h.mustInit("tx")
		p1, e1 := h.mustInit("tx")
		if p1 != pid || e1 != e0+1 {
			t.Fatalf("second init: %d/%d, want %d/%d", p1, e1, pid, e0+1)
		}
		p2, _ := h.mustInit("other")
		if p2 == pid {
			t.Fatal("two transactional ids share a producer id")
		}
	})
}

func TestInitProducerIDErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		req := kmsg.NewPtrInitProducerIDRequest()
		id := "tx"
		req.TransactionalID = &id
		req.TransactionTimeoutMillis = int32(h.c.cfg.MaxTimeout.Milliseconds()) + 1
		resp := h.c.InitProducerID(context.Background(), req)
		wantCode(t, "timeout above max", resp.ErrorCode, kerr.InvalidTransactionTimeout.Code)
		if resp.ProducerID != -1 || resp.ProducerEpoch != -1 {
			t.Fatalf("error answer carries %d/%d", resp.ProducerID, resp.ProducerEpoch)
		}
		req.TransactionTimeoutMillis = 0
		wantCode(t, "zero timeout", h.c.InitProducerID(context.Background(), req).ErrorCode, kerr.InvalidTransactionTimeout.Code)
		empty := ""
		req.TransactionalID, req.TransactionTimeoutMillis = &empty, 1000
		wantCode(t, "empty id", h.c.InitProducerID(context.Background(), req).ErrorCode, kerr.InvalidRequest.Code)

		// A failed first write leaves nothing behind.
		h.store.setFail(errStore)
		wantCode(t, "store down", h.init("tx", 4, -1, -1).ErrorCode, kerr.CoordinatorNotAvailable.Code)
		h.store.setFail(nil)
		if got := h.describe("tx").ErrorCode; got != kerr.TransactionalIDNotFound.Code {
			t.Fatalf("after failed init: %v", kerr.ErrorForCode(got))
		}
		if _, e := h.mustInit("tx"); e != 0 {
			t.Fatalf("epoch %d after a failed first init, want 0", e)
		}

		// Another partition is not ours.
		c := New(Config{NumPartitions: 2, Markers: h.markers})
		defer c.Close()
		req.TransactionalID = &id
		wantCode(t, "not coordinator", c.InitProducerID(context.Background(), req).ErrorCode, kerr.NotCoordinator.Code)
	})
}

// Fencing: a new producer with the same transactional id aborts the ongoing
// transaction with a bumped epoch, as Kafka does.
func TestInitProducerIDFencesOngoing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.markers.block = make(chan struct{})
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "orders", 0)

		wantCode(t, "init while ongoing", h.init("tx", 4, -1, -1).ErrorCode, kerr.ConcurrentTransactions.Code)
		synctest.Wait()
		h.wantState("tx", "PrepareAbort")
		if d := h.describe("tx"); d.ProducerEpoch != epoch+1 {
			t.Fatalf("fenced epoch %d, want %d", d.ProducerEpoch, epoch+1)
		}
		wantCode(t, "init while aborting", h.init("tx", 4, -1, -1).ErrorCode, kerr.ConcurrentTransactions.Code)
		wantCode(t, "old producer commits", h.end("tx", 3, pid, epoch, true), kerr.ProducerFenced.Code)
		close(h.markers.block)
		synctest.Wait()

		calls := h.markers.getCalls()
		if len(calls) != 1 || calls[0].commit || calls[0].epoch != epoch+1 {
			t.Fatalf("marker calls %+v, want one abort at epoch %d", calls, epoch+1)
		}
		h.wantState("tx", "CompleteAbort")
		p2, e2 := h.mustInit("tx")
		if p2 != pid || e2 != epoch+2 {
			t.Fatalf("retry: %d/%d, want %d/%d", p2, e2, pid, epoch+2)
		}
		wantCode(t, "old producer adds", h.add("tx", 3, pid, epoch, "orders", 0)[0], kerr.ProducerFenced.Code)
	})
}

// KIP-360: a producer that knows its id and epoch may bump after an
// abortable error; a retry gets the same answer; anyone else is fenced.
func TestInitProducerIDKIP360(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pid, e0 := h.mustInit("tx")

		r := h.init("tx", 4, pid, e0)
		wantCode(t, "bump with current epoch", r.ErrorCode, 0)
		if r.ProducerID != pid || r.ProducerEpoch != e0+1 {
			t.Fatalf("bump: %d/%d", r.ProducerID, r.ProducerEpoch)
		}
		r = h.init("tx", 4, pid, e0) // the answer was lost
		wantCode(t, "retry with last epoch", r.ErrorCode, 0)
		if r.ProducerEpoch != e0+1 {
			t.Fatalf("retry answered epoch %d, want %d", r.ProducerEpoch, e0+1)
		}
		for _, tc := range []struct {
			name    string
			version int16
			pid     int64
			epoch   int16
			want    int16
		}{
			{"stale epoch v4", 4, pid, e0 + 5, kerr.ProducerFenced.Code},
			{"stale epoch v3", 3, pid, e0 + 5, kerr.InvalidProducerEpoch.Code},
			{"other producer id", 4, pid + 99, e0, kerr.ProducerFenced.Code},
			{"id without epoch", 4, pid, -1, kerr.InvalidRequest.Code},
			{"epoch without id", 4, -1, 0, kerr.InvalidRequest.Code},
		} {
			wantCode(t, tc.name, h.init("tx", tc.version, tc.pid, tc.epoch).ErrorCode, tc.want)
		}
		// A plain init (new producer instance) resets the last epoch: the
		// old instance can no longer retry.
		h.mustInit("tx")
		wantCode(t, "old instance after new init", h.init("tx", 4, pid, e0+1).ErrorCode, kerr.ProducerFenced.Code)
		// KIP-360 on a new id with a producer id from elsewhere (migration).
		r = h.init("fresh", 4, 5, 3)
		wantCode(t, "new id with expected", r.ErrorCode, 0)
		if r.ProducerEpoch != 0 {
			t.Fatalf("fresh epoch %d", r.ProducerEpoch)
		}
	})
}

// Epoch exhaustion rotates the producer id; a retry after the rotation gets
// the new id again.
func TestInitProducerIDExhaustion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		m := meta{producerID: 77, epoch: math.MaxInt16 - 2, timeoutMillis: 60000, state: stateCompleteCommit, startMillis: -1}
		h.store.recs = append(h.store.recs, m.record("tx"))
		h.c.Close()
		h.c = h.start()

		r := h.init("tx", 4, 77, math.MaxInt16-2)
		wantCode(t, "last bump", r.ErrorCode, 0)
		if r.ProducerID != 77 || r.ProducerEpoch != math.MaxInt16-1 {
			t.Fatalf("last bump: %d/%d", r.ProducerID, r.ProducerEpoch)
		}
		r = h.init("tx", 4, 77, math.MaxInt16-1)
		wantCode(t, "rotation", r.ErrorCode, 0)
		if r.ProducerID == 77 || r.ProducerEpoch != 0 {
			t.Fatalf("rotation: %d/%d", r.ProducerID, r.ProducerEpoch)
		}
		newPID := r.ProducerID
		r = h.init("tx", 4, 77, math.MaxInt16-1)
		wantCode(t, "retry of rotation", r.ErrorCode, 0)
		if r.ProducerID != newPID || r.ProducerEpoch != 0 {
			t.Fatalf("retry of rotation: %d/%d, want %d/0", r.ProducerID, r.ProducerEpoch, newPID)
		}
	})
}

// Fencing an Ongoing transaction at the last usable epoch uses the reserved
// epoch; the retry then rotates the producer id.
func TestFenceAtExhaustedEpoch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		m := meta{producerID: 77, epoch: math.MaxInt16 - 1, timeoutMillis: 60000, state: stateCompleteCommit, startMillis: -1}
		h.store.recs = append(h.store.recs, m.record("tx"))
		h.c.Close()
		h.c = h.start()
		h.mustAdd("tx", 77, math.MaxInt16-1, "orders", 0)
		wantCode(t, "fence", h.init("tx", 4, -1, -1).ErrorCode, kerr.ConcurrentTransactions.Code)
		synctest.Wait()
		if c := h.markers.getCalls(); len(c) != 1 || c[0].epoch != math.MaxInt16 {
			t.Fatalf("fence markers %+v", c)
		}
		p, e := h.mustInit("tx")
		if p == 77 || e != 0 {
			t.Fatalf("after fence at exhausted epoch: %d/%d", p, e)
		}
	})
}
