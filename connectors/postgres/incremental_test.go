package postgres

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
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
	db.exec(`CREATE TABLE public.debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`)
	db.exec(`CREATE TABLE public.inc (id int PRIMARY KEY, v int NOT NULL)`)
	db.exec(`INSERT INTO inc SELECT g, 0 FROM generate_series(1, $1::int) g`, rows)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData, KeySignalTable, "public.debezium_signal",
		KeyIncrementalChunk, "300"), nil)

	stop, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- churn(db.name, rows, stop) }()
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

// churn updates, deletes and inserts rows of inc until stop is closed.
func churn(db string, rows int, stop chan struct{}) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DSN(db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rng := rand.New(rand.NewPCG(3, 4))
	next := rows + 1
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		switch i % 3 {
		case 0:
			_, err = conn.Exec(ctx, `UPDATE inc SET v = v + 1 WHERE id = $1`, 1+rng.IntN(next-1))
		case 1:
			_, err = conn.Exec(ctx, `DELETE FROM inc WHERE id = $1`, 1+rng.IntN(next-1))
		case 2:
			_, err = conn.Exec(ctx, `INSERT INTO inc VALUES ($1, 1)`, next)
			next++
		}
		if err != nil {
			return err
		}
	}
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
