package log

import (
	"crypto/md5"
	"fmt"
	"math"
	"os"
	"time"
)

// groupSegments splits segs into runs that merge into one output segment:
// at most maxBytes of input and offsets that fit the 32-bit relative
// offsets of the index.
func groupSegments(segs []*segment, maxBytes int64) [][]*segment {
	var groups [][]*segment
	for i := 0; i < len(segs); {
		j, size := i+1, segs[i].size
		for j < len(segs) && size+segs[j].size <= maxBytes && segs[i].fits(segs[j].next-1) {
			size += segs[j].size
			j++
		}
		groups = append(groups, segs[i:j])
		i = j
	}
	return groups
}

// buildOffsetMap maps key hashes to their latest offset in the dirty
// segments. When the map fills it stops at a segment boundary and returns
// the segments that can be cleaned with it.
func buildOffsetMap(segs []*segment, firstDirty int64, aborted *abortedFilter) (map[[md5.Size]byte]int64, []*segment, error) {
	latest := make(map[[md5.Size]byte]int64)
	for i, s := range segs {
		if s.next <= firstDirty {
			continue
		}
		if len(latest) >= maxOffsetMapEntries {
			return latest, segs[:i], nil
		}
		err := forEachBatch(s, func(b []byte, h *batchHeader) error {
			if h.isControl() || aborted.aborted(h) {
				return nil
			}
			return forEachRecord(b, h, func(r *record) error {
				if r.Key != nil {
					latest[md5.Sum(r.Key)] = h.BaseOffset + int64(r.OffsetDelta)
				}
				return nil
			})
		})
		if err != nil {
			return nil, nil, fmt.Errorf("compact segment %d: %w", s.base, err)
		}
	}
	return latest, segs, nil
}

// forEachBatchOf reads every batch of the segments in order.
func forEachBatchOf(segs []*segment, fn func(b []byte, h *batchHeader) error) error {
	for _, s := range segs {
		if err := forEachBatch(s, fn); err != nil {
			return err
		}
	}
	return nil
}

// forEachBatch reads every batch of a segment in order.
func forEachBatch(s *segment, fn func(b []byte, h *batchHeader) error) error {
	for pos := int64(0); pos < s.size; {
		b, h, err := s.readBatch(pos)
		if err != nil {
			return err
		}
		if err := fn(b, &h); err != nil {
			return err
		}
		pos += h.size()
	}
	return nil
}

// cleanGroup writes the compacted copy of a group of segments as one
// segment at the group's base. It returns nil when a single segment would
// not change, and the earliest expiry of a tombstone it kept.
func (l *Log) cleanGroup(group []*segment, latest map[[md5.Size]byte]int64, aborted *abortedFilter, firstDirty, nowMs int64, cfg *Config, now time.Time) (*segment, int64, error) {
	base := group[0].base
	for _, ext := range []string{".log", ".index", ".timeindex", txnIndexExt} {
		_ = os.Remove(segmentPath(l.dir, base, ext+cleanedExt))
	}
	out, err := openSegmentFiles(l.dir, base, cleanedExt, now)
	if err != nil {
		return nil, 0, err
	}
	tombstoneDue := int64(math.MaxInt64)
	changed := len(group) > 1
	var kept []byte
	lastBase := group[len(group)-1].lastBatchBase()
	err = forEachBatchOf(group, func(b []byte, h *batchHeader) error {
		last := h.BaseOffset == lastBase
		if h.isControl() {
			return out.append(b, h, cfg.IndexIntervalBytes)
		}
		kept = kept[:0]
		var n int32
		maxTs := int64(-1)
		dropAll := aborted.aborted(h)
		err := forEachRecord(b, h, func(r *record) error {
			if dropAll {
				return nil // data of an aborted transaction
			}
			off := h.BaseOffset + int64(r.OffsetDelta)
			if r.Key != nil {
				if o, ok := latest[md5.Sum(r.Key)]; ok && o > off {
					return nil // superseded
				}
			}
			if r.Value == nil {
				first := nowMs
				if off < firstDirty {
					first = l.cleaner.firstCleaned(off, nowMs)
				}
				if first+cfg.DeleteRetentionMs <= nowMs {
					return nil // tombstone past delete.retention.ms
				}
				tombstoneDue = min(tombstoneDue, first+cfg.DeleteRetentionMs)
			}
			kept = append(kept, r.Raw...)
			maxTs = max(maxTs, recordTs(h, r))
			n++
			return nil
		})
		if err != nil {
			return err
		}
		if n == h.NumRecords {
			return out.append(b, h, cfg.IndexIntervalBytes)
		}
		changed = true
		if n == 0 && !last {
			return nil
		}
		if n == 0 {
			maxTs = h.MaxTimestamp
		}
		nb := rewriteBatch(b[:batchHeaderLen], kept, n, maxTs)
		nh := parseHeader(nb)
		return out.append(nb, &nh, cfg.IndexIntervalBytes)
	})
	if err == nil {
		err = out.indexTime()
	}
	if err == nil {
		err = copyTxnIndexes(group, out)
	}
	if err == nil && changed {
		err = out.sync()
	}
	if err != nil || !changed {
		_ = out.remove(l.dir)
		if err != nil {
			return nil, 0, fmt.Errorf("compact segment %d: %w", base, err)
		}
		return nil, tombstoneDue, nil
	}
	out.rollTime = group[len(group)-1].rollTime
	return out, tombstoneDue, nil
}

// rewriteBatch builds an uncompressed batch from an original header and the
// surviving encoded records. lastOffsetDelta, base timestamp and producer
// fields stay as they were.
func rewriteBatch(hdr, records []byte, n int32, maxTs int64) []byte {
	b := make([]byte, 0, batchHeaderLen+len(records))
	b = append(b, hdr...)
	b = append(b, records...)
	h := parseHeader(hdr)
	putU32(b[8:], uint32(len(b)-lengthFieldEnd))
	putU16(b[21:], uint16(h.Attributes&^attrCodecMask))
	if !h.logAppendTime() {
		putU64(b[35:], uint64(maxTs))
	}
	putU32(b[57:], uint32(n))
	setCRC(b)
	return b
}
