package log

import (
	"errors"
	"fmt"
	"time"
)

// DeleteRecords raises the log start offset (DeleteRecords API); before ==
// -1 means LastStableOffset (EndOffset unless a transaction is open). Whole segments below the new start are deleted; the
// active segment never is. An offset below the current start changes
// nothing. ErrOffsetOutOfRange when before > EndOffset, or beyond the
// LastStableOffset (Kafka refuses beyond the high watermark; here an open
// transaction's data is never deleted by DeleteRecords). Retention still
// deletes whole segments by time and size regardless of open transactions,
// as Kafka does; LastStableOffset then never reports below the log start.
func (l *Log) DeleteRecords(before int64) (newStart int64, err error) {
	l.maintMu.Lock()
	defer l.maintMu.Unlock()
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return 0, ErrClosed
	}
	if before == -1 {
		before = l.lsoLocked()
	}
	if before < -1 || before > l.mu.end {
		return l.mu.start, fmt.Errorf("%w: delete records before %d, log end is %d", ErrOffsetOutOfRange, before, l.mu.end)
	}
	if lso := l.lsoLocked(); before > lso {
		return l.mu.start, fmt.Errorf("%w: delete records before %d, last stable offset is %d", ErrOffsetOutOfRange, before, lso)
	}
	if before <= l.mu.start {
		return l.mu.start, nil
	}
	if err := l.setStartLocked(before); err != nil {
		return l.mu.start, err
	}
	return l.mu.start, l.deleteSegmentsLocked(func(s, next *segment) bool { return next.base <= l.mu.start }, "delete records")
}

// setStartLocked moves the log start offset up and persists it.
func (l *Log) setStartLocked(start int64) error {
	if start <= l.mu.start {
		return nil
	}
	l.mu.start = start
	if l.mu.epochs.truncateFromStart(start) {
		if err := l.mu.epochs.write(l.dir); err != nil {
			return err
		}
	}
	return writeOffsetFile(l.dir, logStartOffsetFile, start)
}

// deleteSegmentsLocked deletes leading non-active segments while del
// approves them (s is the candidate, next the segment after it), then
// raises the log start offset to the first remaining segment. flushMu and
// mu must be held.
func (l *Log) deleteSegmentsLocked(del func(s, next *segment) bool, reason string) error {
	n := 0
	for n+1 < len(l.mu.segs) && del(l.mu.segs[n], l.mu.segs[n+1]) {
		n++
	}
	if n == 0 {
		return nil
	}
	var errs []error
	for _, s := range l.mu.segs[:n] {
		l.opts.Logger.Debug("deleting segment", "dir", l.dir, "segment", s.base, "reason", reason)
		errs = append(errs, s.remove(l.dir))
	}
	l.mu.segs = append([]*segment(nil), l.mu.segs[n:]...)
	errs = append(errs, l.setStartLocked(l.mu.segs[0].base))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: %w", reason, err)
	}
	return nil
}

// retain applies retention.ms and retention.bytes and drops segments wholly
// below the log start offset.
func (l *Log) retain(now time.Time, cfg *Config) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return ErrClosed
	}
	var errs []error
	errs = append(errs, l.deleteSegmentsLocked(func(s, next *segment) bool {
		return next.base <= l.mu.start
	}, "below log start offset"))
	if cfg.Delete && cfg.RetentionMs >= 0 {
		cutoff := now.UnixMilli() - cfg.RetentionMs
		errs = append(errs, l.deleteSegmentsLocked(func(s, _ *segment) bool {
			return s.maxTs < cutoff
		}, "retention.ms"))
	}
	if cfg.Delete && cfg.RetentionBytes >= 0 {
		excess := l.sizeLocked() - cfg.RetentionBytes
		errs = append(errs, l.deleteSegmentsLocked(func(s, _ *segment) bool {
			if excess-s.size < 0 {
				return false
			}
			excess -= s.size
			return true
		}, "retention.bytes"))
	}
	return errors.Join(errs...)
}
