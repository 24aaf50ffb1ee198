package log

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"
)

const (
	pA = int64(1001)
	pB = int64(1002)
	pC = int64(1003)
)

func op(pid int64, kind byte, keys ...string) txnOp { return txnOp{pid: pid, kind: kind, keys: keys} }

func TestTxnLastStableOffset(t *testing.T) {
	tests := []struct {
		name    string
		ops     []txnOp
		lso     int64
		ongoing map[int64]int64
		aborted []AbortedTxn
	}{
		{"no transactions", []txnOp{op(pA, 'n'), op(pB, 'n')}, 2, map[int64]int64{}, nil},
		{"open txn holds the LSO", []txnOp{op(pA, 'n'), op(pA, 't'), op(pA, 't'), op(pB, 'n')}, 1, map[int64]int64{pA: 1}, nil},
		{"commit releases it", []txnOp{op(pA, 't'), op(pA, 't'), op(pA, 'c'), op(pB, 'n')}, 4, map[int64]int64{}, nil},
		{"abort is indexed", []txnOp{op(pA, 'n'), op(pA, 't'), op(pA, 't'), op(pA, 'a')}, 4, map[int64]int64{},
			[]AbortedTxn{{pA, 1}}},
		{"marker without txn", []txnOp{op(pA, 'a'), op(pA, 'c')}, 2, map[int64]int64{}, []AbortedTxn{{pA, 0}}},
		{"three interleaved", []txnOp{
			op(pA, 't'), op(pB, 't'), op(pC, 'n'), op(pA, 't'), op(pC, 't'), // 0..4
			op(pA, 'c'),              // 5: LSO -> 1 (B)
			op(pB, 't'), op(pB, 'a'), // 6, 7: LSO -> 4 (C)
			op(pA, 't'), // 8: A again
		}, 4, map[int64]int64{pC: 4, pA: 8}, []AbortedTxn{{pB, 1}}},
		{"next txn after marker", []txnOp{op(pA, 't'), op(pA, 'a'), op(pA, 't'), op(pA, 'a'), op(pA, 't')}, 4,
			map[int64]int64{pA: 4}, []AbortedTxn{{pA, 0}, {pA, 2}}},
		{"coordinator batches", []txnOp{op(pA, 'o'), op(pA, 'o'), op(pA, 'c'), op(pB, 'o')}, 3,
			map[int64]int64{pB: 3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := openTest(t, t.TempDir(), DefaultConfig(), nil)
			defer l.Close()
			d := newTxnDriver(t, l)
			for _, o := range tc.ops {
				d.must(o)
				checkTxnState(t, l, d.m)
			}
			if got := l.LastStableOffset(); got != tc.lso {
				t.Errorf("LSO %d, want %d", got, tc.lso)
			}
			if got := l.OngoingTransactions(); !reflect.DeepEqual(got, tc.ongoing) {
				t.Errorf("ongoing %v, want %v", got, tc.ongoing)
			}
			got, err := l.AbortedTransactions(0, math.MaxInt64)
			if err != nil || !reflect.DeepEqual(got, tc.aborted) {
				t.Errorf("aborted %v %v, want %v", got, err, tc.aborted)
			}
		})
	}
}

func TestAbortedTransactionsRange(t *testing.T) {
	l := openTest(t, t.TempDir(), DefaultConfig(), nil)
	defer l.Close()
	d := newTxnDriver(t, l)
	d.must(
		op(pA, 't'), op(pA, 't'), op(pA, 'a'), // A1 [0, 2]
		op(pB, 't'),              // 3
		op(pC, 't'), op(pC, 'a'), // C1 [4, 5]
		op(pB, 't'), op(pB, 'a'), // B1 [3, 7]
		op(pA, 'n'),              // 8
		op(pA, 't'), op(pA, 'a'), // A2 [9, 10]
	)
	tests := []struct {
		from, upTo int64
		want       []AbortedTxn
	}{
		{0, 11, []AbortedTxn{{pA, 0}, {pB, 3}, {pC, 4}, {pA, 9}}},
		{0, 1, []AbortedTxn{{pA, 0}}},
		{0, 3, []AbortedTxn{{pA, 0}}},
		{0, 4, []AbortedTxn{{pA, 0}, {pB, 3}}},
		{2, 4, []AbortedTxn{{pA, 0}, {pB, 3}}},
		{3, 4, []AbortedTxn{{pB, 3}}},
		{5, 6, []AbortedTxn{{pB, 3}, {pC, 4}}},
		{6, 9, []AbortedTxn{{pB, 3}}},
		{8, 9, nil},
		{8, 10, []AbortedTxn{{pA, 9}}},
		{11, 20, nil},
	}
	for _, tc := range tests {
		got, err := l.AbortedTransactions(tc.from, tc.upTo)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("AbortedTransactions(%d, %d) = %v, %v; want %v", tc.from, tc.upTo, got, err, tc.want)
		}
		if want := d.m.abortedIn(tc.from, tc.upTo); len(want) != len(tc.want) {
			t.Errorf("model disagrees for [%d, %d): %v", tc.from, tc.upTo, want)
		}
	}
}

