package log

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Log is the partition log of one topic partition, kept in its own
// directory. All methods are safe for concurrent use.
//
// Ownership:
//   - mu guards the segment list, offsets, producer and epoch state. Append
//     and the maintenance paths take it for writing; Read and the offset
//     queries take it for reading and pread the files while holding it, so
//     a segment file is never closed under a reader.
//   - flushMu serializes fsyncs (group commit, see sync.go) and is taken
//     before mu by anything that closes or deletes segment files, so an
//     fsync running without mu never sees a closed file. Lock order:
//     maintMu, flushMu, mu.
//   - maintMu serializes the heavy maintenance paths (Maintain,
//     DeleteRecords) without blocking Append or Read.
//   - cfg is an atomic pointer so Append can validate before taking mu.
//   - durable is written only with flushMu held and read anywhere.
type Log struct {
	dir  string
	opts Options
	cfg  atomic.Pointer[Config]

	maintMu       sync.Mutex
	recoveryPoint int64        // last written recovery point; guarded by maintMu
	cleaner       cleanerState // guarded by maintMu
	flushMu       sync.Mutex
	durable       atomic.Int64 // every offset below it is fsynced
	fsyncs        atomic.Int64 // flushes done, for tests and metrics

	mu struct {
		sync.RWMutex
		closed    bool
		segs      []*segment // ascending base; the last one is active
		start     int64      // log start offset
		end       int64      // log end offset
		producers *producerState
		epochs    epochCache

		unflushed int64     // records appended since the last flush began
		lastFlush time.Time // when the last flush began
		dirDirty  bool      // a segment file was created since the last flush
	}
}

// AppendResult is what Append reports for one batch.
type AppendResult struct {
	BaseOffset     int64 // offset of the batch's first record
	LastOffset     int64
	LogAppendTime  int64 // -1 unless LogAppendTime
	LogStartOffset int64
	Duplicate      bool // idempotent retry: offsets are those of the original append, nothing written
}

// Open opens the log in dir, creating dir if missing, and recovers it (see
// recovery.go).
func Open(dir string, cfg Config, opts Options) (*Log, error) {
	l := &Log{dir: dir, opts: opts.withDefaults()}
	cfg = cfg.sanitized()
	l.cfg.Store(&cfg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open log %s: %w", dir, err)
	}
	if err := l.recover(); err != nil {
		l.closeSegments()
		return nil, fmt.Errorf("open log %s: %w", dir, err)
	}
	return l, nil
}

// Config returns the current configuration.
func (l *Log) Config() Config { return *l.cfg.Load() }

// SetConfig replaces the configuration; it applies to the next Append and
// the next Maintain.
func (l *Log) SetConfig(cfg Config) {
	cfg = cfg.sanitized()
	l.cfg.Store(&cfg)
}

// Append validates one RecordBatch, assigns offsets, stamps leaderEpoch
// into partitionLeaderEpoch, applies the idempotent producer checks and
// writes it. The batch's offset and epoch fields (and, for LogAppendTime,
// its attributes, maxTimestamp and CRC) are rewritten in place; the slice
// is not retained.
//
// A transactional batch (attribute bit 0x10) opens the producer's
// transaction or continues it (txn.go); a non-transactional batch from a
// producer inside a transaction gives ErrInvalidTxnState. Control batches
// are refused: markers are written by AppendMarker.
func (l *Log) Append(batch []byte, leaderEpoch int32) (AppendResult, error) {
	return l.appendFrom(batch, leaderEpoch, originClient)
}

func (l *Log) appendFrom(batch []byte, leaderEpoch int32, origin appendOrigin) (AppendResult, error) {
	cfg := l.cfg.Load()
	h, err := validateBatch(batch, cfg, origin)
	if err != nil {
		return AppendResult{}, err
	}
	res, flush, err := l.appendValidated(batch, &h, leaderEpoch, cfg, origin, false)
	if err != nil || !flush {
		return res, err
	}
	// flush.messages reached: the batch is durable before it is acked.
	if err := l.Sync(res.LastOffset); err != nil {
		return AppendResult{}, err
	}
	return res, nil
}

