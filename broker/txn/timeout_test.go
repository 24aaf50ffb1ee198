package txn

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// advance lets fake time pass and the bubble settle.
func advance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func TestTimeoutAbort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, func(cfg *Config) { cfg.AbortCheckInterval = 10 * time.Second })
		pid, epoch := h.mustInit("tx") // timeout 60s
		h.mustAdd("tx", pid, epoch, "orders", 0)
		advance(50 * time.Second)
		h.wantState("tx", "Ongoing")
		advance(20 * time.Second)
		h.wantState("tx", "CompleteAbort")
		calls := h.markers.getCalls()
		if len(calls) != 1 || calls[0].commit || calls[0].epoch != epoch+1 || calls[0].producerID != pid {
			t.Fatalf("marker calls %+v, want one abort at epoch %d", calls, epoch+1)
		}
		// The producer is fenced.
		wantCode(t, "EndTxn v3", h.end("tx", 3, pid, epoch, true), kerr.ProducerFenced.Code)
		wantCode(t, "EndTxn v1", h.end("tx", 1, pid, epoch, true), kerr.InvalidProducerEpoch.Code)
		wantCode(t, "AddPartitions v1", h.add("tx", 1, pid, epoch, "orders", 0)[0], kerr.InvalidProducerEpoch.Code)
		wantCode(t, "AddPartitions v2", h.add("tx", 2, pid, epoch, "orders", 0)[0], kerr.ProducerFenced.Code)
		// A new producer takes over with the next epoch.
		_, e2 := h.mustInit("tx")
		if e2 != epoch+2 {
			t.Fatalf("epoch after timeout %d, want %d", e2, epoch+2)
		}
	})
}

func TestTransactionalIDExpiration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, func(cfg *Config) {
			cfg.IDExpiration = time.Hour
			cfg.RemoveExpiredInterval = 10 * time.Minute
		})
		pid, epoch := h.mustInit("idle")
		h.mustInit("busy")
		h.mustAdd("idle", pid, epoch, "orders", 0)
		wantCode(t, "EndTxn", h.end("idle", 3, pid, epoch, true), 0)
		synctest.Wait()
		for range 8 { // keep "busy" fresh
			advance(10 * time.Minute)
			h.mustInit("busy")
		}
		if got := h.describe("idle").ErrorCode; got != kerr.TransactionalIDNotFound.Code {
			t.Fatalf("idle id: %v, want TRANSACTIONAL_ID_NOT_FOUND", kerr.ErrorForCode(got))
		}
		h.wantState("busy", "Empty")
		if got := h.store.states(t, "idle"); got[len(got)-1] != "tombstone" {
			t.Fatalf("idle log %v: no tombstone", got)
		}
		// A reload agrees; the expired id starts over with a new producer id.
		h.c.Close()
		h.c = h.start()
		if got := h.describe("idle").ErrorCode; got != kerr.TransactionalIDNotFound.Code {
			t.Fatalf("idle id after reload: %v", kerr.ErrorForCode(got))
		}
		if p2, e2 := h.mustInit("idle"); p2 == pid || e2 != 0 {
			t.Fatalf("re-init of expired id: pid %d epoch %d", p2, e2)
		}
	})
}
