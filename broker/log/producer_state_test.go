package log

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// pb is one produce attempt in an idempotence scenario.
type pb struct {
	pid     int64
	epoch   int16
	seq     int32
	n       int   // records
	wantErr error // nil: accepted
	dupOf   int   // >0: duplicate of the step with this 1-based index
	reopen  bool  // close (clean) or crash (unclean) and reopen before the step
	crash   bool
}

func TestIdempotentProducer(t *testing.T) {
	tests := []struct {
		name  string
		steps []pb
	}{
		{"in order", []pb{{pid: 1, seq: 0, n: 2}, {pid: 1, seq: 2, n: 3}, {pid: 1, seq: 5, n: 1}}},
		{"unknown producer any sequence", []pb{{pid: 1, seq: 42, n: 1}, {pid: 1, seq: 43, n: 1}}},
		{"gap", []pb{{pid: 1, seq: 0, n: 2}, {pid: 1, seq: 3, n: 1, wantErr: ErrOutOfOrderSequence}}},
		{"retry of last", []pb{{pid: 1, seq: 0, n: 2}, {pid: 1, seq: 2, n: 2}, {pid: 1, seq: 2, n: 2, dupOf: 2}}},
		{"retry of fifth last", []pb{
			{pid: 1, seq: 0, n: 1}, {pid: 1, seq: 1, n: 1}, {pid: 1, seq: 2, n: 1}, {pid: 1, seq: 3, n: 1},
			{pid: 1, seq: 4, n: 1}, {pid: 1, seq: 0, n: 1, dupOf: 1},
		}},
		{"retry older than five batches", []pb{
			{pid: 1, seq: 0, n: 1}, {pid: 1, seq: 1, n: 1}, {pid: 1, seq: 2, n: 1}, {pid: 1, seq: 3, n: 1},
			{pid: 1, seq: 4, n: 1}, {pid: 1, seq: 5, n: 1}, {pid: 1, seq: 0, n: 1, wantErr: ErrOutOfOrderSequence},
		}},
		{"retry with different range", []pb{{pid: 1, seq: 0, n: 2}, {pid: 1, seq: 0, n: 1, wantErr: ErrOutOfOrderSequence}}},
		{"old epoch", []pb{{pid: 1, epoch: 2, seq: 0, n: 1}, {pid: 1, epoch: 1, seq: 1, n: 1, wantErr: ErrInvalidProducerEpoch}}},
		{"new epoch from zero", []pb{{pid: 1, epoch: 1, seq: 0, n: 3}, {pid: 1, epoch: 2, seq: 0, n: 1}, {pid: 1, epoch: 2, seq: 1, n: 1}}},
		{"new epoch not zero", []pb{{pid: 1, epoch: 1, seq: 0, n: 3}, {pid: 1, epoch: 2, seq: 3, n: 1, wantErr: ErrOutOfOrderSequence}}},
		{"wraparound", []pb{{pid: 1, seq: math.MaxInt32 - 1, n: 2}, {pid: 1, seq: 0, n: 1}}},
		{"producers independent", []pb{{pid: 1, seq: 0, n: 1}, {pid: 2, seq: 0, n: 1}, {pid: 1, seq: 1, n: 1}, {pid: 2, seq: 0, n: 1, dupOf: 2}}},
		{"dedup across clean restart", []pb{{pid: 1, seq: 0, n: 2}, {pid: 1, seq: 2, n: 1}, {pid: 1, seq: 2, n: 1, dupOf: 2, reopen: true}, {pid: 1, seq: 3, n: 1}}},
		{"dedup across crash", []pb{{pid: 1, seq: 0, n: 2}, {pid: 1, seq: 2, n: 1}, {pid: 1, seq: 0, n: 2, dupOf: 1, reopen: true, crash: true}, {pid: 1, seq: 4, n: 1, wantErr: ErrOutOfOrderSequence}}},
		{"epoch across crash", []pb{{pid: 1, epoch: 3, seq: 0, n: 1}, {pid: 1, epoch: 2, seq: 1, n: 1, wantErr: ErrInvalidProducerEpoch, reopen: true, crash: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := DefaultConfig()
			cfg.SegmentBytes = 300 // several rolls, so snapshots are written
			l := openTest(t, dir, cfg, nil)
			defer func() { l.Close() }()
			results := make([]AppendResult, len(tc.steps))
			for i, st := range tc.steps {
				if st.reopen {
					if st.crash {
						// Keep the segments but forget the clean shutdown and
						// the snapshot Close wrote, as after kill -9.
						l.Close()
						os.Remove(filepath.Join(dir, cleanShutdownFile))
						os.Remove(filepath.Join(dir, recoveryPointFile))
						if offs, _ := listSnapshots(dir); len(offs) > 0 {
							os.Remove(segmentPath(dir, offs[len(offs)-1], snapshotExt))
						}
					} else if err := l.Close(); err != nil {
						t.Fatal(err)
					}
					l = openTest(t, dir, cfg, nil)
				}
				end := l.EndOffset()
				res, err := l.Append(makeBatch(t, batchSpec{producerID: st.pid, epoch: st.epoch, seq: st.seq}, recsN("r", st.n)...), 0)
				if !isErr(err, st.wantErr) {
					t.Fatalf("step %d: err %v, want %v", i+1, err, st.wantErr)
				}
				if err != nil {
					if l.EndOffset() != end {
						t.Fatalf("step %d: rejected batch moved the end offset", i+1)
					}
					continue
				}
				results[i] = res
				if st.dupOf > 0 {
					orig := results[st.dupOf-1]
					if !res.Duplicate || res.BaseOffset != orig.BaseOffset || res.LastOffset != orig.LastOffset {
						t.Fatalf("step %d: %+v, want duplicate of %+v", i+1, res, orig)
					}
					if l.EndOffset() != end {
						t.Fatalf("step %d: duplicate was written", i+1)
					}
					continue
				}
				if res.Duplicate || res.BaseOffset != end || res.LastOffset != end+int64(st.n)-1 {
					t.Fatalf("step %d: %+v at end %d", i+1, res, end)
				}
			}
		})
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	p := newProducerState()
	for i := range 7 {
		h := batchHeader{ProducerID: int64(i % 3), ProducerEpoch: int16(i), BaseSequence: int32(i), BaseOffset: int64(i * 10), LastOffsetDelta: 2, MaxTimestamp: int64(i)}
		if i%3 == 1 {
			h.Attributes = attrTransactional // producer 1 has a transaction open
		}
		p.update(&h)
	}
	if p.producers[1].TxnFirst != 10 || p.producers[0].TxnFirst != -1 {
		t.Fatalf("TxnFirst %d %d", p.producers[1].TxnFirst, p.producers[0].TxnFirst)
	}
	got, err := decodeSnapshot(encodeSnapshot(p))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.producers) != 3 {
		t.Fatalf("%d producers", len(got.producers))
	}
	for id, e := range p.producers {
		g := got.producers[id]
		if g.Epoch != e.Epoch || len(g.Batches) != len(e.Batches) || g.LastTimestamp != e.LastTimestamp || g.TxnFirst != e.TxnFirst {
			t.Fatalf("producer %d: %+v, want %+v", id, g, e)
		}
	}
	if len(got.ongoing) != 1 || got.ongoing[1] != 10 {
		t.Fatalf("ongoing %v", got.ongoing)
	}
	b := encodeSnapshot(p)
	b[len(b)-1] ^= 1
	if _, err := decodeSnapshot(b); err == nil {
		t.Fatal("corrupt snapshot decoded")
	}
}
