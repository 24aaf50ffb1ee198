package dlq

import (
	"context"
	"time"
)

// limiter paces records to a rate: each take reserves the next slot, one
// interval after the previous one, and waits for it. There is no burst: a
// replay that was idle does not get to catch up. It is used by one
// goroutine.
type limiter struct {
	interval time.Duration
	next     time.Time
	now      func() time.Time
	wait     func(ctx context.Context, d time.Duration) error
}

// newLimiter returns a limiter for rate records per second, or nil (no
// limit) when rate <= 0. now and wait default to the real clock.
func newLimiter(rate float64, now func() time.Time, wait func(context.Context, time.Duration) error) *limiter {
	if rate <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	if wait == nil {
		wait = sleepCtx
	}
	return &limiter{interval: time.Duration(float64(time.Second) / rate), now: now, wait: wait}
}

// take waits for the next slot.
func (l *limiter) take(ctx context.Context) error {
	if l == nil {
		return nil
	}
	now := l.now()
	if l.next.Before(now) {
		l.next = now
	}
	d := l.next.Sub(now)
	l.next = l.next.Add(l.interval)
	if d <= 0 {
		return nil
	}
	return l.wait(ctx, d)
}

// sleepCtx waits d or until ctx ends. This is pacing, not waiting for a
// condition.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
