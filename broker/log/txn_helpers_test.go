package log

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"testing"
)

// txnBatch is makeBatch with the transactional attribute set.
func txnBatch(tb testing.TB, spec batchSpec, recs ...rec) []byte {
	tb.Helper()
	b := makeBatch(tb, spec, recs...)
	putU16(b[21:], uint16(int16(parseHeader(b).Attributes)|attrTransactional))
	setCRC(b)
	return b
}

// txnOp is one step of a transactional workload.
type txnOp struct {
	pid  int64
	kind byte // 't' transactional data, 'n' idempotent data, 'o' coordinator txn batch, 'c' commit, 'a' abort
	keys []string
}

// txnModel is what the log must report, computed independently from the
// offsets Append returned: open transactions and aborted ones in marker
// order.
type txnModel struct {
	end     int64
	ongoing map[int64]int64
	aborted []completedTxn
}

func (m txnModel) clone() txnModel {
	m.ongoing = maps.Clone(m.ongoing)
	m.aborted = slices.Clone(m.aborted)
	return m
}

func (m txnModel) lso() int64 {
	lso := m.end
	for _, f := range m.ongoing {
		lso = min(lso, f)
	}
	return lso
}

func (m txnModel) abortedIn(from, upTo int64) []AbortedTxn {
	var out []completedTxn
	for _, t := range m.aborted {
		if t.LastOffset >= from && t.FirstOffset < upTo {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FirstOffset < out[j].FirstOffset })
	var res []AbortedTxn
	for _, t := range out {
		res = append(res, AbortedTxn{t.ProducerID, t.FirstOffset})
	}
	return res
}

// txnDriver applies ops to a log and to the model, remembering the model
// at every end offset so a recovered prefix can be checked.
type txnDriver struct {
	tb     testing.TB
	l      *Log
	seq    map[int64]int32
	m      txnModel
	states map[int64]txnModel // by end offset
	n      int
}

func newTxnDriver(tb testing.TB, l *Log) *txnDriver {
	d := &txnDriver{tb: tb, l: l, seq: map[int64]int32{}, m: txnModel{ongoing: map[int64]int64{}}, states: map[int64]txnModel{}}
	d.states[0] = d.m.clone()
	return d
}

func (d *txnDriver) apply(op txnOp) error {
	d.tb.Helper()
	d.n++
	var recs []rec
	for _, k := range op.keys {
		recs = append(recs, kv(k, fmt.Sprintf("%s@%d", k, d.n)))
	}
	if len(recs) == 0 {
		recs = []rec{kv(fmt.Sprint("k", d.n), fmt.Sprint("v", d.n))}
	}
	var base int64
	switch op.kind {
	case 't', 'n':
		spec := batchSpec{baseTs: int64(d.n), producerID: op.pid, seq: d.seq[op.pid]}
		b := makeBatch(d.tb, spec, recs...)
		if op.kind == 't' {
			b = txnBatch(d.tb, spec, recs...)
		}
		res, err := d.l.Append(b, 0)
		if err != nil {
			return err
		}
		d.seq[op.pid] += int32(len(recs))
		base = res.BaseOffset
		d.m.end = res.LastOffset + 1
	case 'o':
		res, err := d.l.AppendCoordinator(txnBatch(d.tb, batchSpec{baseTs: int64(d.n), producerID: op.pid, seq: -1}, recs...), 0)
		if err != nil {
			return err
		}
		base = res.BaseOffset
		d.m.end = res.LastOffset + 1
	case 'c', 'a':
		off, err := d.l.AppendMarker(op.pid, 0, op.kind == 'c', 3, 0)
		if err != nil {
			return err
		}
		first, ok := d.m.ongoing[op.pid]
		if !ok {
			first = off
		}
		delete(d.m.ongoing, op.pid)
		if op.kind == 'a' {
			d.m.aborted = append(d.m.aborted, completedTxn{ProducerID: op.pid, FirstOffset: first, LastOffset: off})
		}
		d.m.end = off + 1
		d.states[d.m.end] = d.m.clone()
		return nil
	}
	if op.kind != 'n' {
		if _, ok := d.m.ongoing[op.pid]; !ok {
			d.m.ongoing[op.pid] = base
		}
	}
	d.states[d.m.end] = d.m.clone()
	return nil
}

func (d *txnDriver) must(ops ...txnOp) {
	d.tb.Helper()
	for _, op := range ops {
		if err := d.apply(op); err != nil {
			d.tb.Fatalf("op %+v: %v", op, err)
		}
	}
}

// checkTxnState compares what l reports with the model m.
func checkTxnState(tb testing.TB, l *Log, m txnModel) {
	tb.Helper()
	if got := l.EndOffset(); got != m.end {
		tb.Fatalf("end offset %d, want %d", got, m.end)
	}
	if got, want := l.LastStableOffset(), m.lso(); got != want {
		tb.Fatalf("LSO %d, want %d (ongoing %v)", got, want, m.ongoing)
	}
	if got := l.OngoingTransactions(); !reflect.DeepEqual(got, m.ongoing) {
		tb.Fatalf("ongoing %v, want %v", got, m.ongoing)
	}
	got, err := l.AbortedTransactions(0, m.end+1)
	if err != nil {
		tb.Fatal(err)
	}
	if want := m.abortedIn(0, m.end+1); !reflect.DeepEqual(got, want) {
		tb.Fatalf("aborted %v, want %v", got, want)
	}
}
