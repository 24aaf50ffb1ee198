package log

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// Aborted transaction index, <base>.txnindex, after Kafka's
// TransactionIndex: one entry per ABORT marker held by the segment, in
// marker order, big endian:
//
//	version int16 (0) | producerId int64 | firstOffset int64 |
//	lastOffset int64 (the marker) | lastStableOffset int64
//
// lastStableOffset is the log's LSO just after the marker: every
// transaction still open then began at or after it, which lets a lookup
// stop early (see Log.AbortedTransactions). Unlike Kafka the file exists
// for every segment, empty when it holds no abort, so a missing file means
// "rebuild" to recovery (txn_recovery.go).
const (
	txnEntryLen   = 34
	txnIndexExt   = ".txnindex"
	txnEntryBatch = 64 // entries read per pread
)

// completedTxn is a transaction ended by a marker; aborted ones are the
// txnindex entries.
type completedTxn struct {
	ProducerID       int64
	FirstOffset      int64
	LastOffset       int64
	LastStableOffset int64
}

type txnIndex struct {
	f       *os.File
	entries int64
}

func openTxnIndex(path string) (*txnIndex, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	// A torn tail entry is ignored here and rewritten over by the next add;
	// recovery rebuilds the file of any segment it does not trust.
	return &txnIndex{f: f, entries: st.Size() / txnEntryLen}, nil
}

func (x *txnIndex) add(e completedTxn) error {
	var b [txnEntryLen]byte
	be := binary.BigEndian
	be.PutUint16(b[0:], 0)
	be.PutUint64(b[2:], uint64(e.ProducerID))
	be.PutUint64(b[10:], uint64(e.FirstOffset))
	be.PutUint64(b[18:], uint64(e.LastOffset))
	be.PutUint64(b[26:], uint64(e.LastStableOffset))
	if _, err := x.f.WriteAt(b[:], x.entries*txnEntryLen); err != nil {
		return err
	}
	x.entries++
	return nil
}

func (x *txnIndex) truncate(n int64) error {
	if err := x.f.Truncate(n * txnEntryLen); err != nil {
		return err
	}
	x.entries = n
	return nil
}

// forEach calls fn for each entry in order until fn returns false.
func (x *txnIndex) forEach(fn func(e completedTxn) bool) error {
	buf := make([]byte, txnEntryBatch*txnEntryLen)
	be := binary.BigEndian
	for i := int64(0); i < x.entries; i += txnEntryBatch {
		n := min(x.entries-i, txnEntryBatch)
		b := buf[:n*txnEntryLen]
		if _, err := x.f.ReadAt(b, i*txnEntryLen); err != nil {
			return fmt.Errorf("read txn index: %w", err)
		}
		for ; len(b) > 0; b = b[txnEntryLen:] {
			e := completedTxn{
				ProducerID:       int64(be.Uint64(b[2:])),
				FirstOffset:      int64(be.Uint64(b[10:])),
				LastOffset:       int64(be.Uint64(b[18:])),
				LastStableOffset: int64(be.Uint64(b[26:])),
			}
			if !fn(e) {
				return nil
			}
		}
	}
	return nil
}

// validFor checks a trusted segment's index: whole entries of version 0,
// markers inside [base, next) in increasing order.
func (x *txnIndex) validFor(base, next int64) error {
	st, err := x.f.Stat()
	if err != nil {
		return err
	}
	if st.Size()%txnEntryLen != 0 {
		return errors.New("txn index size is not a whole number of entries")
	}
	prev := base - 1
	var bad error
	err = x.forEach(func(e completedTxn) bool {
		if e.LastOffset <= prev || e.LastOffset >= next || e.FirstOffset > e.LastOffset {
			bad = fmt.Errorf("txn index entry for marker %d outside segment [%d, %d)", e.LastOffset, base, next)
			return false
		}
		prev = e.LastOffset
		return true
	})
	return errors.Join(err, bad)
}
