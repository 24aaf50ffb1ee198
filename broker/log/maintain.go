package log

import (
	"errors"
	"time"
)

// Maintain does the periodic work; the broker calls it every few seconds
// from one background goroutine: roll by segment.ms, flush by flush.ms and
// after a roll,
// retention by time and bytes, producer id expiration, the recovery point
// checkpoint, and compaction when due. Compaction builds cleaned segments
// without holding mu and swaps them in under it (compact.go).
func (l *Log) Maintain(now time.Time) error {
	l.maintMu.Lock()
	defer l.maintMu.Unlock()
	cfg := l.cfg.Load()
	var errs []error

	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	a := l.activeLocked()
	if a.size > 0 && elapsedMs(a.rollTime, now) >= cfg.SegmentMs {
		errs = append(errs, l.rollLocked(now))
	}
	l.mu.producers.expire(now.UnixMilli() - cfg.ProducerIDExpirationMs)
	// flush.ms, and (like Kafka) a flush once a segment has rolled, so
	// closed segments reach disk and the recovery point moves past them.
	flushDue := l.durable.Load() < l.mu.end && elapsedMs(l.mu.lastFlush, now) >= cfg.FlushMs ||
		l.durable.Load() < l.activeLocked().base
	l.mu.Unlock()

	if flushDue {
		errs = append(errs, l.Flush())
	}
	errs = append(errs, l.retain(now, cfg))
	if cfg.Compact {
		errs = append(errs, l.compact(now, cfg))
	}
	if rp := l.durable.Load(); rp != l.recoveryPoint {
		if err := writeOffsetFile(l.dir, recoveryPointFile, rp); err != nil {
			errs = append(errs, err)
		} else {
			l.recoveryPoint = rp
		}
	}
	return errors.Join(errs...)
}

func elapsedMs(since, now time.Time) int64 { return now.UnixMilli() - since.UnixMilli() }
