package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

func confirmedFlush(ctx context.Context, conn *pgx.Conn, slot string) (pglogrepl.LSN, error) {
	var s *string
	if err := conn.QueryRow(ctx, `SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, slot).Scan(&s); err != nil {
		return 0, err
	}
	if s == nil {
		return 0, nil
	}
	return pglogrepl.ParseLSN(*s)
}

func offsetLSN(t testing.TB, r record.Record, key string) pglogrepl.LSN {
	t.Helper()
	n, err := sdk.OffsetInt64(r.SourceOffset[key])
	if err != nil {
		t.Fatalf("offset %v: %s: %v", r.SourceOffset, key, err)
	}
	return pglogrepl.LSN(n)
}

// TestCommitAdvancesSlot: Commit moves the slot's confirmed_flush_lsn to
// the committed transaction, never beyond what was committed, and while
// the connector is idle (everything delivered was committed) the slot
// follows the server's WAL so it does not hold WAL back.
func TestCommitAdvancesSlot(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	db.exec(`CREATE TABLE public.t (id int PRIMARY KEY)`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData), nil)
	for i := range 3 {
		db.exec(`INSERT INTO t VALUES ($1)`, i)
	}
	recs := readN(t, tk, 3, 20*time.Second)
	start, err := confirmedFlush(ctx, db.conn, db.name)
	if err != nil {
		t.Fatal(err)
	}
	if c := offsetLSN(t, recs[0], OffsetLSNCommit); start >= c {
		t.Fatalf("before any Commit the slot is at %s, past the first record's commit %s", start, c)
	}
	if err := tk.Commit(ctx, lastOffset(recs[:2])); err != nil {
		t.Fatal(err)
	}
	second := offsetLSN(t, recs[1], OffsetLSNCommit)
	third := offsetLSN(t, recs[2], OffsetLSNCommit)
	waitFor(t, 10*time.Second, "confirmed_flush_lsn reaches the committed record's transaction", func() (bool, error) {
		lsn, err := confirmedFlush(ctx, db.conn, db.name)
		if lsn >= third {
			return false, fmt.Errorf("slot at %s, beyond the uncommitted third record's commit %s", lsn, third)
		}
		return lsn >= second, err
	})

	// Idle: commit everything, then let the server write WAL elsewhere.
	if err := tk.Commit(ctx, lastOffset(recs)); err != nil {
		t.Fatal(err)
	}
	other, err := pgx.Connect(ctx, pgtest.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	var far pglogrepl.LSN
	if err := other.QueryRow(ctx, `SELECT pg_logical_emit_message(false, 'elsewhere', 'x')::text`).Scan(&far); err != nil {
		t.Fatal(err)
	}
	// A commit flushes the WAL (the message alone may wait in a partial page).
	if _, err := other.Exec(ctx, `SELECT txid_current()`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "confirmed_flush_lsn follows the WAL while idle", func() (bool, error) {
		if _, err := tk.Read(ctx); err != nil {
			return false, err
		}
		lsn, err := confirmedFlush(ctx, db.conn, db.name)
		return lsn > far, err
	})
}

// TestHeartbeat: heartbeat records carry an offset that lets the slot
// advance, and the action query runs.
func TestHeartbeat(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	db.exec(`CREATE TABLE public.hb (id int PRIMARY KEY, at timestamptz)`)
	db.exec(`INSERT INTO hb VALUES (1, now())`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData, KeyHeartbeatInterval, "100",
		KeyHeartbeatQuery, "UPDATE hb SET at = now() WHERE id = 1", KeyTableExclude, "public\\.hb"), nil)
	var beats []record.Record
	waitFor(t, 10*time.Second, "two heartbeats", func() (bool, error) {
		recs, err := tk.Read(ctx)
		for _, r := range recs {
			if r.Topic == "__debezium-heartbeat.srv" {
				beats = append(beats, r)
			} else {
				return false, fmt.Errorf("unexpected record on %s", r.Topic)
			}
		}
		return len(beats) >= 2, err
	})
	last := beats[len(beats)-1]
	if err := last.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := tk.Commit(ctx, lastOffset(beats)); err != nil {
		t.Fatal(err)
	}
	want := offsetLSN(t, last, OffsetLSNCommit)
	waitFor(t, 10*time.Second, "slot at the heartbeat's position", func() (bool, error) {
		lsn, err := confirmedFlush(ctx, db.conn, db.name)
		return lsn >= want, err
	})
}

// jsonTrip sends offsets through JSON as the plugin boundary does.
func jsonTrip(t testing.TB, offs []sdk.SourceOffset) []sdk.SourceOffset {
	t.Helper()
	b, err := json.Marshal(offs)
	if err != nil {
		t.Fatal(err)
	}
	var raw []struct {
		Partition map[string]any
		Offset    map[string]any
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := make([]sdk.SourceOffset, len(raw))
	for i, r := range raw {
		out[i] = sdk.SourceOffset{Partition: r.Partition, Offset: r.Offset} // numbers come back as float64
	}
	return out
}

// TestResumeFromCommittedOffset: a commit in the middle of a transaction,
// a restart, more writes: the restarted task delivers exactly what came
// after the committed record.
func TestResumeFromCommittedOffset(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.r (id int PRIMARY KEY)`)
	cfg := db.config(KeySnapshotMode, SnapshotNoData)
	tk := openTask(t, cfg, nil)
	next := 0
	writeTx := func(rows int) {
		db.exec(`INSERT INTO r SELECT generate_series($1::int, $2::int)`, next, next+rows-1)
		next += rows
	}
	for range 5 {
		writeTx(4)
	}
	recs := readN(t, tk, 20, 20*time.Second)
	committed := jsonTrip(t, lastOffset(recs[:10])) // inside the third transaction
	if err := tk.Commit(context.Background(), committed); err != nil {
		t.Fatal(err)
	}
	if err := tk.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		writeTx(4)
	}
	tk2 := openTask(t, cfg, committed)
	got := readN(t, tk2, 18, 20*time.Second)
	got = append(got, readQuiet(t, tk2, 500*time.Millisecond)...)
	if len(got) != 18 {
		t.Fatalf("restart delivered %d records, want 18", len(got))
	}
	for i, r := range got {
		if id := keyField(r, "id"); id != int32(10+i) {
			t.Errorf("restart record %d: id %v, want %d", i, id, 10+i)
		}
	}
}

