package postgres

import (
	"context"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

const signalDDL = `CREATE TABLE public.debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`

// readsUntil reads from tk until enough(all records so far) holds.
func readsUntil(t *testing.T, tk *task, what string, enough func([]record.Record) bool) []record.Record {
	t.Helper()
	var got []record.Record
	waitFor(t, 60*time.Second, what, func() (bool, error) {
		recs, err := tk.Read(context.Background())
		got = append(got, recs...)
		return enough(got), err
	})
	return got
}

// commitAfterRead returns the records up to the nth op=r one (what the
// runtime made durable) and commits its offset on tk.
func commitAfterRead(t *testing.T, tk *task, recs []record.Record, n int) ([]record.Record, []sdk.SourceOffset) {
	t.Helper()
	for i, r := range recs {
		if r.Value == nil {
			continue
		}
		if op, _, _ := envelope(t, r); op == "r" {
			if n--; n == 0 {
				kept := recs[:i+1]
				committed := lastOffset(kept)
				if err := tk.Commit(context.Background(), committed); err != nil {
					t.Fatal(err)
				}
				return kept, committed
			}
		}
	}
	t.Fatalf("fewer reads than asked for")
	return nil, nil
}

func countReads(t *testing.T, recs []record.Record) int {
	t.Helper()
	n := 0
	for _, r := range recs {
		if r.Value == nil {
			continue
		}
		if op, _, _ := envelope(t, r); op == "r" {
			n++
		}
	}
	return n
}

// incTables makes the signal table public.debezium_signal and public.inc
// (id, v) holding rows rows with v = 0.
func (d *testDB) incTables(rows int) {
	d.exec(signalDDL)
	d.exec(`CREATE TABLE public.inc (id int PRIMARY KEY, v int NOT NULL)`)
	d.exec(`INSERT INTO inc SELECT g, 0 FROM generate_series(1, $1::int) g`, rows)
}

// incTable makes the tables of incTables and opens a streaming task whose
// incremental snapshots read chunks of 100 rows.
func incTable(t *testing.T, rows int) (*testDB, map[string]string, *task) {
	t.Helper()
	db := newTestDB(t)
	db.incTables(rows)
	cfg := db.config(KeySnapshotMode, SnapshotNoData, KeySignalTable, "public.debezium_signal", KeyIncrementalChunk, "100")
	return db, cfg, openTask(t, cfg, nil)
}

// TestIncrementalResume: an incremental snapshot of 5,000 rows in chunks
// of 100, committed part-way (in the middle of a chunk), goes on after a
// restart from the committed offset: every row the writer leaves alone
// arrives as a read, no row more than twice and at most one chunk of them
// twice; the writer's concurrent changes still win, so applying the
// delivered events in order gives the table's final state.
func TestIncrementalResume(t *testing.T) {
	const rows, chunk, untouched = 5000, 100, 4000
	ctx := context.Background()
	db, cfg, tk := incTable(t, rows)

	stop, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- churnAbove(db.name, untouched, rows, stop) }()
	db.exec(`INSERT INTO debezium_signal VALUES ('s1', 'execute-snapshot', '{"data-collections": ["public.inc"], "type": "incremental"}')`)

	first := readsUntil(t, tk, "1,300 rows read", func(recs []record.Record) bool {
		return countReads(t, recs) >= 1300
	})
	kept, committed := commitAfterRead(t, tk, first, 1234)
	off := committed[0].Offset
	if off[OffsetIncCorrelation] != "s1" || off[OffsetIncCollections] == nil || off[OffsetIncPrimaryKey] == nil || off[OffsetIncMaximumKey] == nil {
		t.Fatalf("committed offset %v lacks the incremental snapshot's state", off)
	}
	t.Logf("committed offset: %v", off)
	if err := tk.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	tk2 := openTask(t, cfg, committed)
	state := map[int32]int32{}
	reads := map[int32]int{}
	apply := func(recs []record.Record) {
		for _, r := range recs {
			if r.Value == nil {
				continue
			}
			op, _, after := envelope(t, r)
			id := keyField(r, "id").(int32)
			switch op {
			case "r":
				reads[id]++
				state[id] = after.Get("v").(int32)
			case "c", "u":
				state[id] = after.Get("v").(int32)
			case "d":
				delete(state, id)
			}
		}
	}
	apply(kept)
	second := 0
	waitFor(t, 60*time.Second, "the resumed snapshot reads 1,000 more rows", func() (bool, error) {
		recs, err := tk2.Read(ctx)
		second += countReads(t, recs)
		apply(recs)
		return second >= 1000, err
	})
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := tableStateOf(t, db.conn, "inc")
	waitFor(t, 60*time.Second, "the events converge on the table's state", func() (bool, error) {
		recs, err := tk2.Read(ctx)
		apply(recs)
		return len(recs) == 0 && equalState(state, want), err
	})
	twice := readTwice(t, reads)
	for id := int32(1); id <= untouched; id++ {
		if reads[id] == 0 {
			t.Fatalf("row %d never read", id)
		}
	}
	if twice > chunk {
		t.Fatalf("%d rows read twice, want at most one chunk (%d)", twice, chunk)
	}
	t.Logf("%d rows read, %d twice (the uncommitted chunk), %d rows at the end", len(reads), twice, len(want))
}

