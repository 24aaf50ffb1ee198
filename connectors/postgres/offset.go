package postgres

import (
	"fmt"
	"sync"

	"github.com/jackc/pglogrepl"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Offset and partition keys (Debezium's where they mean the same).
const (
	PartitionServer  = "server"
	OffsetLSN        = "lsn"        // LSN of the change (a snapshot's: the slot's consistent point)
	OffsetLSNCommit  = "lsn_commit" // commit LSN of the change's transaction
	OffsetSeq        = "seq"        // 1-based number of the event within its transaction
	OffsetTxID       = "txId"
	OffsetTsUsec     = "ts_usec"
	OffsetSnapshot   = "snapshot"             // true on snapshot records
	OffsetLastSnap   = "last_snapshot_record" // true on the last one
	OffsetSnapshotNo = "snapshot_seq"         // row number within the snapshot
	// OffsetSignal is the signal topic offset of the last kafka signal
	// acted on (Debezium's key); absent until one was.
	OffsetSignal = "incremental_snapshot_signal_offset"
)

// position orders every event the stream emits. Transactions are emitted
// whole in commit order (protocol 1 sends them so; protocol 2's streamed
// ones are replayed from their spill file at commit), so an event is identified by
// its transaction's commit LSN and its number within the transaction; a
// non-transactional message counts as a transaction of its own at its LSN.
// A restart asks the server for transactions from commit LSN C on (the
// server skips those that committed before) and drops the events at or
// below the resume position: exact resume, no gap, no duplicate.
type position struct {
	commit pglogrepl.LSN
	seq    int64
}

func (p position) less(q position) bool {
	return p.commit < q.commit || p.commit == q.commit && p.seq < q.seq
}

func maxPos(p, q position) position {
	if p.less(q) {
		return q
	}
	return p
}

// resumePoint is what a committed offset says about where to go on.
type resumePoint struct {
	pos          position
	snapshotDone bool  // false: the offset is inside an unfinished snapshot
	signal       int64 // OffsetSignal; -1 when absent
}

// parseOffset reads a committed offset of this connector's partition.
func parseOffset(off map[string]any) (resumePoint, error) {
	signal := int64(-1)
	if v, ok := off[OffsetSignal]; ok && v != nil {
		n, err := sdk.OffsetInt64(v)
		if err != nil {
			return resumePoint{}, fmt.Errorf("%s: %v", OffsetSignal, err)
		}
		signal = n
	}
	if snap, _ := off[OffsetSnapshot].(bool); snap {
		last, _ := off[OffsetLastSnap].(bool)
		if !last {
			return resumePoint{signal: signal}, nil
		}
	}
	commit, err := sdk.OffsetInt64(off[OffsetLSNCommit])
	if err != nil {
		return resumePoint{}, fmt.Errorf("%s: %v", OffsetLSNCommit, err)
	}
	seq, err := sdk.OffsetInt64(off[OffsetSeq])
	if err != nil {
		return resumePoint{}, fmt.Errorf("%s: %v", OffsetSeq, err)
	}
	return resumePoint{pos: position{commit: pglogrepl.LSN(commit), seq: seq}, snapshotDone: true, signal: signal}, nil
}

// streamOffset is a streamed event's source offset; b (nil: none) boxes its
// numbers.
func streamOffset(b *boxer, commit, lsn pglogrepl.LSN, seq int64, xid uint32, tsUs int64) map[string]any {
	return map[string]any{
		OffsetLSNCommit: b.int64(int64(commit)), OffsetLSN: b.int64(int64(lsn)), OffsetSeq: b.int64(seq),
		OffsetTxID: b.int64(int64(xid)), OffsetTsUsec: b.int64(tsUs),
	}
}

// progress is the state the reader goroutine and Commit share; the reader
// looks at it before each receive and at least every tick.
type progress struct {
	mu struct {
		sync.Mutex
		committed position      // highest position the runtime made durable
		pushed    position      // highest position handed to Read
		flush     pglogrepl.LSN // what the slot may confirm: never beyond a committed position
	}
}

func newProgress() *progress { return &progress{} }

// commit records a durable position. Confirming its commit LSN (not the
// end of its transaction) keeps the transaction in the slot, so a restart
// sees it again and skips the events already delivered.
func (p *progress) commit(pos position) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mu.committed = maxPos(p.mu.committed, pos)
	p.mu.flush = max(p.mu.flush, pos.commit)
}

func (p *progress) pushed(pos position) {
	p.mu.Lock()
	p.mu.pushed = maxPos(p.mu.pushed, pos)
	p.mu.Unlock()
}

// idle moves the flush position to walEnd when everything handed to Read
// was committed and no transaction is open: the WAL before walEnd holds
// nothing this connector still has to deliver.
func (p *progress) idle(walEnd pglogrepl.LSN) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.mu.committed.less(p.mu.pushed) && walEnd > p.mu.flush {
		p.mu.flush = walEnd
	}
}

func (p *progress) flush() pglogrepl.LSN {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.flush
}

// setFloor raises the flush position to the slot's confirmed position at
// connect (PostgreSQL 15 lets a lower confirmation move the slot back).
func (p *progress) setFloor(lsn pglogrepl.LSN) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mu.flush = max(p.mu.flush, lsn)
}
