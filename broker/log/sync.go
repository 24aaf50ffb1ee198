package log

import (
	"errors"
	"fmt"
)

// Group commit. durable says every offset below it is on disk. A caller of
// Sync whose offset is not yet covered queues on flushMu; whoever holds it
// captures the current log end, fsyncs the segments that may hold unsynced
// data without holding mu (appends go on meanwhile), then publishes the
// captured end. Callers that queued behind it find their offset covered and
// return without an fsync of their own, so one fsync serves every append
// that completed before it began.

// Sync blocks until everything up to and including offset is fsynced.
func (l *Log) Sync(offset int64) error {
	if l.durable.Load() > offset {
		return nil
	}
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	if l.durable.Load() > offset {
		return nil
	}
	return l.flushFlushMuLocked()
}

// Flush fsyncs everything appended so far.
func (l *Log) Flush() error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	return l.flushFlushMuLocked()
}

// flushFlushMuLocked fsyncs all data appended before the call. flushMu must
// be held; mu must not be.
func (l *Log) flushFlushMuLocked() error {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	target := l.mu.end
	segs := append([]*segment(nil), l.mu.segs[l.segmentForLocked(l.durable.Load()):]...)
	dirDirty := l.mu.dirDirty
	unflushed := l.mu.unflushed
	l.mu.dirDirty, l.mu.unflushed = false, 0
	l.mu.lastFlush = l.opts.Now()
	l.mu.Unlock()

	// Segments cannot be closed meanwhile: that needs flushMu.
	var errs []error
	for _, s := range segs {
		errs = append(errs, s.sync())
	}
	if dirDirty {
		errs = append(errs, syncDir(l.dir))
	}
	if err := errors.Join(errs...); err != nil {
		l.mu.Lock()
		l.mu.dirDirty = l.mu.dirDirty || dirDirty
		l.mu.unflushed += unflushed
		l.mu.Unlock()
		return fmt.Errorf("flush log %s: %w", l.dir, err)
	}
	l.fsyncs.Add(1)
	if target > l.durable.Load() {
		l.durable.Store(target)
	}
	return nil
}