// readTwice counts the rows read twice, failing t for any read more often.
func readTwice(t *testing.T, reads map[int32]int) int {
	t.Helper()
	twice := 0
	for id, n := range reads {
		if n > 2 {
			t.Errorf("row %d read %d times", id, n)
		}
		if n == 2 {
			twice++
		}
	}
	return twice
}

// churnAbove updates and deletes rows of inc with ids above low and
// inserts new ones after rows until stop is closed.
func churnAbove(db string, low, rows int, stop chan struct{}) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DSN(db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rng := rand.New(rand.NewPCG(5, 6))
	next := rows + 1
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		switch i % 3 {
		case 0:
			_, err = conn.Exec(ctx, `UPDATE inc SET v = v + 1 WHERE id = $1`, low+1+rng.IntN(next-low-1))
		case 1:
			_, err = conn.Exec(ctx, `DELETE FROM inc WHERE id = $1`, low+1+rng.IntN(next-low-1))
		case 2:
			_, err = conn.Exec(ctx, `INSERT INTO inc VALUES ($1, 1)`, next)
			next++
		}
		if err != nil {
			return err
		}
	}
}

// TestIncrementalResumeCompositeKey: a key of text, numeric and
// timestamptz columns round-trips through the offset: the resumed
// snapshot reads every row, at most one chunk of them again.
func TestIncrementalResumeCompositeKey(t *testing.T) {
	const rows, chunk = 1000, 50
	db := newTestDB(t)
	ctx := context.Background()
	db.exec(signalDDL)
	db.exec(`CREATE TABLE public.ck (k text, n numeric(12,3), ts timestamptz, id int NOT NULL UNIQUE, PRIMARY KEY (k, n, ts))`)
	db.exec(`INSERT INTO ck SELECT 'k''é ' || (g % 7), (g / 3) + 0.125, timestamptz '2024-03-01 10:00:00.123456+00' + (g % 3) * interval '1 hour', g
		FROM generate_series(1, $1::int) g`, rows)
	cfg := db.config(KeySnapshotMode, SnapshotNoData, KeySignalTable, "public.debezium_signal",
		KeyIncrementalChunk, "50")
	tk := openTask(t, cfg, nil)
	db.exec(`INSERT INTO debezium_signal VALUES ('s1', 'execute-snapshot', '{"data-collections": ["public.ck"]}')`)
	first := readsUntil(t, tk, "530 rows read", func(recs []record.Record) bool { return countReads(t, recs) >= 530 })
	kept, committed := commitAfterRead(t, tk, first, 525)
	t.Logf("committed key %v", committed[0].Offset[OffsetIncPrimaryKey])
	if err := tk.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	tk2 := openTask(t, cfg, committed)
	reads := map[int32]int{}
	count := func(recs []record.Record) {
		for _, r := range recs {
			if r.Value == nil {
				continue
			}
			if op, _, after := envelope(t, r); op == "r" {
				reads[after.Get("id").(int32)]++
			}
		}
	}
	count(kept)
	waitFor(t, 60*time.Second, "every row read", func() (bool, error) {
		recs, err := tk2.Read(ctx)
		count(recs)
		return len(reads) == rows, err
	})
	count(readQuiet(t, tk2, time.Second))
	twice := readTwice(t, reads)
	if twice == 0 || twice > chunk {
		t.Fatalf("%d rows read twice, want the committed chunk's rest (1 to %d)", twice, chunk)
	}
}

