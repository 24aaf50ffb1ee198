package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/record"
)

// TestSnapshotWhileWriting is the headline: a snapshot of 100,000
// rows while another client inserts, updates and deletes. Every row arrives
// once as a read (op=r) or a create, every concurrent write arrives once,
// and applying the events in order gives exactly the table's final state.
func TestSnapshotWhileWriting(t *testing.T) {
	const rows = 100_000
	db := newTestDB(t)
	ctx := context.Background()
	db.exec(`CREATE TABLE public.snap (id int PRIMARY KEY, v int NOT NULL)`)
	db.exec(`INSERT INTO snap SELECT g, 0 FROM generate_series(1, $1::int) g`, rows)

	stop, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- mutate(db.name, rows, stop) }()
	start := time.Now()
	tk := openTask(t, db.config(KeySnapshotFetchSize, "5000", KeyMaxBatchSize, "4096"), nil)

	state := map[int32]int32{}
	reads := map[int32]bool{}
	offsets := map[string]bool{}
	snapshotEnd := time.Duration(0)
	apply := func(recs []record.Record) {
		for _, r := range recs {
			if r.Value == nil {
				continue // tombstone
			}
			off := fmt.Sprint(r.SourceOffset)
			if offsets[off] {
				t.Fatalf("offset %s delivered twice", off)
			}
			offsets[off] = true
			op, before, after := envelope(t, r)
			id := keyField(r, "id").(int32)
			switch op {
			case "r":
				if reads[id] {
					t.Fatalf("row %d read twice by the snapshot", id)
				}
				reads[id] = true
				state[id] = after.Get("v").(int32)
				if src := r.Value.(*record.Struct).Get("source").(*record.Struct); src.Get("snapshot") == "last" {
					snapshotEnd = time.Since(start)
				}
			case "c":
				if _, ok := state[id]; ok {
					t.Fatalf("create of row %d, which exists", id)
				}
				state[id] = after.Get("v").(int32)
			case "u":
				if _, ok := state[id]; !ok {
					t.Fatalf("update of row %d, which does not exist", id)
				}
				state[id] = after.Get("v").(int32)
			case "d":
				if _, ok := state[id]; !ok || before == nil {
					t.Fatalf("delete of row %d, which does not exist", id)
				}
				delete(state, id)
			default:
				t.Fatalf("unexpected op %q", op)
			}
		}
	}
	// Read through the snapshot while the writer runs, then stop it.
	for snapshotEnd == 0 {
		recs, err := tk.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		apply(recs)
		if time.Since(start) > 90*time.Second {
			t.Fatalf("snapshot did not end within 90s (%d rows read)", len(reads))
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("writer: %v", err)
	}
	want := tableState(t, db.conn)
	waitFor(t, 60*time.Second, "the events converge on the table's state", func() (bool, error) {
		recs, err := tk.Read(ctx)
		apply(recs)
		return len(recs) == 0 && equalState(state, want), err
	})
	t.Logf("snapshot of %d rows in %v, %d events in all, %d rows at the end", len(reads), snapshotEnd, len(offsets), len(want))
}

// mutate inserts, updates and deletes rows until stop is closed.
func mutate(db string, rows int, stop chan struct{}) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DSN(db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	next := rows + 1
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; ; i++ {
		select {
		case <-stop:
			if i < 50 {
				return fmt.Errorf("only %d write transactions during the snapshot", i)
			}
			return nil
		default:
		}
		var err error
		switch i % 3 {
		case 0:
			_, err = conn.Exec(ctx, `INSERT INTO snap SELECT g, 1 FROM generate_series($1::int, $2::int) g`, next, next+9)
			next += 10
		case 1:
			lo := 1 + rng.IntN(next-100)
			_, err = conn.Exec(ctx, `UPDATE snap SET v = v + 1 WHERE id BETWEEN $1 AND $2`, lo, lo+20)
		case 2:
			_, err = conn.Exec(ctx, `DELETE FROM snap WHERE id = $1`, 1+rng.IntN(next-1))
		}
		if err != nil {
			return err
		}
	}
}

func tableState(t testing.TB, conn *pgx.Conn) map[int32]int32 {
	rows, err := conn.Query(context.Background(), `SELECT id, v FROM snap`)
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

func equalState(a, b map[int32]int32) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestParallelSnapshot: several tables read at once over connections that
// share one exported snapshot; every row once, one last record, then the
// stream.
func TestParallelSnapshot(t *testing.T) {
	db := newTestDB(t)
	const tables, rows = 5, 3000
	for i := range tables {
		db.exec(fmt.Sprintf(`CREATE TABLE public.p%d (id int PRIMARY KEY, v text)`, i))
		db.exec(fmt.Sprintf(`INSERT INTO p%d SELECT g, 'v' FROM generate_series(1, %d) g`, i, rows))
	}
	db.exec(`CREATE TABLE public.nopk (v int)`)
	db.exec(`INSERT INTO nopk SELECT generate_series(1, 100)`)
	tk := openTask(t, db.config(KeySnapshotThreads, "3", KeySnapshotFetchSize, "500"), nil)
	db.exec(`INSERT INTO p0 VALUES (0, 'streamed')`)
	want := tables*rows + 100 + 1
	recs := readN(t, tk, want, 30*time.Second)
	seen := map[string]bool{}
	lasts := 0
	for i, r := range recs {
		op, _, after := envelope(t, r)
		if i == want-1 {
			if op != "c" || keyField(r, "id") != int32(0) {
				t.Fatalf("last record: %s %v, want the streamed insert", op, keyField(r, "id"))
			}
			continue
		}
		if op != "r" {
			t.Fatalf("record %d: op %s during the snapshot", i, op)
		}
		id := fmt.Sprint(r.Topic, keyField(r, "id"), after.Get("v"))
		if seen[id] {
			t.Fatalf("%s read twice", id)
		}
		seen[id] = true
		if r.Value.(*record.Struct).Get("source").(*record.Struct).Get("snapshot") == "last" {
			lasts++
			if i != want-2 || r.SourceOffset[OffsetLastSnap] != true {
				t.Errorf("snapshot=last on record %d of %d (offset %v)", i, want-1, r.SourceOffset)
			}
		}
	}
	if lasts != 1 {
		t.Errorf("%d records say snapshot=last, want 1", lasts)
	}
}
