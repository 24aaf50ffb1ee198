package log

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Compaction (cleanup.policy=compact), after Kafka's log cleaner.
//
// The cleanable range is the leading non-active segments whose newest
// record is older than min.compaction.lag.ms and that lie wholly below the
// last stable offset (transactions: compact_txn.go). firstDirty splits it into a
// clean head (already compacted) and a dirty tail. A pass runs when
// dirty/(clean+dirty) >= min.cleanable.dirty.ratio, or when a retained
// tombstone's delete horizon has passed. It
//
//  1. maps MD5(key) -> latest offset over the dirty tail (off-lock),
//  2. rewrites the cleanable segments, merging neighbours while the sum
//     stays within segment.bytes, into <base>.log.cleaned (+ indexes),
//     dropping records whose key has a later offset in the map and
//     tombstones first cleaned more than delete.retention.ms ago; batches
//     left untouched are copied byte for byte, changed ones are re-encoded
//     uncompressed with the surviving records (offset deltas kept) and a
//     new CRC; a batch with no survivors disappears unless it is the last
//     of its output segment, which stays as an empty batch so segments
//     remain contiguous (recovery relies on that),
//  3. under flushMu and mu, writes a producer snapshot at the log end (so
//     idempotence never needs a removed batch) and swaps each output in
//     with the crash-safe protocol of compact_swap.go.
//
// Tombstone age: each pass records (upTo, time). A tombstone at offset o
// was first cleaned by the earliest pass with upTo > o; it is removed once
// that time plus delete.retention.ms has passed.

const (
	cleanedExt            = ".cleaned"
	cleanerCheckpointFile = "cleaner-checkpoint"
	// maxOffsetMapEntries bounds the memory of one pass (~40 B per key);
	// a longer dirty tail is cleaned over several passes.
	maxOffsetMapEntries = 1 << 22
)

type cleanPass struct{ UpTo, AtMs int64 }

// cleanerState is guarded by Log.maintMu.
type cleanerState struct {
	firstDirty   int64
	tombstoneDue int64 // ms when a retained tombstone expires; MaxInt64 if none
	passes       []cleanPass
}

// firstCleaned returns when offset o was first cleaned, or now when this
// pass is the first.
func (c *cleanerState) firstCleaned(o, nowMs int64) int64 {
	for _, p := range c.passes {
		if o < p.UpTo {
			return p.AtMs
		}
	}
	return nowMs
}

// record notes a pass; passes older than the retention merge into one.
func (c *cleanerState) record(upTo, nowMs, deleteRetentionMs int64) {
	if upTo > c.firstDirty {
		c.firstDirty = upTo
		c.passes = append(c.passes, cleanPass{upTo, nowMs})
	}
	var expired *cleanPass
	kept := c.passes[:0]
	for _, p := range c.passes {
		if p.AtMs+deleteRetentionMs <= nowMs {
			if expired == nil {
				kept = append(kept, p)
				expired = &kept[len(kept)-1]
			} else {
				*expired = cleanPass{max(expired.UpTo, p.UpTo), max(expired.AtMs, p.AtMs)}
			}
			continue
		}
		kept = append(kept, p)
	}
	c.passes = kept
}

func (c *cleanerState) encode() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "1\n%d\n%d\n%d\n", c.firstDirty, c.tombstoneDue, len(c.passes))
	for _, p := range c.passes {
		fmt.Fprintf(&b, "%d %d\n", p.UpTo, p.AtMs)
	}
	return []byte(b.String())
}

// recoverCleaner loads the cleaner checkpoint; without one the whole log
// counts as dirty.
func (l *Log) recoverCleaner() error {
	l.cleaner = cleanerState{tombstoneDue: math.MaxInt64}
	b, err := os.ReadFile(filepath.Join(l.dir, cleanerCheckpointFile))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var c cleanerState
	var n int
	rest := strings.NewReader(string(b))
	var version int
	if _, err := fmt.Fscan(rest, &version, &c.firstDirty, &c.tombstoneDue, &n); err != nil || version != 1 || n < 0 {
		l.opts.Logger.Warn("ignoring malformed cleaner checkpoint", "dir", l.dir)
		return nil
	}
	for range n {
		var p cleanPass
		if _, err := fmt.Fscan(rest, &p.UpTo, &p.AtMs); err != nil {
			l.opts.Logger.Warn("ignoring malformed cleaner checkpoint", "dir", l.dir)
			return nil
		}
		c.passes = append(c.passes, p)
	}
	l.cleaner = c
	return nil
}

// compact runs one compaction pass when due. maintMu must be held.
func (l *Log) compact(now time.Time, cfg *Config) error {
	nowMs := now.UnixMilli()
	l.mu.RLock()
	if l.mu.closed {
		l.mu.RUnlock()
		return ErrClosed
	}
	// Non-active segments are immutable while maintMu is held: only
	// maintenance deletes or replaces them.
	segs := append([]*segment(nil), l.mu.segs[:len(l.mu.segs)-1]...)
	start := l.mu.start
	lso := l.lsoLocked()
	l.mu.RUnlock()

	n := 0
	for n < len(segs) && segs[n].maxTs <= nowMs-cfg.MinCompactionLagMs && segs[n].next <= lso {
		n++
	}
	segs = segs[:n]
	if n == 0 {
		return nil
	}
	firstDirty := max(l.cleaner.firstDirty, start)
	var clean, dirty int64
	for _, s := range segs {
		if s.next <= firstDirty {
			clean += s.size
		} else {
			dirty += s.size
		}
	}
	ratioDue := dirty > 0 && float64(dirty)/float64(clean+dirty) >= cfg.MinCleanableDirtyRatio
	if !ratioDue && l.cleaner.tombstoneDue > nowMs {
		return nil
	}

	// Markers of these transactions may lie beyond the range (even in the
	// active segment); abortedLocked reads up to them.
	l.mu.RLock()
	aborted, err := l.abortedLocked(segs[0].base, segs[len(segs)-1].next)
	l.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	latest, segs, err := buildOffsetMap(segs, firstDirty, newAbortedFilter(aborted))
	if err != nil {
		return err
	}
	if len(segs) == 0 {
		return nil
	}
	upTo := segs[len(segs)-1].next
	tombstoneDue := int64(math.MaxInt64)
	groups := groupSegments(segs, cfg.SegmentBytes)
	outs := make([]*segment, len(groups))
	defer func() {
		for _, o := range outs {
			if o != nil && o.suffix != "" {
				_ = o.remove(l.dir)
			}
		}
	}()
	for i, g := range groups {
		out, due, err := l.cleanGroup(g, latest, newAbortedFilter(aborted), firstDirty, nowMs, cfg, now)
		if err != nil {
			return err
		}
		outs[i] = out
		tombstoneDue = min(tombstoneDue, due)
	}
	if err := l.swapCleaned(groups, outs); err != nil {
		return err
	}
	l.cleaner.record(upTo, nowMs, cfg.DeleteRetentionMs)
	l.cleaner.tombstoneDue = tombstoneDue
	return writeFileAtomic(filepath.Join(l.dir, cleanerCheckpointFile), l.cleaner.encode(), true)
}
