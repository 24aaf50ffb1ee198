package log

import (
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Transactions, after Kafka's ProducerStateManager and UnifiedLog.
//
// A producer's first transactional data batch after its last marker opens
// a transaction at that batch's base offset (producerEntry.TxnFirst); its
// COMMIT or ABORT marker, a control batch written by AppendMarker, closes
// it. The last stable offset (LSO) is the smallest first offset of an open
// transaction, or the log end when none is open. An ABORT appends
// {producer, first, marker offset, LSO after the marker} to the .txnindex of
// the segment holding the marker (txnindex.go); Fetch with read_committed
// reads those entries back through AbortedTransactions.
//
// Deviations from Apache Kafka, all deliberate:
//   - The LSO is not capped by a high watermark (the log has none) and is
//     raised to the log start offset when retention or DeleteRecords moved
//     the start past the first offset of a still open transaction.
//   - Client batches (Append) may not be control batches, as in Kafka;
//     markers come only from AppendMarker.
//   - DeleteRecords refuses offsets beyond the LSO (Kafka: the high
//     watermark), so an open transaction's data is never deleted by it.

// AbortedTxn is one aborted transaction as Fetch reports it.
type AbortedTxn struct {
	ProducerID  int64
	FirstOffset int64
}

// appendOrigin says who wrote a batch, like Kafka's AppendOrigin.
type appendOrigin int8

const (
	originClient      appendOrigin = iota // producer: sequences checked
	originCoordinator                     // broker-side coordinator: no sequences
	originMarker                          // AppendMarker's control batch
)

// AppendCoordinator appends a batch written by a broker-side coordinator,
// such as a transactional offset commit into __consumer_offsets
// (producerId and epoch set, transactional bit set, baseSequence -1). It is
// Append without the sequence checks (Kafka's AppendOrigin.COORDINATOR):
// the epoch must still not be older than the producer's, and a
// transactional batch opens or continues the producer's transaction.
func (l *Log) AppendCoordinator(batch []byte, leaderEpoch int32) (AppendResult, error) {
	return l.appendFrom(batch, leaderEpoch, originCoordinator)
}

// AppendMarker writes a COMMIT (commit true) or ABORT transaction marker
// for the producer and returns its offset. It ends the producer's open
// transaction in this partition; a marker without one is still written,
// as Kafka does. An epoch older than the producer's current one gives
// ErrInvalidProducerEpoch and writes nothing. An abort is added to the
// aborted transaction index.
func (l *Log) AppendMarker(producerID int64, producerEpoch int16, commit bool, coordinatorEpoch int32, leaderEpoch int32) (int64, error) {
	if producerID < 0 {
		return 0, fmt.Errorf("%w: transaction marker without a producer id", ErrInvalidRecord)
	}
	batch := markerBatch(producerID, producerEpoch, commit, coordinatorEpoch, l.opts.Now().UnixMilli())
	h := parseHeader(batch)
	res, flush, err := l.appendValidated(batch, &h, leaderEpoch, l.cfg.Load(), originMarker, commit)
	if err != nil {
		return 0, err
	}
	if flush {
		if err := l.Sync(res.LastOffset); err != nil {
			return 0, err
		}
	}
	return res.BaseOffset, nil
}

// LastStableOffset returns the smallest first offset among open
// transactions, or EndOffset when none is open (never below StartOffset).
func (l *Log) LastStableOffset() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.lsoLocked()
}

func (l *Log) lsoLocked() int64 {
	return min(max(l.mu.producers.firstUnstable(l.mu.end), l.mu.start), l.mu.end)
}

// OngoingTransactions returns the open transactions: producer id -> first
// offset (DescribeProducers, diagnostics).
func (l *Log) OngoingTransactions() map[int64]int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make(map[int64]int64, len(l.mu.producers.ongoing))
	for id, first := range l.mu.producers.ongoing {
		out[id] = first
	}
	return out
}

