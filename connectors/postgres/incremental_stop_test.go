package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

// TestIncrementalStopAfterCommit: an incremental snapshot runs, an offset
// holding its progress is committed, then a stop-snapshot signal arrives
// (while the task runs, which goes past it without committing again, or
// while it is down), and the task restarts from that offset. The stop,
// read again from the stream, holds: no chunk of the table is read again,
// the offsets after it carry no snapshot, and the stream's changes (the
// ones after the committed offset and new ones) still arrive.
func TestIncrementalStopAfterCommit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		running bool // the stop arrives while the first task runs
	}{
		{"stop while running", true},
		{"stop while down", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, cfg, tk := incTable(t, 2000)
			db.exec(`INSERT INTO debezium_signal VALUES ('s1', 'execute-snapshot', '{"data-collections": ["public.inc"]}')`)
			first := readsUntil(t, tk, "300 rows read", func(recs []record.Record) bool { return countReads(t, recs) >= 300 })
			_, committed := commitAfterRead(t, tk, first, 250)
			if off := committed[0].Offset; off[OffsetIncCollections] == nil || off[OffsetIncPrimaryKey] == nil {
				t.Fatalf("committed offset %v lacks the snapshot's progress", off)
			}

			stop := func() {
				db.exec(`INSERT INTO debezium_signal VALUES ('s2', 'stop-snapshot', '{"data-collections": ["public.inc"], "type": "incremental"}')`)
				db.exec(`INSERT INTO inc VALUES (100000, 1)`)
			}
			if tc.running {
				stop()
				readsUntil(t, tk, "the insert after the stop", func(recs []record.Record) bool { return createOf(t, recs, 100000) >= 0 })
			}
			if err := tk.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if !tc.running {
				stop()
			}

			tk2 := openTask(t, cfg, committed)
			db.exec(`INSERT INTO inc VALUES (100001, 1)`)
			got := readsUntil(t, tk2, "the insert after the restart", func(recs []record.Record) bool { return createOf(t, recs, 100001) >= 0 })
			got = append(got, readQuiet(t, tk2, 2*time.Second)...)
			if n := countReads(t, got); n != 0 {
				t.Fatalf("%d rows read after the restart, want none: the snapshot was stopped", n)
			}
			i, j := createOf(t, got, 100000), createOf(t, got, 100001)
			if i < 0 || j < i {
				t.Fatalf("creates of 100000 at %d and 100001 at %d: want both, in that order", i, j)
			}
			for _, r := range got[i:] {
				if _, ok := r.SourceOffset[OffsetIncCollections]; ok {
					t.Fatalf("offset %v after the stop still holds a snapshot", r.SourceOffset)
				}
			}
		})
	}
}

// createOf is the index of the create of row id in recs; -1 if none.
func createOf(t *testing.T, recs []record.Record, id int32) int {
	t.Helper()
	for i, r := range recs {
		if r.Value == nil {
			continue
		}
		if op, _, after := envelope(t, r); op == "c" && after.Get("id") == id {
			return i
		}
	}
	return -1
}
