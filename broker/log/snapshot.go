package log

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Producer state snapshot file, <offset>.snapshot: the state after every
// batch below offset. Big endian:
//
//	version uint16 (2) | crc uint32 (CRC-32C of everything after it) |
//	count int32 | count × producer
//	producer = id int64 | epoch int16 | lastTimestamp int64 |
//	           txnFirstOffset int64 (-1: no open transaction) |
//	           nbatches int8 | nbatches × (firstSeq int32 | lastSeq int32 |
//	           baseOffset int64 | lastOffset int64)
//
// Written to <offset>.snapshot.tmp and renamed; a torn or corrupt snapshot
// fails its CRC and recovery falls back to an older one (or to an empty
// state) plus a replay of the log.
//
// Version 1 (before transactions, no txnFirstOffset) is not read: it cannot
// tell which transactions were open, so a log written by the older code is
// replayed from its start once, which also builds its .txnindex files.
const (
	snapshotVersion  = 2
	producerFixedLen = 27
	snapshotsKept    = 2
	snapshotExt      = ".snapshot"
	producerBatchLen = 24
)

func encodeSnapshot(p *producerState) []byte {
	ids := make([]int64, 0, len(p.producers))
	for id := range p.producers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	be := binary.BigEndian
	b := make([]byte, 10, 10+len(ids)*(producerFixedLen+producerBatchesKept*producerBatchLen))
	be.PutUint16(b, snapshotVersion)
	be.PutUint32(b[6:], uint32(len(ids)))
	for _, id := range ids {
		e := p.producers[id]
		b = be.AppendUint64(b, uint64(id))
		b = be.AppendUint16(b, uint16(e.Epoch))
		b = be.AppendUint64(b, uint64(e.LastTimestamp))
		b = be.AppendUint64(b, uint64(e.TxnFirst))
		b = append(b, byte(len(e.Batches)))
		for _, pb := range e.Batches {
			b = be.AppendUint32(b, uint32(pb.FirstSeq))
			b = be.AppendUint32(b, uint32(pb.LastSeq))
			b = be.AppendUint64(b, uint64(pb.BaseOffset))
			b = be.AppendUint64(b, uint64(pb.LastOffset))
		}
	}
	be.PutUint32(b[2:], crc32.Checksum(b[6:], castagnoli))
	return b
}

var errBadSnapshot = errors.New("bad producer snapshot")

func decodeSnapshot(b []byte) (*producerState, error) {
	be := binary.BigEndian
	if len(b) < 10 || be.Uint16(b) != snapshotVersion || be.Uint32(b[2:]) != crc32.Checksum(b[6:], castagnoli) {
		return nil, errBadSnapshot
	}
	n := int(be.Uint32(b[6:]))
	b = b[10:]
	p := newProducerState()
	for i := 0; i < n; i++ {
		if len(b) < producerFixedLen {
			return nil, errBadSnapshot
		}
		id := int64(be.Uint64(b))
		e := &producerEntry{
			Epoch:         int16(be.Uint16(b[8:])),
			LastTimestamp: int64(be.Uint64(b[10:])),
			TxnFirst:      int64(be.Uint64(b[18:])),
		}
		nb := int(b[26])
		b = b[producerFixedLen:]
		if e.TxnFirst < -1 {
			return nil, errBadSnapshot
		}
		if e.TxnFirst >= 0 {
			p.ongoing[id] = e.TxnFirst
		}
		if nb > producerBatchesKept || len(b) < nb*producerBatchLen {
			return nil, errBadSnapshot
		}
		for j := 0; j < nb; j++ {
			e.Batches = append(e.Batches, producerBatch{
				FirstSeq:   int32(be.Uint32(b)),
				LastSeq:    int32(be.Uint32(b[4:])),
				BaseOffset: int64(be.Uint64(b[8:])),
				LastOffset: int64(be.Uint64(b[16:])),
			})
			b = b[producerBatchLen:]
		}
		p.producers[id] = e
	}
	if len(b) != 0 {
		return nil, errBadSnapshot
	}
	return p, nil
}

// writeSnapshot writes the snapshot for offset and prunes old ones.
func writeSnapshot(dir string, offset int64, p *producerState, fsync bool) error {
	path := segmentPath(dir, offset, snapshotExt)
	if err := writeFileAtomic(path, encodeSnapshot(p), fsync); err != nil {
		return fmt.Errorf("write producer snapshot %d: %w", offset, err)
	}
	offs, err := listSnapshots(dir)
	if err != nil {
		return err
	}
	for len(offs) > snapshotsKept {
		_ = os.Remove(segmentPath(dir, offs[0], snapshotExt))
		offs = offs[1:]
	}
	return nil
}

// listSnapshots returns the snapshot offsets in the directory, ascending.
func listSnapshots(dir string) ([]int64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var offs []int64
	for _, e := range ents {
		name := e.Name()
		if base, ok := strings.CutSuffix(name, snapshotExt); ok && len(base) == 20 {
			if off, err := strconv.ParseInt(base, 10, 64); err == nil {
				offs = append(offs, off)
			}
		}
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	return offs, nil
}

// loadSnapshot returns the newest readable snapshot with offset <= limit
// and deletes the ones above end (they describe a truncated log). Without
// one it returns an empty state at offset -1.
func loadSnapshot(dir string, end, limit int64) (*producerState, int64) {
	offs, _ := listSnapshots(dir)
	for i := len(offs) - 1; i >= 0; i-- {
		if offs[i] > end {
			_ = os.Remove(segmentPath(dir, offs[i], snapshotExt))
			continue
		}
		if offs[i] > limit {
			continue
		}
		b, err := os.ReadFile(segmentPath(dir, offs[i], snapshotExt))
		if err != nil {
			continue
		}
		if p, err := decodeSnapshot(b); err == nil {
			return p, offs[i]
		}
	}
	return newProducerState(), -1
}

// writeFileAtomic writes path via a temporary file and a rename; with fsync
// the data and the directory entry are durable when it returns.
func writeFileAtomic(path string, data []byte, fsync bool) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && fsync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if fsync {
		return syncDir(filepath.Dir(path))
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