// AbortedTransactions returns the aborted transactions overlapping
// [from, upTo): LastOffset >= from and FirstOffset < upTo, ordered by
// FirstOffset, as Fetch reports them for isolation_level=read_committed.
func (l *Log) AbortedTransactions(from, upTo int64) ([]AbortedTxn, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.mu.closed {
		return nil, ErrClosed
	}
	txns, err := l.abortedLocked(from, upTo)
	if err != nil {
		return nil, err
	}
	var out []AbortedTxn // nil when there is none
	for _, t := range txns {
		out = append(out, AbortedTxn{ProducerID: t.ProducerID, FirstOffset: t.FirstOffset})
	}
	return out, nil
}

// abortedLocked collects the index entries overlapping [from, upTo), sorted
// by first offset. Like Kafka's collectAbortedTxns it starts at the segment
// holding from (an earlier marker ends before from) and stops after an
// entry whose LSO is >= upTo: every later abort began at or after it.
func (l *Log) abortedLocked(from, upTo int64) ([]completedTxn, error) {
	var out []completedTxn
	done := false
	for i := l.segmentForLocked(from); i < len(l.mu.segs) && !done; i++ {
		s := l.mu.segs[i]
		err := s.txn.forEach(func(e completedTxn) bool {
			if e.LastOffset >= from && e.FirstOffset < upTo {
				out = append(out, e)
			}
			done = e.LastStableOffset >= upTo
			return !done
		})
		if err != nil {
			return nil, fmt.Errorf("segment %d: %w", s.base, err)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FirstOffset < out[j].FirstOffset })
	return out, nil
}

// endTxn applies the marker h (already passed to update) to the
// producer state and, for an abort, returns the index entry.
func endTxn(p *producerState, h *batchHeader, commit bool) (completedTxn, bool) {
	c := p.endTxn(h.ProducerID, h.BaseOffset)
	if commit {
		return c, false
	}
	c.LastStableOffset = p.firstUnstable(h.BaseOffset + 1)
	return c, true
}

// markerBatch encodes a transaction marker: a control, transactional batch
// with one record whose key is kmsg.ControlRecordKey (type 0 abort, 1
// commit) and whose value is kmsg.EndTxnMarker.
func markerBatch(producerID int64, producerEpoch int16, commit bool, coordinatorEpoch int32, nowMs int64) []byte {
	key := kmsg.ControlRecordKey{Type: kmsg.ControlRecordKeyTypeAbort}
	if commit {
		key.Type = kmsg.ControlRecordKeyTypeCommit
	}
	val := kmsg.EndTxnMarker{CoordinatorEpoch: coordinatorEpoch}
	r := kmsg.Record{Key: key.AppendTo(nil), Value: val.AppendTo(nil)}
	r.Length = int32(len(r.AppendTo(nil)) - 1) // body size; Length 0 encodes in one byte
	raw := r.AppendTo(nil)
	rb := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1,
		Magic:                2,
		Attributes:           attrControl | attrTransactional,
		FirstTimestamp:       nowMs,
		MaxTimestamp:         nowMs,
		ProducerID:           producerID,
		ProducerEpoch:        producerEpoch,
		FirstSequence:        -1,
		NumRecords:           1,
		Records:              raw,
		Length:               int32(batchHeaderLen - lengthFieldEnd + len(raw)),
	}
	b := rb.AppendTo(nil)
	setCRC(b)
	return b
}

// parseMarker reports whether the stored batch b is a transaction marker
// and whether it commits. A control batch that is not transactional or
// whose key is not a COMMIT/ABORT key is not a marker.
func parseMarker(b []byte, h *batchHeader) (commit, ok bool) {
	if !h.isControl() || !h.isTransactional() {
		return false, false
	}
	var key kmsg.ControlRecordKey
	err := forEachRecord(b, h, func(r *record) error {
		if ok {
			return nil
		}
		if err := key.ReadFrom(r.Key); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil || !ok {
		return false, false
	}
	switch key.Type {
	case kmsg.ControlRecordKeyTypeCommit:
		return true, true
	case kmsg.ControlRecordKeyTypeAbort:
		return false, true
	}
	return false, false
}