func TestTxnRefusals(t *testing.T) {
	l := openTest(t, t.TempDir(), DefaultConfig(), nil)
	defer l.Close()
	d := newTxnDriver(t, l)
	d.must(op(pA, 't'))

	// A non-transactional batch inside A's transaction.
	if err := d.apply(op(pA, 'n')); !isErr(err, ErrInvalidTxnState) {
		t.Fatalf("non-transactional batch in a txn: %v", err)
	}
	if _, err := l.AppendCoordinator(makeBatch(t, batchSpec{producerID: pA, seq: -1}, kv("k", "v")), 0); !isErr(err, ErrInvalidTxnState) {
		t.Fatalf("non-transactional coordinator batch in a txn: %v", err)
	}
	// Epoch bump by a marker fences the old epoch, for markers and data.
	if _, err := l.AppendMarker(pA, 2, false, 1, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AppendMarker(pA, 1, true, 1, 0); !isErr(err, ErrInvalidProducerEpoch) {
		t.Fatalf("stale marker: %v", err)
	}
	if _, err := l.AppendCoordinator(txnBatch(t, batchSpec{producerID: pA, epoch: 1, seq: -1}, kv("k", "v")), 0); !isErr(err, ErrInvalidProducerEpoch) {
		t.Fatalf("stale coordinator batch: %v", err)
	}
	// Clients cannot write control batches; only coordinators omit sequences.
	ctl := markerBatch(pB, 0, true, 0, 1)
	if _, err := l.Append(ctl, 0); !isErr(err, ErrInvalidRecord) {
		t.Fatalf("client control batch: %v", err)
	}
	if _, err := l.Append(txnBatch(t, batchSpec{producerID: pB, seq: -1}, kv("k", "v")), 0); !isErr(err, ErrInvalidRecord) {
		t.Fatalf("client batch without sequence: %v", err)
	}
	if _, err := l.AppendMarker(-1, 0, true, 0, 0); !isErr(err, ErrInvalidRecord) {
		t.Fatalf("marker without producer: %v", err)
	}
	if end := l.EndOffset(); end != 2 {
		t.Fatalf("refused writes moved the end to %d", end)
	}
}

func TestAppendCoordinatorSkipsSequences(t *testing.T) {
	l := openTest(t, t.TempDir(), DefaultConfig(), nil)
	defer l.Close()
	d := newTxnDriver(t, l)
	d.must(op(pA, 'n'), op(pA, 'n')) // sequences 0, 1
	for range 3 {                    // the same -1 sequence again and again
		res, err := l.AppendCoordinator(txnBatch(t, batchSpec{producerID: pA, seq: -1}, kv("g", "offset")), 0)
		if err != nil || res.Duplicate {
			t.Fatalf("coordinator append: %+v %v", res, err)
		}
	}
	if got := l.OngoingTransactions(); !reflect.DeepEqual(got, map[int64]int64{pA: 2}) {
		t.Fatalf("ongoing %v", got)
	}
	// The client's sequence still continues after them.
	d.seq[pA] = 2
	d.m.ongoing[pA] = 2
	d.m.end = 5
	d.must(op(pA, 't'), op(pA, 'c'))
	checkTxnState(t, l, d.m)
}

func TestMarkerRecord(t *testing.T) {
	l := openTest(t, t.TempDir(), DefaultConfig(), nil)
	defer l.Close()
	off, err := l.AppendMarker(pA, 4, true, 17, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Read(off, 1<<20, math.MaxInt64, true)
	if err != nil {
		t.Fatal(err)
	}
	h, err := checkFraming(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Attributes != attrControl|attrTransactional || h.ProducerID != pA || h.ProducerEpoch != 4 ||
		h.BaseSequence != -1 || h.NumRecords != 1 || h.LeaderEpoch != 2 {
		t.Fatalf("marker header %+v", h)
	}
	recs := decodeAll(t, b)
	if len(recs) != 1 || recs[0].key != "\x00\x00\x00\x01" || recs[0].value != "\x00\x00\x00\x00\x00\x11" {
		t.Fatalf("marker record %+v", recs)
	}
	if commit, ok := parseMarker(b, &h); !ok || !commit {
		t.Fatalf("parseMarker = %v %v", commit, ok)
	}
}

func TestTxnProducerExpiryAndDeleteRecords(t *testing.T) {
	c := newClock()
	cfg := DefaultConfig()
	cfg.ProducerIDExpirationMs = time.Minute.Milliseconds()
	l := openTest(t, t.TempDir(), cfg, c)
	defer l.Close()
	d := newTxnDriver(t, l)
	d.must(op(pB, 'n'), op(pA, 't'), op(pA, 't'))
	c.Advance(time.Hour)
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	checkTxnState(t, l, d.m)
	l.mu.RLock()
	_, hasA := l.mu.producers.producers[pA]
	_, hasB := l.mu.producers.producers[pB]
	l.mu.RUnlock()
	if !hasA || hasB {
		t.Fatalf("after expiry: A kept %v (want true), B kept %v (want false)", hasA, hasB)
	}
	if _, err := l.DeleteRecords(2); !isErr(err, ErrOffsetOutOfRange) {
		t.Fatalf("DeleteRecords beyond the LSO: %v", err)
	}
	if got, err := l.DeleteRecords(-1); err != nil || got != 1 {
		t.Fatalf("DeleteRecords(-1) = %d, %v; want the LSO 1", got, err)
	}
	d.must(op(pA, 'c'))
	if got, err := l.DeleteRecords(-1); err != nil || got != 4 {
		t.Fatalf("DeleteRecords(-1) after commit = %d, %v", got, err)
	}
}

// TestTxnConcurrent runs three transactional producers, a reader and
// maintenance at once (go test -race): the LSO never goes down, never
// passes the end, and every transaction ends up closed.
func TestTxnConcurrent(t *testing.T) {
	cfg := smallSegments()
	cfg.Compact = true
	cfg.MinCleanableDirtyRatio = 0.01
	l := openTest(t, t.TempDir(), cfg, nil)
	defer l.Close()
	var wg sync.WaitGroup
	done := make(chan struct{})
	for _, pid := range []int64{pA, pB, pC} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := int32(0)
			for i := range 40 {
				b := txnBatch(t, batchSpec{producerID: pid, seq: seq}, kv("k", fmt.Sprint(i)))
				if _, err := l.Append(b, 0); err != nil {
					t.Error(err)
					return
				}
				seq++
				if i%4 == 3 {
					if _, err := l.AppendMarker(pid, 0, i%8 == 7, 0, 0); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	var rwg sync.WaitGroup
	rwg.Add(1)
	go func() {
		defer rwg.Done()
		prev := int64(0)
		for {
			select {
			case <-done:
				return
			default:
			}
			lso := l.LastStableOffset()
			if lso < prev || lso > l.EndOffset() {
				t.Errorf("LSO %d after %d, end %d", lso, prev, l.EndOffset())
				return
			}
			prev = lso
			if _, err := l.AbortedTransactions(0, lso); err != nil {
				t.Error(err)
				return
			}
			if err := l.Maintain(time.Now()); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	rwg.Wait()
	if got := l.OngoingTransactions(); len(got) != 0 || l.LastStableOffset() != l.EndOffset() {
		t.Fatalf("open after all markers: %v, LSO %d end %d", got, l.LastStableOffset(), l.EndOffset())
	}
	got, _ := l.AbortedTransactions(0, math.MaxInt64)
	if len(got) != 15 {
		t.Fatalf("%d aborted transactions, want 15", len(got))
	}
}

// TestTxnLSOBelowRetention: retention deletes whole segments regardless of
// open transactions (as Kafka does); the LSO then reports the log start.
func TestTxnLSOBelowRetention(t *testing.T) {
	c := newClock()
	cfg := smallSegments()
	cfg.RetentionMs, cfg.RetentionBytes = -1, 1000
	l := openTest(t, t.TempDir(), cfg, c)
	defer l.Close()
	d := newTxnDriver(t, l)
	d.must(op(pA, 't'))
	for range 30 {
		d.must(op(pB, 'n', "filler"))
	}
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if l.StartOffset() == 0 || l.LastStableOffset() != l.StartOffset() {
		t.Fatalf("start %d LSO %d", l.StartOffset(), l.LastStableOffset())
	}
	if got := l.OngoingTransactions(); !reflect.DeepEqual(got, map[int64]int64{pA: 0}) {
		t.Fatalf("ongoing %v", got)
	}
	d.must(op(pA, 'a'))
	if l.LastStableOffset() != l.EndOffset() {
		t.Fatalf("LSO %d after the abort, end %d", l.LastStableOffset(), l.EndOffset())
	}
}
