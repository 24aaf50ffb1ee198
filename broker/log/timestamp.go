package log

import (
	"errors"
	"fmt"
)

// errFound stops a record walk.
var errFound = errors.New("found")

// recordTs is a record's timestamp under the batch's timestamp type.
func recordTs(h *batchHeader, r *record) int64 {
	if h.logAppendTime() {
		return h.MaxTimestamp
	}
	return h.BaseTimestamp + r.TsDelta
}

// OffsetForTimestamp returns the earliest offset whose record timestamp is
// >= ts (the exact record, decompressing its batch if needed) and that
// record's timestamp; ok=false if there is none. Records below the log
// start offset are not considered.
func (l *Log) OffsetForTimestamp(ts int64) (offset, timestamp int64, ok bool, err error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.mu.closed {
		return 0, 0, false, ErrClosed
	}
	start := l.mu.start
	for i := l.segmentForLocked(start); i < len(l.mu.segs); i++ {
		s := l.mu.segs[i]
		if s.maxTs < ts {
			continue
		}
		rel, err := s.tidx.lookup(ts)
		if err != nil {
			return 0, 0, false, fmt.Errorf("segment %d time index: %w", s.base, err)
		}
		pos, _, err := s.find(max(s.base+int64(rel), start))
		if err != nil {
			return 0, 0, false, err
		}
		var buf [batchHeaderLen]byte
		for pos < s.size {
			h, err := s.readHeader(pos, buf[:])
			if err != nil {
				return 0, 0, false, err
			}
			if h.MaxTimestamp >= ts && h.NumRecords > 0 {
				b, h, err := s.readBatch(pos)
				if err != nil {
					return 0, 0, false, err
				}
				err = forEachRecord(b, &h, func(r *record) error {
					off := h.BaseOffset + int64(r.OffsetDelta)
					if rt := recordTs(&h, r); off >= start && rt >= ts {
						offset, timestamp = off, rt
						return errFound
					}
					return nil
				})
				if errors.Is(err, errFound) {
					return offset, timestamp, true, nil
				}
				if err != nil {
					return 0, 0, false, fmt.Errorf("segment %d batch %d: %w", s.base, h.BaseOffset, err)
				}
			}
			pos += h.size()
		}
	}
	return 0, 0, false, nil
}

// MaxTimestamp returns the offset and timestamp of the record with the
// largest timestamp (ListOffsets -3), the earliest such record on ties;
// ok=false when the log is empty.
func (l *Log) MaxTimestamp() (offset, timestamp int64, ok bool, err error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.mu.closed {
		return 0, 0, false, ErrClosed
	}
	var best *segment
	for _, s := range l.mu.segs {
		if s.maxTsOffset >= 0 && (best == nil || s.maxTs > best.maxTs) {
			best = s
		}
	}
	if best == nil {
		return 0, 0, false, nil
	}
	pos, _, err := best.find(best.maxTsOffset)
	if err != nil {
		return 0, 0, false, err
	}
	if pos >= best.size {
		return 0, 0, false, fmt.Errorf("segment %d: batch %d of the max timestamp is missing", best.base, best.maxTsOffset)
	}
	b, h, err := best.readBatch(pos)
	if err != nil {
		return 0, 0, false, err
	}
	offset, timestamp = h.lastOffset(), h.MaxTimestamp
	err = forEachRecord(b, &h, func(r *record) error {
		if recordTs(&h, r) == h.MaxTimestamp {
			offset = h.BaseOffset + int64(r.OffsetDelta)
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return 0, 0, false, fmt.Errorf("segment %d batch %d: %w", best.base, h.BaseOffset, err)
	}
	return offset, timestamp, true, nil
}
