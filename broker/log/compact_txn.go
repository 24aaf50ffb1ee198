package log

// Transactions in compaction, after Kafka's LogCleaner:
//
//   - Only segments wholly below the last stable offset are cleanable, so
//     the cleaner never decides about a transaction that is still open.
//   - Data batches of aborted transactions are dropped: they never enter
//     the offset map (so they never become the latest value of a key) and
//     their records are removed from the output like superseded ones. The
//     aborted ranges come from the txnindex entries overlapping the pass.
//   - COMMIT and ABORT markers are always kept (Kafka removes them after
//     delete.retention.ms; here they stay, which costs one small batch per
//     transaction and keeps every txnindex entry pointing at a marker).
//   - The output segment's txnindex is the concatenation of its input
//     segments' entries, which stay correct: their markers are kept, and
//     their first offsets still bound the aborted data that may remain.

// abortedFilter tells, for batches visited in increasing offset order,
// whether a batch belongs to an aborted transaction.
type abortedFilter struct {
	txns []completedTxn  // sorted by FirstOffset
	next int             // txns[:next] have begun
	open map[int64]int64 // producer -> marker offset of its latest begun aborted txn
}

func newAbortedFilter(txns []completedTxn) *abortedFilter {
	return &abortedFilter{txns: txns, open: make(map[int64]int64)}
}

// aborted reports whether h is a transactional data batch inside an
// aborted transaction. A producer's transactions do not overlap, so the
// latest begun one is the only candidate.
func (f *abortedFilter) aborted(h *batchHeader) bool {
	for f.next < len(f.txns) && f.txns[f.next].FirstOffset <= h.BaseOffset {
		t := f.txns[f.next]
		f.open[t.ProducerID] = t.LastOffset
		f.next++
	}
	if h.isControl() || !h.isTransactional() {
		return false
	}
	last, ok := f.open[h.ProducerID]
	return ok && h.BaseOffset < last
}

// copyTxnIndexes appends the txnindex entries of the group to out's.
func copyTxnIndexes(group []*segment, out *segment) error {
	for _, s := range group {
		var werr error
		err := s.txn.forEach(func(e completedTxn) bool {
			werr = out.txn.add(e)
			return werr == nil
		})
		if err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
	}
	return nil
}
