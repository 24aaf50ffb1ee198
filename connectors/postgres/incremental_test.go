package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/record"
)

// TestIncrementalSnapshot: an execute-snapshot signal makes the task read
// a table in chunks while it streams and another client writes; every row
// is read at most once, and applying the events in order gives the
// table's final state.
func TestIncrementalSnapshot(t *testing.T) {
	const rows = 5000
	db := newTestDB(t)
	ctx := context.Background()
	db.incTables(rows)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData, KeySignalTable, "public.debezium_signal",
		KeyIncrementalChunk, "300"), nil)

	stop, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- churnAbove(db.name, 0, rows, stop) }()
	db.exec(`INSERT INTO debezium_signal VALUES ('s1', 'execute-snapshot', '{"data-collections": ["public.inc"], "type": "incremental"}')`)

	state := map[int32]int32{}
	reads := map[int32]bool{}
	apply := func(recs []record.Record) {
		for _, r := range recs {
			if r.Value == nil {
				continue
			}
			if r.Topic != "srv.public.inc" {
				t.Fatalf("record on %s (signal rows are not events)", r.Topic)
			}
			op, _, after := envelope(t, r)
			id := keyField(r, "id").(int32)
			switch op {
			case "r":
				if reads[id] {
					t.Fatalf("row %d read twice", id)
				}
				if s := r.Value.(*record.Struct).Get("source").(*record.Struct).Get("snapshot"); s != "incremental" {
					t.Fatalf("read of row %d: source.snapshot %v", id, s)
				}
				reads[id] = true
				state[id] = after.Get("v").(int32)
			case "c", "u":
				state[id] = after.Get("v").(int32)
			case "d":
				delete(state, id)
			}
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(reads) < rows/2 {
		recs, err := tk.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		apply(recs)
		if time.Now().After(deadline) {
			t.Fatalf("%d rows read by the incremental snapshot within 30s", len(reads))
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := tableStateOf(t, db.conn, "inc")
	waitFor(t, 30*time.Second, "the events converge on the table's state", func() (bool, error) {
		recs, err := tk.Read(ctx)
		apply(recs)
		return len(recs) == 0 && equalState(state, want), err
	})
	t.Logf("%d rows read incrementally, %d rows at the end", len(reads), len(want))
}

func tableStateOf(t testing.TB, conn *pgx.Conn, table string) map[int32]int32 {
	rows, err := conn.Query(context.Background(), `SELECT id, v FROM `+pgx.Identifier{table}.Sanitize())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int32{}
	for rows.Next() {
		var id, v int32
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
