package log

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// recover loads the directory into l. Segments are trusted (indexes used as
// they are) after a clean shutdown or when they lie wholly below the
// recovery point; every other segment, and any whose indexes fail a sanity
// check, is rebuilt by reading each batch and checking its length, magic,
// CRC and offsets. The first bad batch ends the log: the segment is
// truncated there and later segments are deleted, as they are when a
// segment ends short of the next one's base. Producer state (with open
// transactions) is the newest snapshot at or below the end plus a replay of
// the batches after it, which also rebuilds the .txnindex of every segment
// from the first one whose index is not trusted (txn_recovery.go); the
// leader epoch cache is the checkpoint plus the epochs of rebuilt batches. Called by Open before l is shared, so mu is not taken.
func (l *Log) recover() error {
	dir := l.dir
	now := l.opts.Now()
	cfg := l.cfg.Load()
	_, clean := readOffsetFile(dir, cleanShutdownFile)
	recoveryPoint, _ := readOffsetFile(dir, recoveryPointFile)
	if err := completeSwaps(dir); err != nil {
		return err
	}
	bases, err := scanDir(dir)
	if err != nil {
		return err
	}
	if err := l.recoverCleaner(); err != nil {
		return err
	}

	var rebuiltEpochs []epochEntry
	next := int64(-1)
	txnRebuildFrom := int64(math.MaxInt64) // base of the first segment whose .txnindex is not trusted
	for i, base := range bases {
		_, statErr := os.Stat(segmentPath(dir, base, txnIndexExt))
		txnExisted := statErr == nil
		s, err := openSegment(dir, base, now)
		if err != nil {
			return err
		}
		l.mu.segs = append(l.mu.segs, s)
		st, err := s.log.Stat()
		if err != nil {
			return fmt.Errorf("stat segment %d: %w", base, err)
		}
		s.size = st.Size()
		if base < next {
			return fmt.Errorf("segment %d overlaps the previous segment ending at %d", base, next)
		}
		trusted := clean || (i+1 < len(bases) && bases[i+1] <= recoveryPoint)
		if trusted {
			if err := s.loadTrusted(); err != nil {
				l.opts.Logger.Warn("rebuilding segment indexes", "dir", dir, "segment", base, "reason", err)
				trusted = false
			}
		}
		if !trusted {
			complete, err := s.rebuild(cfg.IndexIntervalBytes, &rebuiltEpochs, l.opts.Logger)
			if err != nil {
				return err
			}
			if err := s.sync(); err != nil {
				return fmt.Errorf("sync segment %d: %w", base, err)
			}
			if !complete {
				txnRebuildFrom = min(txnRebuildFrom, base)
				if err := l.dropSegmentsFrom(bases[i+1:]); err != nil {
					return err
				}
				break
			}
		}
		if txnRebuildFrom == math.MaxInt64 && !l.txnIndexTrusted(s, trusted, txnExisted) {
			txnRebuildFrom = base
		}
		s.setRollTime(now)
		next = s.next
		if i+1 < len(bases) && s.next != bases[i+1] {
			// Segments are contiguous (compaction keeps the last batch of
			// every segment), so a short segment lost its tail: what
			// follows cannot be part of an intact prefix.
			l.opts.Logger.Warn("segment ends before the next one starts", "dir", dir,
				"segment", base, "end", s.next, "next_segment", bases[i+1])
			if err := l.dropSegmentsFrom(bases[i+1:]); err != nil {
				return err
			}
			break
		}
	}

	startFile, _ := readOffsetFile(dir, logStartOffsetFile)
	if len(l.mu.segs) == 0 {
		s, err := openSegment(dir, max(startFile, 0), now)
		if err != nil {
			return err
		}
		l.mu.segs = append(l.mu.segs, s)
	}
	l.mu.end = l.activeLocked().next
	l.mu.start = min(max(l.mu.segs[0].base, startFile), l.mu.end)

	epochs, err := readEpochCache(dir)
	if err != nil {
		l.opts.Logger.Warn("rebuilding leader epoch cache", "dir", dir, "reason", err)
		rebuiltEpochs = nil
		if err := l.forEachHeaderLocked(l.mu.start, func(h *batchHeader) {
			rebuiltEpochs = append(rebuiltEpochs, epochEntry{h.LeaderEpoch, h.BaseOffset})
		}); err != nil {
			return err
		}
	}
	changed := err != nil
	changed = epochs.truncateFromEnd(l.mu.end) || changed
	for _, e := range rebuiltEpochs {
		changed = epochs.assign(e.Epoch, e.StartOffset) || changed
	}
	changed = epochs.truncateFromStart(l.mu.start) || changed
	l.mu.epochs = epochs
	if changed {
		if err := epochs.write(dir); err != nil {
			return err
		}
	}

	if err := l.recoverProducersLocked(txnRebuildFrom); err != nil {
		return err
	}

	// Everything is on disk now: rebuilt segments were fsynced above and
	// trusted ones were below the recovery point or cleanly closed.
	l.durable.Store(l.mu.end)
	l.recoveryPoint = l.mu.end
	l.mu.lastFlush = now
	if recoveryPoint != l.mu.end {
		if err := writeOffsetFile(dir, recoveryPointFile, l.mu.end); err != nil {
			return err
		}
	}
	if err := os.Remove(filepath.Join(dir, cleanShutdownFile)); err != nil && !os.IsNotExist(err) {
		return err
	}
	return syncDir(dir)
}

