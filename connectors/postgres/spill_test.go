package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// lowWorkMem makes the server stream every transaction beyond 64 kB
// (logical_decoding_work_mem is reloadable; a walsender's session cannot
// set it), restored at the end of the test.
func lowWorkMem(t *testing.T, db *testDB) {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, q := range []string{`ALTER SYSTEM SET logical_decoding_work_mem = '64kB'`, `SELECT pg_reload_conf()`} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		admin, err := pgx.Connect(ctx, pgtest.DSN("postgres"))
		if err != nil {
			t.Errorf("restore logical_decoding_work_mem: %v", err)
			return
		}
		defer admin.Close(ctx)
		for _, q := range []string{`ALTER SYSTEM RESET logical_decoding_work_mem`, `SELECT pg_reload_conf()`} {
			if _, err := admin.Exec(ctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	waitFor(t, 10*time.Second, "logical_decoding_work_mem reloaded", func() (bool, error) {
		c, err := pgx.Connect(ctx, pgtest.DSN(db.name))
		if err != nil {
			return false, err
		}
		defer c.Close(ctx)
		var v string
		err = c.QueryRow(ctx, `SHOW logical_decoding_work_mem`).Scan(&v)
		return v == "64kB", err
	})
}

// streamedTxns waits until the slot's statistics show a streamed transaction.
func streamedTxns(t *testing.T, db *testDB) {
	t.Helper()
	waitFor(t, 15*time.Second, "the server streamed a transaction", func() (bool, error) {
		var n int64
		err := db.conn.QueryRow(context.Background(),
			`SELECT coalesce(sum(stream_txns), 0)::bigint FROM pg_stat_replication_slots WHERE slot_name = $1`, db.name).Scan(&n)
		return n > 0, err
	})
}

func streamTable(t *testing.T) (*testDB, *task, *pgx.Conn) {
	t.Helper()
	db := newTestDB(t)
	lowWorkMem(t, db)
	db.exec(`CREATE TABLE public.big (id int PRIMARY KEY, pad text NOT NULL)`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData, KeyMaxQueueSize, "1000"), nil)
	ctx := context.Background()
	other, err := pgx.Connect(ctx, pgtest.DSN(db.name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close(context.Background()) })
	return db, tk, other
}

func execOn(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", firstLine(sql), err)
	}
}

func insertRange(lo, hi int) string {
	return fmt.Sprintf(`INSERT INTO big SELECT g, repeat('x', 20) FROM generate_series(%d, %d) g`, lo, hi)
}

// readIDs reads the creates of want's ids, then half a second more to
// see nothing follows, and checks them (checkIDs).
func readIDs(t *testing.T, tk *task, want []int32) []record.Record {
	t.Helper()
	recs := readN(t, tk, len(want), 60*time.Second)
	recs = append(recs, readQuiet(t, tk, 500*time.Millisecond)...)
	checkIDs(t, recs, want)
	return recs
}

// checkIDs checks the records are creates of want's ids, in order, with
// consecutive offsets within each transaction.
func checkIDs(t *testing.T, recs []record.Record, want []int32) {
	t.Helper()
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		op, _, after := envelope(t, r)
		if op != "c" || after == nil || after.Get("id") != want[i] {
			t.Fatalf("record %d: op %s after %v, want a create of id %d", i, op, after, want[i])
		}
		if i > 0 && r.SourceOffset[OffsetLSNCommit] == recs[i-1].SourceOffset[OffsetLSNCommit] &&
			r.SourceOffset[OffsetSeq].(int64) != recs[i-1].SourceOffset[OffsetSeq].(int64)+1 {
			t.Fatalf("record %d: seq %v after %v", i, r.SourceOffset[OffsetSeq], recs[i-1].SourceOffset[OffsetSeq])
		}
	}
}

func ids(lo, hi int) []int32 {
	var out []int32
	for i := lo; i <= hi; i++ {
		out = append(out, int32(i))
	}
	return out
}

