package postgres

import (
	"context"
	"testing"
	"time"
)

// TestSnapshotRestartsAfterCrash: an offset inside an unfinished snapshot
// means the exported snapshot is gone; the next start drops the slot and
// takes the snapshot again from the start, then streams.
func TestSnapshotRestartsAfterCrash(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.s (id int PRIMARY KEY)`)
	db.exec(`INSERT INTO s SELECT generate_series(1, 50)`)
	cfg := db.config(KeySnapshotFetchSize, "7")
	tk := openTask(t, cfg, nil)
	// readN may return more than 20 (a Read hands out what is queued):
	// the offset committed is the 20th's, in the middle of the snapshot.
	recs := readN(t, tk, 20, 20*time.Second)[:20]
	committed := lastOffset(recs)
	if err := tk.Commit(context.Background(), committed); err != nil {
		t.Fatal(err)
	}
	if err := tk.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.exec(`INSERT INTO s VALUES (51)`)
	tk2 := openTask(t, cfg, committed)
	got := readN(t, tk2, 51, 20*time.Second)
	for i, r := range got {
		op, _, _ := envelope(t, r)
		if id := keyField(r, "id"); id != int32(i+1) || op != "r" {
			t.Fatalf("record %d after the restart: %s %v, want r %d (the snapshot again, 51 included)", i, op, id, i+1)
		}
	}
	db.exec(`INSERT INTO s VALUES (52)`)
	if ops := opsOf(t, readN(t, tk2, 1, 20*time.Second)); ops != "c52" {
		t.Fatalf("after the snapshot: %s", ops)
	}
}

func TestSnapshotModes(t *testing.T) {
	t.Run("initial_only", func(t *testing.T) {
		db := newTestDB(t)
		db.exec(`CREATE TABLE public.s (id int PRIMARY KEY)`)
		db.exec(`INSERT INTO s VALUES (1), (2)`)
		tk := openTask(t, db.config(KeySnapshotMode, SnapshotInitialOnly), nil)
		recs := readN(t, tk, 2, 20*time.Second)
		db.exec(`INSERT INTO s VALUES (3)`)
		if more := readQuiet(t, tk, 500*time.Millisecond); len(more) > 0 {
			t.Fatalf("initial_only streamed %d records", len(more))
		}
		if err := tk.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Its slot was temporary; with the snapshot committed, a restart does nothing.
		var slots int
		if err := db.conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_replication_slots WHERE database = $1`, db.name).Scan(&slots); err != nil || slots != 0 {
			t.Fatalf("%d slots left (%v), want 0", slots, err)
		}
		tk2 := openTask(t, db.config(KeySnapshotMode, SnapshotInitialOnly), lastOffset(recs))
		if more := readQuiet(t, tk2, 300*time.Millisecond); len(more) > 0 {
			t.Fatalf("restart after a finished initial_only snapshot delivered %d records", len(more))
		}
	})
	t.Run("always", func(t *testing.T) {
		db := newTestDB(t)
		db.exec(`CREATE TABLE public.s (id int PRIMARY KEY)`)
		db.exec(`INSERT INTO s VALUES (1)`)
		cfg := db.config(KeySnapshotMode, SnapshotAlways)
		tk := openTask(t, cfg, nil)
		db.exec(`INSERT INTO s VALUES (2)`)
		recs := readN(t, tk, 2, 20*time.Second)
		if err := tk.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		tk2 := openTask(t, cfg, lastOffset(recs))
		if ops := opsOf(t, readN(t, tk2, 2, 20*time.Second)); ops != "r1 r2" {
			t.Fatalf("always: second start delivered %s, want a new snapshot", ops)
		}
	})
	t.Run("never is no_data", func(t *testing.T) {
		db := newTestDB(t)
		db.exec(`CREATE TABLE public.s (id int PRIMARY KEY)`)
		db.exec(`INSERT INTO s VALUES (1)`)
		tk := openTask(t, db.config(KeySnapshotMode, SnapshotNever, KeySlotDropOnStop, "true"), nil)
		db.exec(`INSERT INTO s VALUES (2)`)
		if ops := opsOf(t, readN(t, tk, 1, 20*time.Second)); ops != "c2" {
			t.Fatalf("never: %s", ops)
		}
		if err := tk.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		var slots int
		if err := db.conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1`, db.name).Scan(&slots); err != nil || slots != 0 {
			t.Fatalf("slot.drop.on.stop: %d slots left (%v)", slots, err)
		}
	})
}

// TestFilters: include/exclude lists for tables and columns, a filtered
// publication, message.key.columns for a table without a primary key and
// a null key without it.
func TestFilters(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE SCHEMA other`)
	db.exec(`CREATE TABLE public.a (id int PRIMARY KEY, secret text, note text)`)
	db.exec(`CREATE TABLE public.nokey (x int, y text)`)
	db.exec(`CREATE TABLE public.keyed (x int, y text)`)
	db.exec(`CREATE TABLE public.skipped (id int PRIMARY KEY)`)
	db.exec(`CREATE TABLE other.b (id int PRIMARY KEY)`)
	cfg := db.config(
		KeySchemaInclude, "public",
		KeyTableExclude, `public\.skip.*`,
		KeyColumnExclude, `public\.a\.secret`,
		KeyMessageKeyColumns, `public\.keyed:y,x`,
		KeyPublicationMode, PublicationFiltered,
	)
	for _, stmt := range []string{
		`INSERT INTO a VALUES (1, 'hidden', 'n')`, `INSERT INTO nokey VALUES (1, 'one')`, `INSERT INTO keyed VALUES (2, 'two')`,
		`INSERT INTO skipped VALUES (1)`, `INSERT INTO other.b VALUES (1)`,
	} {
		db.exec(stmt)
	}
	tk := openTask(t, cfg, nil)
	for _, stmt := range []string{
		`INSERT INTO a VALUES (2, 'hidden', 'm')`, `INSERT INTO skipped VALUES (2)`, `INSERT INTO other.b VALUES (2)`, `INSERT INTO keyed VALUES (3, 'three')`,
	} {
		db.exec(stmt)
	}
	recs := readN(t, tk, 5, 20*time.Second)
	recs = append(recs, readQuiet(t, tk, 300*time.Millisecond)...)
	var topics []string
	for _, r := range recs {
		topics = append(topics, r.Topic)
	}
	want := []string{"srv.public.a", "srv.public.keyed", "srv.public.nokey", "srv.public.a", "srv.public.keyed"}
	if !equalStrings(topics, want) {
		t.Fatalf("topics %v, want %v", topics, want)
	}
	_, _, a := envelope(t, recs[0])
	if a.Schema().Field("secret") != nil || a.Get("note") != "n" {
		t.Errorf("column.exclude.list: after %v", a)
	}
	if k := recs[1].KeySchema; k == nil || len(k.Fields) != 2 || k.Fields[0].Name != "y" || keyField(recs[1], "x") != int32(2) {
		t.Errorf("message.key.columns: key %v (%v)", recs[1].Key, recs[1].KeySchema)
	}
	if recs[2].Key != nil || recs[2].KeySchema != nil {
		t.Errorf("table without a primary key: key %v, want null", recs[2].Key)
	}
	var tables int
	if err := db.conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_publication_tables WHERE pubname = 'sluice_publication'`).Scan(&tables); err != nil || tables != 3 {
		t.Errorf("filtered publication has %d tables (%v), want 3", tables, err)
	}
}
