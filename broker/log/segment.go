package log

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"
)

// segment is one .log file with its .index and .timeindex. Only the active
// (last) segment is appended to; the others are immutable until retention
// deletes them or compaction replaces them. All fields are guarded by the
// owning Log's mu (writes under the write lock, reads under either lock);
// the files themselves are safe for concurrent pread.
type segment struct {
	base   int64
	suffix string // file name suffix: "" or cleanedExt while compaction builds it
	log    *os.File
	idx    *offsetIndex
	tidx   *timeIndex
	txn    *txnIndex

	size int64 // bytes of whole batches in log
	next int64 // offset after the last batch; base when empty

	maxTs       int64 // largest batch maxTimestamp, -1 when none
	maxTsOffset int64 // base offset of the batch holding maxTs
	lastTidxTs  int64 // timestamp of the last time index entry, -1 when none

	indexedBytes int64     // bytes appended since the last index entry
	rollTime     time.Time // segment.ms counts from here
}

func segmentPath(dir string, base int64, ext string) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", base, ext))
}

// openSegment opens (creating if needed) the files of the segment at base.
// It does not look at the content; the caller sets size/next by scanning or
// by trusting the indexes.
func openSegment(dir string, base int64, now time.Time) (*segment, error) {
	return openSegmentFiles(dir, base, "", now)
}

// openSegmentFiles opens the segment files with suffix appended to their
// names (compaction writes "<base>.log.cleaned" and so on).
func openSegmentFiles(dir string, base int64, suffix string, now time.Time) (*segment, error) {
	s := &segment{base: base, suffix: suffix, next: base, maxTs: -1, maxTsOffset: -1, lastTidxTs: -1, rollTime: now}
	var err error
	if s.log, err = os.OpenFile(segmentPath(dir, base, ".log"+suffix), os.O_RDWR|os.O_CREATE, 0o644); err != nil {
		return nil, fmt.Errorf("open segment %d: %w", base, err)
	}
	if s.idx, err = openOffsetIndex(segmentPath(dir, base, ".index"+suffix)); err != nil {
		s.close()
		return nil, fmt.Errorf("open segment %d index: %w", base, err)
	}
	if s.tidx, err = openTimeIndex(segmentPath(dir, base, ".timeindex"+suffix)); err != nil {
		s.close()
		return nil, fmt.Errorf("open segment %d time index: %w", base, err)
	}
	if s.txn, err = openTxnIndex(segmentPath(dir, base, txnIndexExt+suffix)); err != nil {
		s.close()
		return nil, fmt.Errorf("open segment %d txn index: %w", base, err)
	}
	return s, nil
}

func (s *segment) close() error {
	var errs []error
	for _, f := range []*os.File{s.log, s.idxFile(), s.tidxFile(), s.txnFile()} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	return errors.Join(errs...)
}

func (s *segment) idxFile() *os.File {
	if s.idx == nil {
		return nil
	}
	return s.idx.f
}

func (s *segment) txnFile() *os.File {
	if s.txn == nil {
		return nil
	}
	return s.txn.f
}

func (s *segment) tidxFile() *os.File {
	if s.tidx == nil {
		return nil
	}
	return s.tidx.f
}