// appendValidated writes a validated batch. commit is the marker type when
// origin is originMarker.
func (l *Log) appendValidated(batch []byte, h *batchHeader, leaderEpoch int32, cfg *Config, origin appendOrigin, commit bool) (AppendResult, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return AppendResult{}, false, ErrClosed
	}
	pc, err := l.mu.producers.check(h, origin)
	if err != nil {
		return AppendResult{}, false, err
	}
	if d := pc.duplicate; d != nil {
		return AppendResult{
			BaseOffset:     d.BaseOffset,
			LastOffset:     d.LastOffset,
			LogAppendTime:  -1,
			LogStartOffset: l.mu.start,
			Duplicate:      true,
		}, false, nil
	}
	now := l.opts.Now()
	base := l.mu.end
	last := base + int64(h.LastOffsetDelta)
	if err := l.maybeRollLocked(int64(len(batch)), last, now, cfg); err != nil {
		return AppendResult{}, false, err
	}
	stampBatch(batch, base, leaderEpoch)
	h.BaseOffset, h.LeaderEpoch = base, leaderEpoch
	appendTime := int64(-1)
	if cfg.LogAppendTime && !h.isControl() {
		appendTime = now.UnixMilli()
		setLogAppendTime(batch, appendTime)
		h.MaxTimestamp, h.Attributes = appendTime, h.Attributes|attrLogAppendTime
	}
	if err := l.activeLocked().append(batch, h, cfg.IndexIntervalBytes); err != nil {
		return AppendResult{}, false, err
	}
	l.mu.end = last + 1
	l.mu.producers.update(h)
	if origin == originMarker {
		if c, aborted := endTxn(l.mu.producers, h, commit); aborted {
			if err := l.activeLocked().txn.add(c); err != nil {
				return AppendResult{}, false, fmt.Errorf("write segment %d txn index: %w", l.activeLocked().base, err)
			}
		}
	}
	if l.mu.epochs.assign(leaderEpoch, base) {
		if err := l.mu.epochs.write(l.dir); err != nil {
			return AppendResult{}, false, err
		}
	}
	l.mu.unflushed += int64(h.NumRecords)
	return AppendResult{
		BaseOffset:     base,
		LastOffset:     last,
		LogAppendTime:  appendTime,
		LogStartOffset: l.mu.start,
	}, l.mu.unflushed >= cfg.FlushMessages, nil
}

func (l *Log) activeLocked() *segment { return l.mu.segs[len(l.mu.segs)-1] }

// maybeRollLocked starts a new segment when the active one cannot take a
// batch of size bytes ending at last, or is older than segment.ms.
func (l *Log) maybeRollLocked(size, last int64, now time.Time, cfg *Config) error {
	a := l.activeLocked()
	if a.size == 0 {
		return nil
	}
	if a.size+size > cfg.SegmentBytes || !a.fits(last) ||
		elapsedMs(a.rollTime, now) >= cfg.SegmentMs {
		return l.rollLocked(now)
	}
	return nil
}

// rollLocked closes the active segment for appends and starts a new one at
// the log end offset, writing a producer snapshot for that offset.
func (l *Log) rollLocked(now time.Time) error {
	a := l.activeLocked()
	if a.size == 0 {
		return nil
	}
	if err := a.indexTime(); err != nil {
		return err
	}
	s, err := openSegment(l.dir, l.mu.end, now)
	if err != nil {
		return err
	}
	l.mu.segs = append(l.mu.segs, s)
	l.mu.dirDirty = true
	// Not fsynced: a lost snapshot only costs a longer replay.
	if err := writeSnapshot(l.dir, l.mu.end, l.mu.producers, false); err != nil {
		l.opts.Logger.Warn("producer snapshot at roll failed", "dir", l.dir, "err", err)
	}
	return nil
}