// TestIncrementalStopNoResume: after a stop-snapshot, the offsets carry
// no snapshot state, and a restart from them reads nothing again.
func TestIncrementalStopNoResume(t *testing.T) {
	ctx := context.Background()
	db, cfg, tk := incTable(t, 2000)
	db.exec(`INSERT INTO debezium_signal VALUES ('s1', 'execute-snapshot', '{"data-collections": ["public.inc"]}')`)
	readsUntil(t, tk, "200 rows read", func(recs []record.Record) bool { return countReads(t, recs) >= 200 })
	db.exec(`INSERT INTO debezium_signal VALUES ('s2', 'stop-snapshot', '{"data-collections": ["public.inc"], "type": "incremental"}')`)
	db.exec(`INSERT INTO inc VALUES (100000, 1)`)
	var last record.Record
	readsUntil(t, tk, "the insert after the stop", func(recs []record.Record) bool {
		for _, r := range recs {
			if r.Value == nil {
				continue
			}
			if op, _, _ := envelope(t, r); op == "c" {
				last = r
				return true
			}
		}
		return false
	})
	if _, ok := last.SourceOffset[OffsetIncCollections]; ok {
		t.Fatalf("offset after the stop %v still holds a snapshot", last.SourceOffset)
	}
	committed := []sdk.SourceOffset{{Partition: last.SourcePartition, Offset: last.SourceOffset}}
	if err := tk.Commit(ctx, committed); err != nil {
		t.Fatal(err)
	}
	if err := tk.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	tk2 := openTask(t, cfg, committed)
	if got := readQuiet(t, tk2, 2*time.Second); countReads(t, got) != 0 {
		t.Fatalf("%d reads after the restart, want none (the snapshot was stopped)", countReads(t, got))
	}
}

// TestIncrementalOffset: the state a record's offset carries reads back
// as the same snapshot (after a trip through JSON, as offsets cross the
// plugin boundary); an offset without it, or with an empty list of
// collections, means none runs; a malformed one is an error.
func TestIncrementalOffset(t *testing.T) {
	inc := &incremental{id: "s1", queue: []string{"public.a", "public.b"}, filters: map[string]string{"public.b": "v > 'x'"},
		table: &table{}, keyTypes: []string{"text", "uuid"},
		doneKey: []string{`a"b\`, "7a1c0d8e-1111-4c55-8d6e-0123456789ab"}, maxKey: []string{"zz", "ffffffff-ffff-4fff-bfff-ffffffffffff"}}
	off := map[string]any{OffsetLSNCommit: int64(1), OffsetSeq: int64(1)}
	inc.addOffset(off)
	b, err := json.Marshal(off)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	res, err := parseIncOffset(back)
	if err != nil || res == nil {
		t.Fatalf("parseIncOffset: %v, %v", res, err)
	}
	got := restoreIncremental(res)
	got.keyTypes = inc.keyTypes
	got.resumeKeys()
	if got.id != "s1" || !slices.Equal(got.queue, inc.queue) || !maps.Equal(got.filters, inc.filters) ||
		!slices.Equal(got.lastKey, inc.doneKey) || !slices.Equal(got.doneKey, inc.doneKey) || !slices.Equal(got.maxKey, inc.maxKey) {
		t.Fatalf("restored %+v, want the state of %+v", got, inc)
	}
	changed := restoreIncremental(res) // the key's types changed: the table starts again
	changed.keyTypes = []string{"text", "text"}
	changed.resumeKeys()
	if changed.lastKey != nil || changed.maxKey != nil {
		t.Fatalf("restored keys %v %v across a key type change", changed.lastKey, changed.maxKey)
	}

	for _, tc := range []struct {
		name string
		off  map[string]any
		none bool
		bad  bool
	}{
		{"absent", map[string]any{OffsetLSNCommit: 1}, true, false},
		{"empty list", map[string]any{OffsetIncCollections: "[]"}, true, false},
		{"bad collections", map[string]any{OffsetIncCollections: "{"}, false, true},
		{"bad key", map[string]any{OffsetIncCollections: `[{"incremental_snapshot_collections_id":"public.a"}]`, OffsetIncPrimaryKey: "[1]"}, false, true},
		{"no key yet", map[string]any{OffsetIncCollections: `[{"incremental_snapshot_collections_id":"public.a"}]`}, false, false},
	} {
		res, err := parseIncOffset(tc.off)
		if (err != nil) != tc.bad || !tc.bad && (res == nil) != tc.none {
			t.Errorf("%s: parseIncOffset = %+v, %v", tc.name, res, err)
		}
	}
}
