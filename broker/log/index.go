package log

import (
	"encoding/binary"
	"fmt"
	"os"
)

// Index files hold fixed size entries appended as the segment grows; they
// are never preallocated and never cached in memory: lookups binary search
// the file with pread, so memory does not grow with data written.
//
//	.index      entry = relOffset uint32 | position uint32      (8 bytes)
//	.timeindex  entry = timestamp int64  | relOffset uint32     (12 bytes)
//
// relOffset is relative to the segment's base offset. Offset index
// entries point at a batch start and are strictly increasing in both
// fields. Time index entries are (largest timestamp so far, base offset of
// the batch that holds it), appended only when the timestamp grows, so
// they are increasing too.
const (
	offsetEntryLen = 8
	timeEntryLen   = 12
)

// entryFile is an append-only file of fixed size entries.
type entryFile struct {
	f       *os.File
	width   int64
	entries int64
}

func openEntryFile(path string, width int64) (*entryFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &entryFile{f: f, width: width, entries: st.Size() / width}, nil
}

func (e *entryFile) read(i int64, buf []byte) error {
	_, err := e.f.ReadAt(buf[:e.width], i*e.width)
	return err
}

func (e *entryFile) append(entry []byte) error {
	if _, err := e.f.WriteAt(entry, e.entries*e.width); err != nil {
		return err
	}
	e.entries++
	return nil
}

// truncate keeps the first n entries.
func (e *entryFile) truncate(n int64) error {
	if err := e.f.Truncate(n * e.width); err != nil {
		return err
	}
	e.entries = n
	return nil
}

// search returns the largest i with pred(i) true, assuming pred is true for
// a prefix of the entries; -1 when none is.
func (e *entryFile) search(pred func(entry []byte) bool) (int64, error) {
	var buf [timeEntryLen]byte
	lo, hi := int64(0), e.entries // invariant: pred(lo-1) true, pred(hi) false
	for lo < hi {
		mid := lo + (hi-lo)/2
		if err := e.read(mid, buf[:]); err != nil {
			return -1, err
		}
		if pred(buf[:e.width]) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo - 1, nil
}

type offsetIndex struct{ entryFile }

func openOffsetIndex(path string) (*offsetIndex, error) {
	e, err := openEntryFile(path, offsetEntryLen)
	if err != nil {
		return nil, err
	}
	return &offsetIndex{*e}, nil
}

func (x *offsetIndex) add(rel uint32, pos uint32) error {
	var b [offsetEntryLen]byte
	binary.BigEndian.PutUint32(b[0:], rel)
	binary.BigEndian.PutUint32(b[4:], pos)
	return x.append(b[:])
}

func (x *offsetIndex) entry(i int64) (rel uint32, pos uint32, err error) {
	var b [offsetEntryLen]byte
	if err := x.read(i, b[:]); err != nil {
		return 0, 0, err
	}
	return binary.BigEndian.Uint32(b[0:]), binary.BigEndian.Uint32(b[4:]), nil
}

// lookup returns the file position of the last indexed batch whose
// relative base offset is <= rel, or 0.
func (x *offsetIndex) lookup(rel uint32) (int64, error) {
	i, err := x.search(func(b []byte) bool { return binary.BigEndian.Uint32(b) <= rel })
	if err != nil || i < 0 {
		return 0, err
	}
	_, pos, err := x.entry(i)
	return int64(pos), err
}

// validFor reports whether the index is plausible for a log of size bytes:
// a whole number of entries, increasing, the last inside the log.
func (x *offsetIndex) validFor(size int64) error {
	st, err := x.f.Stat()
	if err != nil {
		return err
	}
	if st.Size()%offsetEntryLen != 0 {
		return fmt.Errorf("index size %d is not a multiple of %d", st.Size(), offsetEntryLen)
	}
	if x.entries == 0 {
		return nil
	}
	_, pos, err := x.entry(x.entries - 1)
	if err != nil {
		return err
	}
	if int64(pos) >= size {
		return fmt.Errorf("last index entry at %d is past the log end %d", pos, size)
	}
	return nil
}

type timeIndex struct{ entryFile }

func openTimeIndex(path string) (*timeIndex, error) {
	e, err := openEntryFile(path, timeEntryLen)
	if err != nil {
		return nil, err
	}
	return &timeIndex{*e}, nil
}

func (x *timeIndex) add(ts int64, rel uint32) error {
	var b [timeEntryLen]byte
	binary.BigEndian.PutUint64(b[0:], uint64(ts))
	binary.BigEndian.PutUint32(b[8:], rel)
	return x.append(b[:])
}

func (x *timeIndex) entry(i int64) (ts int64, rel uint32, err error) {
	var b [timeEntryLen]byte
	if err := x.read(i, b[:]); err != nil {
		return 0, 0, err
	}
	return int64(binary.BigEndian.Uint64(b[0:])), binary.BigEndian.Uint32(b[8:]), nil
}

// last returns the last entry; ok=false when empty.
func (x *timeIndex) last() (ts int64, rel uint32, ok bool, err error) {
	if x.entries == 0 {
		return 0, 0, false, nil
	}
	ts, rel, err = x.entry(x.entries - 1)
	return ts, rel, err == nil, err
}

// lookup returns the relative offset of the batch to start scanning from for
// the first record with timestamp >= ts: the batch of the last entry whose
// timestamp is < ts (all records before it are older than ts), or 0.
func (x *timeIndex) lookup(ts int64) (uint32, error) {
	i, err := x.search(func(b []byte) bool { return int64(binary.BigEndian.Uint64(b)) < ts })
	if err != nil || i < 0 {
		return 0, err
	}
	_, rel, err := x.entry(i)
	return rel, err
}