// Read returns whole stored batches, beginning with the batch that contains
// offset (or the first batch after it if offset falls in a compaction gap),
// only batches with baseOffset < upTo, stopping before maxBytes would be
// exceeded, except that the first batch is returned whole even if larger
// than maxBytes when minOne is true (KIP-74). Offsets outside [StartOffset,
// EndOffset] give ErrOffsetOutOfRange; offset == EndOffset gives empty, nil.
func (l *Log) Read(offset int64, maxBytes int32, upTo int64, minOne bool) ([]byte, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.mu.closed {
		return nil, ErrClosed
	}
	if offset < l.mu.start || offset > l.mu.end {
		return nil, fmt.Errorf("%w: %d not in [%d, %d]", ErrOffsetOutOfRange, offset, l.mu.start, l.mu.end)
	}
	if offset == l.mu.end {
		return nil, nil
	}
	var out []byte
	var buf [batchHeaderLen]byte
	for i := l.segmentForLocked(offset); i < len(l.mu.segs); i++ {
		s := l.mu.segs[i]
		from, _, err := s.find(offset)
		if err != nil {
			return nil, err
		}
		to, done := from, false
		for to < s.size {
			h, err := s.readHeader(to, buf[:])
			if err != nil {
				return nil, fmt.Errorf("read segment %d at %d: %w", s.base, to, err)
			}
			if h.BaseOffset >= upTo {
				done = true
				break
			}
			if int64(len(out))+(to-from)+h.size() > int64(maxBytes) && !(minOne && len(out) == 0 && to == from) {
				done = true
				break
			}
			to += h.size()
		}
		if to > from {
			n := len(out)
			out = append(out, make([]byte, to-from)...)
			if _, err := s.log.ReadAt(out[n:], from); err != nil {
				return nil, fmt.Errorf("read segment %d at %d: %w", s.base, from, err)
			}
		}
		if done {
			break
		}
	}
	return out, nil
}

// segmentForLocked returns the index of the last segment whose base is <=
// offset (0 when offset precedes them all).
func (l *Log) segmentForLocked(offset int64) int {
	i := sort.Search(len(l.mu.segs), func(i int) bool { return l.mu.segs[i].base > offset })
	return max(i-1, 0)
}

// StartOffset returns the log start offset.
func (l *Log) StartOffset() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.mu.start
}

// EndOffset returns the log end offset: the next offset to be assigned.
func (l *Log) EndOffset() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.mu.end
}

// Size returns the bytes of batches on disk in segments.
func (l *Log) Size() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.sizeLocked()
}

func (l *Log) sizeLocked() int64 {
	var n int64
	for _, s := range l.mu.segs {
		n += s.size
	}
	return n
}

// EndOffsetForEpoch follows OffsetForLeaderEpoch: the largest epoch <=
// requested and the end offset of that epoch (start offset of the next
// higher epoch, or EndOffset for the latest); (-1,-1) when the requested
// epoch is before all known epochs.
func (l *Log) EndOffsetForEpoch(epoch int32) (leaderEpoch int32, endOffset int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.mu.epochs.endOffsetFor(epoch, l.mu.end)
}

// Close flushes, writes a producer snapshot and marks a clean shutdown.
func (l *Log) Close() error {
	l.maintMu.Lock()
	defer l.maintMu.Unlock()
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return ErrClosed
	}
	l.mu.closed = true
	var errs []error
	a := l.activeLocked()
	errs = append(errs, a.indexTime())
	for _, s := range l.mu.segs[l.segmentForLocked(l.durable.Load()):] {
		errs = append(errs, s.sync())
	}
	errs = append(errs, syncDir(l.dir))
	if err := errors.Join(errs...); err != nil {
		l.closeSegments()
		return fmt.Errorf("close log %s: %w", l.dir, err)
	}
	l.durable.Store(l.mu.end)
	errs = append(errs,
		writeSnapshot(l.dir, l.mu.end, l.mu.producers, true),
		writeOffsetFile(l.dir, recoveryPointFile, l.mu.end),
		writeOffsetFile(l.dir, cleanShutdownFile, l.mu.end),
	)
	errs = append(errs, l.closeSegments())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close log %s: %w", l.dir, err)
	}
	return nil
}

func (l *Log) closeSegments() error {
	var errs []error
	for _, s := range l.mu.segs {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// Remove closes the log and deletes its directory.
func (l *Log) Remove() error {
	if err := l.Close(); err != nil && !errors.Is(err, ErrClosed) {
		l.opts.Logger.Warn("close before remove failed", "dir", l.dir, "err", err)
	}
	if err := os.RemoveAll(l.dir); err != nil {
		return fmt.Errorf("remove log %s: %w", l.dir, err)
	}
	return nil
}