// TestResumeInsideCopy: COPY writes rows with multi-insert WAL records, so
// several changes share one LSN; the offset's seq still resumes exactly.
func TestResumeInsideCopy(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	db.exec(`CREATE TABLE public.c (id int PRIMARY KEY, s text)`)
	cfg := db.config(KeySnapshotMode, SnapshotNoData)
	tk := openTask(t, cfg, nil)
	var rows [][]any
	for i := range 100 {
		rows = append(rows, []any{int32(i), "row"})
	}
	if _, err := db.conn.CopyFrom(ctx, pgx.Identifier{"c"}, []string{"id", "s"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	recs := readN(t, tk, 100, 20*time.Second)
	lsns := map[pglogrepl.LSN]int{}
	for _, r := range recs {
		lsns[offsetLSN(t, r, OffsetLSN)]++
	}
	if len(lsns) == len(recs) {
		t.Logf("COPY gave every row its own LSN; the test still checks resume")
	}
	committed := jsonTrip(t, lastOffset(recs[:37]))
	if err := tk.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	tk2 := openTask(t, cfg, committed)
	got := readN(t, tk2, 63, 20*time.Second)
	got = append(got, readQuiet(t, tk2, 300*time.Millisecond)...)
	if len(got) != 63 {
		t.Fatalf("restart delivered %d records, want 63", len(got))
	}
	for i, r := range got {
		if id := keyField(r, "id"); id != int32(37+i) {
			t.Fatalf("restart record %d: id %v, want %d", i, id, 37+i)
		}
	}
	t.Logf("%d rows over %d distinct LSNs", len(recs), len(lsns))
}

// TestResumeKeysOnlyForTheirTable: a restored key position applies to the
// table it was saved for; when that table was skipped (dropped, say) and
// the next one starts, the next one starts from its beginning even if its
// key types match.
func TestResumeKeysOnlyForTheirTable(t *testing.T) {
	saved := func() *incResume {
		return &incResume{id: "s1", collections: []incCollection{{ID: "public.a"}, {ID: "public.b"}},
			doneKey: []keyValue{{Type: "integer", Value: "500"}}, maxKey: []keyValue{{Type: "integer", Value: "900"}}}
	}
	same := restoreIncremental(saved())
	same.keyTypes = []string{"integer"}
	same.resumeKeys()
	if !slices.Equal(same.lastKey, []string{"500"}) || !slices.Equal(same.maxKey, []string{"900"}) {
		t.Fatalf("the saved table resumed at %v up to %v, want 500 up to 900", same.lastKey, same.maxKey)
	}
	next := restoreIncremental(saved())
	next.queue = next.queue[1:] // public.a was skipped: public.b is current
	next.keyTypes = []string{"integer"}
	next.resumeKeys()
	if next.lastKey != nil || next.maxKey != nil || next.restore != nil {
		t.Fatalf("the next table took the skipped one's position: from %v up to %v (restore %v)", next.lastKey, next.maxKey, next.restore)
	}
}