// scanDir returns the segment base offsets in dir, deleting leftovers of
// interrupted writes (*.tmp, *.cleaned) and index files without a log.
func scanDir(dir string) ([]int64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	logs := map[int64]bool{}
	var orphans []string
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, cleanedExt) {
			orphans = append(orphans, name)
			continue
		}
		stem, ext, _ := strings.Cut(name, ".")
		if len(stem) != 20 {
			continue
		}
		base, err := strconv.ParseInt(stem, 10, 64)
		if err != nil {
			continue
		}
		switch ext {
		case "log":
			logs[base] = true
		case "index", "timeindex", "txnindex":
			if _, err := os.Stat(segmentPath(dir, base, ".log")); os.IsNotExist(err) {
				orphans = append(orphans, name)
			}
		}
	}
	for _, name := range orphans {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	bases := make([]int64, 0, len(logs))
	for b := range logs {
		bases = append(bases, b)
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	return bases, nil
}

func (l *Log) dropSegmentsFrom(bases []int64) error {
	for _, b := range bases {
		l.opts.Logger.Warn("deleting segment after a corrupt one", "dir", l.dir, "segment", b)
		for _, ext := range []string{".log", ".index", ".timeindex", txnIndexExt} {
			if err := os.Remove(segmentPath(l.dir, b, ext)); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}

// loadTrusted fills the in-memory summary from the indexes, reading only
// the batch headers after the last index entry.
func (s *segment) loadTrusted() error {
	if err := s.idx.validFor(s.size); err != nil {
		return err
	}
	if s.size > 0 && s.idx.entries == 0 {
		return errors.New("empty index for a non-empty segment")
	}
	if st, err := s.tidx.f.Stat(); err != nil || st.Size()%timeEntryLen != 0 {
		return errors.New("time index size is not a whole number of entries")
	}
	var pos int64
	if s.idx.entries > 0 {
		_, p, err := s.idx.entry(s.idx.entries - 1)
		if err != nil {
			return err
		}
		pos = int64(p)
	}
	s.indexedBytes = s.size - pos
	var buf [batchHeaderLen]byte
	for pos < s.size {
		h, err := s.readHeader(pos, buf[:])
		if err != nil || h.size() < batchHeaderLen || pos+h.size() > s.size || h.BaseOffset < s.base {
			return fmt.Errorf("bad batch header at %d", pos)
		}
		s.next = h.lastOffset() + 1
		if h.MaxTimestamp > s.maxTs {
			s.maxTs, s.maxTsOffset = h.MaxTimestamp, h.BaseOffset
		}
		pos += h.size()
	}
	ts, rel, ok, err := s.tidx.last()
	if err != nil {
		return err
	}
	if ok {
		s.lastTidxTs = ts
		if ts >= s.maxTs {
			s.maxTs, s.maxTsOffset = ts, s.base+int64(rel)
		}
	}
	return nil
}

// rebuild verifies every batch and rewrites the indexes. It reports
// complete=false when it truncated a bad tail.
func (s *segment) rebuild(indexInterval int32, epochs *[]epochEntry, logger interface {
	Warn(string, ...any)
}) (complete bool, err error) {
	if err := s.idx.truncate(0); err != nil {
		return false, err
	}
	if err := s.tidx.truncate(0); err != nil {
		return false, err
	}
	s.next, s.maxTs, s.maxTsOffset, s.lastTidxTs, s.indexedBytes = s.base, -1, -1, -1, 0
	var buf []byte
	var pos int64
	reason := ""
	for pos < s.size {
		var lenBuf [lengthFieldEnd]byte
		if pos+lengthFieldEnd > s.size {
			reason = "torn batch length"
			break
		}
		if _, err := s.log.ReadAt(lenBuf[:], pos); err != nil {
			return false, fmt.Errorf("read segment %d: %w", s.base, err)
		}
		n := lengthFieldEnd + int64(int32(binary.BigEndian.Uint32(lenBuf[8:])))
		if n < batchHeaderLen || pos+n > s.size {
			reason = "torn or bad batch length"
			break
		}
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		b := buf[:n]
		if _, err := s.log.ReadAt(b, pos); err != nil && !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("read segment %d: %w", s.base, err)
		}
		h, err := checkFraming(b)
		if err != nil {
			reason = err.Error()
			break
		}
		if h.BaseOffset < s.next || h.LastOffsetDelta < 0 || !s.fits(h.lastOffset()) {
			reason = fmt.Sprintf("batch offset %d out of order", h.BaseOffset)
			break
		}
		if err := s.track(pos, &h, indexInterval); err != nil {
			return false, err
		}
		s.next = h.lastOffset() + 1
		*epochs = append(*epochs, epochEntry{h.LeaderEpoch, h.BaseOffset})
		pos += n
	}
	if err := s.indexTime(); err != nil {
		return false, err
	}
	if pos == s.size {
		return true, nil
	}
	logger.Warn("truncating log segment at the first bad batch", "segment", s.base,
		"position", pos, "dropped_bytes", s.size-pos, "reason", reason)
	if err := s.log.Truncate(pos); err != nil {
		return false, fmt.Errorf("truncate segment %d: %w", s.base, err)
	}
	s.size = pos
	return false, nil
}

// setRollTime starts segment.ms from the first batch's timestamp when it is
// in the past (Kafka's rule), else from now.
func (s *segment) setRollTime(now time.Time) {
	var buf [batchHeaderLen]byte
	if h, err := s.readHeader(0, buf[:]); err == nil && h.MaxTimestamp > 0 && h.MaxTimestamp < now.UnixMilli() {
		s.rollTime = time.UnixMilli(h.MaxTimestamp)
		return
	}
	s.rollTime = now
}

// forEachHeaderLocked calls fn for the header of every batch whose last
// offset is >= from, in offset order.
func (l *Log) forEachHeaderLocked(from int64, fn func(h *batchHeader)) error {
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
			fn(&h)
			pos += h.size()
		}
	}
	return nil
}