// remove closes and deletes the segment's files.
func (s *segment) remove(dir string) error {
	err := s.close()
	for _, ext := range []string{".log", ".index", ".timeindex", txnIndexExt} {
		if rerr := os.Remove(segmentPath(dir, s.base, ext+s.suffix)); rerr != nil && !os.IsNotExist(rerr) {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

func (s *segment) sync() error {
	return errors.Join(s.log.Sync(), s.idx.f.Sync(), s.tidx.f.Sync(), s.txn.f.Sync())
}

// fits reports whether offsets up to last can be indexed relative to base.
func (s *segment) fits(last int64) bool { return last-s.base <= math.MaxUint32 }

// append writes a framed batch (already stamped) at the end of the segment
// and maintains the indexes.
func (s *segment) append(b []byte, h *batchHeader, indexInterval int32) error {
	pos := s.size
	if _, err := s.log.WriteAt(b, pos); err != nil {
		// Leave no partial batch behind a failed write.
		_ = s.log.Truncate(pos)
		return fmt.Errorf("write segment %d: %w", s.base, err)
	}
	s.size += int64(len(b))
	s.next = h.lastOffset() + 1
	return s.track(pos, h, indexInterval)
}

// track updates the in-memory summary and the indexes for a batch at pos.
// Used by append and by recovery's rebuild.
func (s *segment) track(pos int64, h *batchHeader, indexInterval int32) error {
	if h.MaxTimestamp > s.maxTs {
		s.maxTs, s.maxTsOffset = h.MaxTimestamp, h.BaseOffset
	}
	s.indexedBytes += h.size()
	if s.indexedBytes >= int64(indexInterval) || pos == 0 {
		if err := s.idx.add(uint32(h.BaseOffset-s.base), uint32(pos)); err != nil {
			return fmt.Errorf("write segment %d index: %w", s.base, err)
		}
		s.indexedBytes = 0
		return s.indexTime()
	}
	return nil
}

// indexTime appends a time index entry when the max timestamp grew since
// the last one. Also called at roll so a closed segment's last entry holds
// its max timestamp.
func (s *segment) indexTime() error {
	if s.maxTs <= s.lastTidxTs || s.maxTsOffset < 0 {
		return nil
	}
	if err := s.tidx.add(s.maxTs, uint32(s.maxTsOffset-s.base)); err != nil {
		return fmt.Errorf("write segment %d time index: %w", s.base, err)
	}
	s.lastTidxTs = s.maxTs
	return nil
}

// readHeader reads the batch header at pos; io.ErrUnexpectedEOF when fewer
// than batchHeaderLen bytes remain.
func (s *segment) readHeader(pos int64, buf []byte) (batchHeader, error) {
	if pos+batchHeaderLen > s.size {
		return batchHeader{}, io.ErrUnexpectedEOF
	}
	if _, err := s.log.ReadAt(buf[:batchHeaderLen], pos); err != nil {
		return batchHeader{}, err
	}
	return parseHeader(buf), nil
}

// find returns the position of the first batch whose last offset is >=
// offset, or s.size when there is none.
func (s *segment) find(offset int64) (int64, batchHeader, error) {
	var pos int64
	if offset > s.base {
		rel := offset - s.base
		if rel > math.MaxUint32 {
			rel = math.MaxUint32
		}
		var err error
		if pos, err = s.idx.lookup(uint32(rel)); err != nil {
			return 0, batchHeader{}, fmt.Errorf("segment %d index lookup: %w", s.base, err)
		}
	}
	var buf [batchHeaderLen]byte
	for pos < s.size {
		h, err := s.readHeader(pos, buf[:])
		if err != nil {
			return 0, batchHeader{}, fmt.Errorf("segment %d read at %d: %w", s.base, pos, err)
		}
		if h.lastOffset() >= offset {
			return pos, h, nil
		}
		pos += h.size()
	}
	return s.size, batchHeader{}, nil
}

// readBatch reads the whole batch at pos.
func (s *segment) readBatch(pos int64) ([]byte, batchHeader, error) {
	var buf [batchHeaderLen]byte
	h, err := s.readHeader(pos, buf[:])
	if err != nil {
		return nil, h, err
	}
	if pos+h.size() > s.size || h.size() < batchHeaderLen {
		return nil, h, fmt.Errorf("segment %d: batch at %d overruns the segment", s.base, pos)
	}
	b := make([]byte, h.size())
	if _, err := s.log.ReadAt(b, pos); err != nil {
		return nil, h, err
	}
	return b, h, nil
}

// lastBatchBase returns the base offset of the segment's last batch (-1
// when empty).
func (s *segment) lastBatchBase() int64 {
	if s.size == 0 {
		return -1
	}
	// The segment is contiguous with its last batch ending at next; its
	// header tells the base. Found through the index from next-1.
	pos, h, err := s.find(s.next - 1)
	if err != nil || pos >= s.size {
		return -1
	}
	return h.BaseOffset
}