func TestStreamLargeTransaction(t *testing.T) {
	db, tk, other := streamTable(t)
	execOn(t, other, `BEGIN`)
	execOn(t, other, insertRange(1, 20000))
	if recs := readQuiet(t, tk, time.Second); len(recs) > 0 {
		t.Fatalf("%d records of an uncommitted transaction", len(recs))
	}
	execOn(t, other, `COMMIT`)
	recs := readN(t, tk, 20000, 60*time.Second)
	checkIDs(t, recs, ids(1, 20000))
	if extra := readQuiet(t, tk, 500*time.Millisecond); len(extra) > 0 {
		t.Fatalf("%d records beyond the transaction", len(extra))
	}
	streamedTxns(t, db)
}

func TestStreamRollback(t *testing.T) {
	db, tk, other := streamTable(t)
	execOn(t, other, `BEGIN`)
	execOn(t, other, insertRange(1, 20000))
	execOn(t, other, `ROLLBACK`)
	db.exec(`INSERT INTO big VALUES (-1, 'after')`)
	readIDs(t, tk, []int32{-1})
	streamedTxns(t, db)
}

func TestStreamSavepoints(t *testing.T) {
	db, tk, other := streamTable(t)
	execOn(t, other, `BEGIN`)
	execOn(t, other, insertRange(1, 5000))
	execOn(t, other, `SAVEPOINT a`)
	execOn(t, other, insertRange(5001, 10000))
	execOn(t, other, `SAVEPOINT b`)
	execOn(t, other, insertRange(10001, 15000))
	execOn(t, other, `RELEASE b`)
	execOn(t, other, `ROLLBACK TO a`) // drops 5001..15000
	execOn(t, other, `SAVEPOINT k`)
	execOn(t, other, insertRange(15001, 20000))
	execOn(t, other, `RELEASE k`)
	execOn(t, other, `SAVEPOINT c`)
	execOn(t, other, insertRange(20001, 22000))
	execOn(t, other, `ROLLBACK TO c`)
	execOn(t, other, insertRange(22001, 23000))
	execOn(t, other, `COMMIT`)
	want := append(ids(1, 5000), ids(15001, 20000)...)
	want = append(want, ids(22001, 23000)...)
	readIDs(t, tk, want)
	streamedTxns(t, db)
}

func TestStreamInterleavedCommitOrder(t *testing.T) {
	db, tk, other := streamTable(t)
	execOn(t, other, `BEGIN`)
	execOn(t, other, insertRange(1, 10000))
	db.exec(`INSERT INTO big VALUES (-1, 'small')`)
	execOn(t, other, insertRange(10001, 20000))
	db.exec(`INSERT INTO big VALUES (-2, 'small')`)
	execOn(t, other, `COMMIT`)
	db.exec(`INSERT INTO big VALUES (-3, 'small')`)
	want := append([]int32{-1, -2}, ids(1, 20000)...)
	want = append(want, -3)
	readIDs(t, tk, want)
	streamedTxns(t, db)
}

// TestStreamResumeMidTransaction: a committed offset in the middle of a
// streamed transaction resumes exactly after it.
func TestStreamResumeMidTransaction(t *testing.T) {
	db, tk, other := streamTable(t)
	execOn(t, other, `BEGIN`)
	execOn(t, other, insertRange(1, 20000))
	execOn(t, other, `COMMIT`)
	db.exec(`INSERT INTO big VALUES (-1, 'after')`)
	recs := readN(t, tk, 7000, 60*time.Second)[:7000]
	checkIDs(t, recs, ids(1, 7000))
	committed := lastOffset(recs)
	if err := tk.Commit(context.Background(), committed); err != nil {
		t.Fatal(err)
	}
	if err := tk.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	streamedTxns(t, db)

	tk2 := openTask(t, db.config(KeySnapshotMode, SnapshotNoData, KeyMaxQueueSize, "1000"), []sdk.SourceOffset{committed[0]})
	want := append(ids(7001, 20000), -1)
	got := readN(t, tk2, len(want), 60*time.Second)
	got = append(got, readQuiet(t, tk2, 500*time.Millisecond)...)
	checkIDs(t, got, want)
}
