package txn

import (
	"reflect"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The records are Kafka's: TxnMetadataKey v0 and TxnMetadataValue v0 with
// Kafka's state bytes.
func TestRecordFormat(t *testing.T) {
	m := meta{
		producerID: 42, epoch: 3, timeoutMillis: 60000, state: statePrepareCommit,
		partitions:  map[tp]struct{}{{"b", 1}: {}, {"a", 2}: {}, {"a", 0}: {}},
		startMillis: 1000, updatedMillis: 2000,
	}
	r := m.record("tx")
	var k kmsg.TxnMetadataKey
	if err := k.ReadFrom(r.Key); err != nil || k.Version != 0 || k.TransactionalID != "tx" {
		t.Fatalf("key %+v, %v", k, err)
	}
	var v kmsg.TxnMetadataValue
	if err := v.ReadFrom(r.Value); err != nil {
		t.Fatal(err)
	}
	if v.Version != 0 || v.ProducerID != 42 || v.ProducerEpoch != 3 || v.TimeoutMillis != 60000 ||
		v.State != 2 || v.StartTimestamp != 1000 || v.LastUpdateTimestamp != 2000 {
		t.Fatalf("value %+v", v)
	}
	if len(v.Topics) != 2 || v.Topics[0].Topic != "a" || !reflect.DeepEqual(v.Topics[0].Partitions, []int32{0, 2}) {
		t.Fatalf("topics %+v", v.Topics)
	}
	id, got, err := decodeRecord(r)
	if err != nil || id != "tx" || !reflect.DeepEqual(*got, m) {
		t.Fatalf("round trip: %q %+v %v", id, got, err)
	}
	for s, want := range map[state]int8{stateEmpty: 0, stateOngoing: 1, statePrepareCommit: 2, statePrepareAbort: 3,
		stateCompleteCommit: 4, stateCompleteAbort: 5, stateDead: 6, statePrepareEpochFence: 7} {
		if int8(s) != want {
			t.Errorf("%s = %d, want %d", s, s, want)
		}
	}
}

// PartitionFor matches Kafka's Utils.abs(id.hashCode) % 50.
func TestPartitionFor(t *testing.T) {
	c := New(Config{})
	defer c.Close()
	for id, want := range map[string]int32{
		"":                   0,
		"a":                  97 % 50, // "a".hashCode() = 97
		"txn-1":              int32(absJava(javaHash("txn-1")) % 50),
		"polygenelubricants": 0, // hashCode() == Integer.MIN_VALUE; Utils.abs gives 0
	} {
		if got := c.PartitionFor(id); got != want {
			t.Errorf("PartitionFor(%q) = %d, want %d", id, got, want)
		}
	}
}

func javaHash(s string) int32 {
	var h int32
	for _, r := range s {
		h = 31*h + int32(r)
	}
	return h
}

func absJava(h int32) int32 {
	if h < 0 {
		return -h
	}
	return h
}

// A coordinator restarted while a commit's markers are being written writes
// them again and completes the commit.
func TestRestartResumesPrepareCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.markers.block = make(chan struct{})
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "orders", 0, 1)
		wantCode(t, "EndTxn", h.end("tx", 3, pid, epoch, true), 0)
		synctest.Wait()
		h.c.Close() // the broker dies mid-commit
		h.wantStateCode("tx")

		h.markers.block = nil
		h.store.epoch = 4
		h.c = h.start()
		synctest.Wait()
		h.wantState("tx", "CompleteCommit")
		calls := h.markers.getCalls()
		want := markerCall{pid, epoch, true, 4, map[string][]int32{"orders": {0, 1}}}
		if len(calls) != 2 || !reflect.DeepEqual(calls[1], want) {
			t.Fatalf("marker calls %+v, want the second %+v", calls, want)
		}
		wantStates := []string{"Empty", "Ongoing", "PrepareCommit", "CompleteCommit"}
		if got := h.store.states(t, "tx"); !reflect.DeepEqual(got, wantStates) {
			t.Fatalf("log %v, want %v", got, wantStates)
		}
		// Everything else survived too: the producer carries on.
		h.mustAdd("tx", pid, epoch, "orders", 2)
		wantCode(t, "EndTxn after restart", h.end("tx", 3, pid, epoch, false), 0)
	})
}

// wantStateCode checks that a closed coordinator answers NOT_COORDINATOR.
func (h *harness) wantStateCode(id string) {
	h.t.Helper()
	if got := h.describe(id).ErrorCode; got != 16 { // NOT_COORDINATOR
		h.t.Fatalf("closed coordinator answered %d", got)
	}
}

// UnloadPartition stops marker writers; the transaction stays prepared in the
// log for the next owner.
func TestUnloadStopsMarkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.markers.block = make(chan struct{})
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "orders", 0)
		wantCode(t, "EndTxn", h.end("tx", 3, pid, epoch, false), 0)
		synctest.Wait()
		h.c.UnloadPartition(0) // returns once the writer returned
		if got := h.store.states(t, "tx"); got[len(got)-1] != "PrepareAbort" {
			t.Fatalf("log after unload %v", got)
		}
		h.wantStateCode("tx")
		// Loading again resumes.
		h.markers.block = nil
		if err := h.c.LoadPartition(0, h.store); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		h.wantState("tx", "CompleteAbort")
	})
}

func TestLoadRejectsForeignKey(t *testing.T) {
	s := &memStore{recs: []Record{{Key: []byte{0, 1, 0, 0}}}}
	c := New(Config{NumPartitions: 1})
	defer c.Close()
	if err := c.LoadPartition(0, s); err == nil {
		t.Fatal("loaded a key of version 1")
	}
	// A failed load leaves the partition unowned; a good store loads.
	if err := c.LoadPartition(0, &memStore{}); err != nil {
		t.Fatal(err)
	}
}
