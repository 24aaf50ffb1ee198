package log

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Swapping a cleaned segment in, crash-safely. The output of a group
// [s1..sk] has s1's base and is fsynced under *.cleaned names. Then:
//
//  1. rename <base>.index.cleaned, .timeindex.cleaned and .txnindex.cleaned
//     to *.swap, then
//     <base>.log.cleaned to <base>.log.swap, fsync the directory: from
//     here on the swap is committed;
//  2. delete s1..sk (log and indexes);
//  3. rename the *.swap files to their final names, fsync the directory.
//
// Recovery (completeSwaps) finishes a committed swap: it deletes every
// segment whose base lies in [swap base, swap end) and renames the *.swap
// files. Index *.swap files without a log *.swap are an uncommitted swap
// and are deleted, like *.cleaned files.
const swapExt = ".swap"

// swapCleaned replaces each group by its output (nil: unchanged).
func (l *Log) swapCleaned(groups [][]*segment, outs []*segment) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return ErrClosed
	}
	if err := writeSnapshot(l.dir, l.mu.end, l.mu.producers, true); err != nil {
		return err
	}
	for i, g := range groups {
		if outs[i] == nil {
			continue
		}
		at := -1
		for j, s := range l.mu.segs {
			if s == g[0] {
				at = j
			}
		}
		if at < 0 || at+len(g) >= len(l.mu.segs) || l.mu.segs[at+len(g)-1] != g[len(g)-1] {
			return fmt.Errorf("compact segment %d: segments changed during compaction", g[0].base)
		}
		if err := l.replaceGroupLocked(at, len(g), outs[i]); err != nil {
			return err
		}
	}
	return nil
}

// replaceGroupLocked swaps out in for the n segments starting at index at.
func (l *Log) replaceGroupLocked(at, n int, out *segment) error {
	dir, base := l.dir, out.base
	for _, ext := range []string{".index", ".timeindex", txnIndexExt, ".log"} { // log last: the commit
		if err := os.Rename(segmentPath(dir, base, ext+cleanedExt), segmentPath(dir, base, ext+swapExt)); err != nil {
			return fmt.Errorf("compact segment %d: %w", base, err)
		}
	}
	out.suffix = swapExt
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("compact segment %d: %w", base, err)
	}
	var errs []error
	for _, old := range l.mu.segs[at : at+n] {
		errs = append(errs, old.remove(dir))
	}
	for _, ext := range []string{".index", ".timeindex", txnIndexExt, ".log"} {
		errs = append(errs, os.Rename(segmentPath(dir, base, ext+swapExt), segmentPath(dir, base, ext)))
	}
	out.suffix = ""
	segs := append([]*segment(nil), l.mu.segs[:at]...)
	segs = append(segs, out)
	l.mu.segs = append(segs, l.mu.segs[at+n:]...)
	errs = append(errs, syncDir(dir))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("compact segment %d: %w", base, err)
	}
	return nil
}

// completeSwaps finishes swaps interrupted by a crash (see above). Called by
// recovery before the segments are listed.
func completeSwaps(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		stem, ok := strings.CutSuffix(name, ".log"+swapExt)
		if !ok || len(stem) != 20 {
			continue
		}
		base, err := strconv.ParseInt(stem, 10, 64)
		if err != nil {
			continue
		}
		end, err := swapEnd(filepath.Join(dir, name), base)
		if err != nil {
			return fmt.Errorf("complete compaction swap %d: %w", base, err)
		}
		bases, err := segmentBases(dir)
		if err != nil {
			return err
		}
		for _, b := range bases {
			if b >= base && b < end {
				for _, ext := range []string{".log", ".index", ".timeindex", txnIndexExt} {
					if err := os.Remove(segmentPath(dir, b, ext)); err != nil && !os.IsNotExist(err) {
						return err
					}
				}
			}
		}
		for _, ext := range []string{".index", ".timeindex", txnIndexExt, ".log"} {
			err := os.Rename(segmentPath(dir, base, ext+swapExt), segmentPath(dir, base, ext))
			if err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	// Index swap files whose log swap never happened: not committed.
	ents, err = os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), swapExt) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return syncDir(dir)
}

// swapEnd returns the offset after the last batch of a (complete, fsynced)
// swap log.
func swapEnd(path string, base int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	s := &segment{log: f, size: st.Size()}
	end := base
	var buf [batchHeaderLen]byte
	for pos := int64(0); pos < s.size; {
		h, err := s.readHeader(pos, buf[:])
		if err != nil || h.size() < batchHeaderLen {
			return 0, fmt.Errorf("bad batch at %d", pos)
		}
		end = h.lastOffset() + 1
		pos += h.size()
	}
	return end, nil
}

// segmentBases lists the base offsets of the *.log files in dir.
func segmentBases(dir string) ([]int64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var bases []int64
	for _, e := range ents {
		if stem, ok := strings.CutSuffix(e.Name(), ".log"); ok && len(stem) == 20 {
			if b, err := strconv.ParseInt(stem, 10, 64); err == nil {
				bases = append(bases, b)
			}
		}
	}
	return bases, nil
}
