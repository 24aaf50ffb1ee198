package log

import (
	"fmt"
	"sort"
)

// Recovery of transaction state. A segment's .txnindex is trusted when the
// segment itself was (clean shutdown, or wholly below the recovery point:
// segment.sync fsyncs the txnindex with the log), the file existed before
// Open and its entries are sane. From the first untrusted one on, every
// segment's txnindex is emptied and rebuilt by the producer state replay:
// it starts from the newest snapshot at or below that segment (so open
// transactions that began earlier are known) or from the log start, and
// every ABORT marker it meets in those segments appends its entry again,
// exactly as AppendMarker did.
//
// Without a snapshot old enough the replay starts empty at the log start:
// a transaction that began before the log start is then seen to begin at
// its first surviving batch, which changes FirstOffset only for offsets
// that no longer exist. The same holds for aborted data removed by
// compaction (compact_txn.go).

// txnIndexTrusted reports whether s's txnindex can be used as it is.
func (l *Log) txnIndexTrusted(s *segment, segTrusted, existed bool) bool {
	if !segTrusted || !existed {
		return false
	}
	if err := s.txn.validFor(s.base, s.next); err != nil {
		l.opts.Logger.Warn("rebuilding txn index", "dir", l.dir, "segment", s.base, "reason", err)
		return false
	}
	return true
}

// recoverProducersLocked loads the producer snapshot, replays the log after
// it and rebuilds the txnindexes of segments with base >= rebuildFrom.
func (l *Log) recoverProducersLocked(rebuildFrom int64) error {
	first := sort.Search(len(l.mu.segs), func(i int) bool { return l.mu.segs[i].base >= rebuildFrom })
	for _, s := range l.mu.segs[first:] {
		if err := s.txn.truncate(0); err != nil {
			return fmt.Errorf("rebuild segment %d txn index: %w", s.base, err)
		}
	}
	p, snapOff := loadSnapshot(l.dir, l.mu.end, min(l.mu.end, rebuildFrom))
	if err := l.replayLocked(p, max(snapOff, l.mu.start), first); err != nil {
		return err
	}
	l.mu.producers = p
	for _, s := range l.mu.segs[first:] {
		if err := s.txn.f.Sync(); err != nil {
			return fmt.Errorf("sync segment %d txn index: %w", s.base, err)
		}
	}
	return nil
}

// replayLocked applies every batch whose last offset is >= from to p, in
// offset order, as Append did: data batches through update, markers also
// through endTxn. Aborts in segments at index >= indexFrom are appended to
// their txnindex.
func (l *Log) replayLocked(p *producerState, from int64, indexFrom int) error {
	var buf [batchHeaderLen]byte
	for i := l.segmentForLocked(from); i < len(l.mu.segs); i++ {
		s := l.mu.segs[i]
		pos, _, err := s.find(from)
		if err != nil {
			return err
		}
		for pos < s.size {
			h, err := s.readHeader(pos, buf[:])
			if err != nil {
				return fmt.Errorf("segment %d at %d: %w", s.base, pos, err)
			}
			p.update(&h)
			if h.isControl() && h.isTransactional() {
				b, _, err := s.readBatch(pos)
				if err != nil {
					return fmt.Errorf("segment %d at %d: %w", s.base, pos, err)
				}
				if commit, ok := parseMarker(b, &h); ok {
					if c, aborted := endTxn(p, &h, commit); aborted && i >= indexFrom {
						if err := s.txn.add(c); err != nil {
							return fmt.Errorf("rebuild segment %d txn index: %w", s.base, err)
						}
					}
				}
			}
			pos += h.size()
		}
	}
	return nil
}
