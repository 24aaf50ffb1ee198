package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// writer inserts ids 0, 1, 2, … into table w(id) in transactions of 1 to
// 5 rows until stopped, riding out server restarts: a failed transaction
// is retried with ON CONFLICT DO NOTHING (it may have committed before the
// connection broke), so in the end exactly ids [0, n) exist.
type writer struct {
	stop chan struct{}
	done chan struct{}
	n    int
	err  error
}

func startWriter(t testing.TB, db string) *writer {
	w := &writer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = w.run(db)
	}()
	t.Cleanup(func() { w.finish() })
	return w
}

func (w *writer) run(db string) error {
	ctx := context.Background()
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(ctx)
		}
	}()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Time{}
	for i := 0; ; i++ {
		select {
		case <-w.stop:
			return nil
		case <-tick.C:
		}
		rows := 1 + i%5
		for {
			if conn == nil {
				c, err := pgx.Connect(ctx, pgtest.DSN(db))
				if err != nil {
					if deadline.IsZero() {
						deadline = time.Now().Add(30 * time.Second)
					} else if time.Now().After(deadline) {
						return err
					}
					<-tick.C
					continue
				}
				conn = c
			}
			_, err := conn.Exec(ctx, `INSERT INTO w SELECT generate_series($1::int, $2::int) ON CONFLICT DO NOTHING`, w.n, w.n+rows-1)
			if err == nil {
				deadline = time.Time{}
				break
			}
			conn.Close(ctx)
			conn = nil
		}
		w.n += rows
	}
}

// finish stops the writer and returns how many ids it wrote.
func (w *writer) finish() int {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	return w.n
}

// collectIDs reads until every id in [0, n) arrived once and nothing more
// comes; it fails on duplicates.
func collectIDs(t testing.TB, tk *task, seen map[int32]int, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for len(seen) < n {
		if time.Now().After(deadline) {
			for id := range int32(n) {
				if seen[id] == 0 {
					t.Fatalf("%d of %d ids arrived within %v; e.g. %d is missing", len(seen), n, timeout, id)
				}
			}
		}
		recs, err := tk.Read(context.Background())
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		countIDs(t, recs, seen)
	}
	countIDs(t, readQuiet(t, tk, 300*time.Millisecond), seen)
	for id, c := range seen {
		if c > 1 {
			t.Errorf("id %d delivered %d times", id, c)
		}
	}
}

func countIDs(t testing.TB, recs []record.Record, seen map[int32]int) {
	for _, r := range recs {
		if id, ok := keyField(r, "id").(int32); ok && r.Value != nil {
			seen[id]++
		}
	}
}

func terminateWalsender(t testing.TB, db *testDB) {
	t.Helper()
	waitFor(t, 10*time.Second, "terminate the walsender", func() (bool, error) {
		var n int
		err := db.conn.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots
			WHERE slot_name = $1 AND active_pid IS NOT NULL`, db.name).Scan(&n)
		return n > 0, err
	})
}

// TestWalsenderTerminated: the server ends the replication connection
// mid-stream (as a failover or an admin would); the task reconnects and
// goes on without a gap or a duplicate.
func TestWalsenderTerminated(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.w (id int PRIMARY KEY)`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData), nil)
	w := startWriter(t, db.name)
	seen := map[int32]int{}
	for range 3 {
		countIDs(t, readN(t, tk, 200, 20*time.Second), seen)
		terminateWalsender(t, db)
	}
	n := w.finish()
	if w.err != nil {
		t.Fatal(w.err)
	}
	collectIDs(t, tk, seen, n, 30*time.Second)
	t.Logf("%d ids through 3 walsender terminations", n)
}

// restartPostgres restarts the local cluster (as test/scripts/postgres.sh
// started it).
func restartPostgres(t testing.TB, db *testDB) {
	t.Helper()
	var version string
	if err := db.conn.QueryRow(context.Background(), `SELECT current_setting('server_version_num')::int / 10000`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	args := []string{"pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"}
	switch {
	case os.Geteuid() == 0:
		args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
	case os.Getenv("USER") != "postgres":
		args = append([]string{"sudo", "-n", "-u", "postgres", "--"}, args...)
	}
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Errorf("restart PostgreSQL (%s): %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestPostgresRestart: the server restarts mid-stream; the task reconnects
// with backoff and resumes without a gap or a duplicate. As the runtime
// does, the test goes on reading and committing during the restart: a
// fast shutdown waits until the walsender's client confirmed everything
// it was sent, which the connector does once all it delivered is committed.
func TestPostgresRestart(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.w (id int PRIMARY KEY)`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData), nil)
	w := startWriter(t, db.name)
	seen := map[int32]int{}
	countIDs(t, readN(t, tk, 300, 20*time.Second), seen)
	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		restartPostgres(t, db)
	}()
	ctx := context.Background()
	after := 0
	for done := false; !done || after < 300; {
		select {
		case <-restarted:
			done = true
		default:
		}
		recs, err := tk.Read(ctx)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(recs) > 0 {
			countIDs(t, recs, seen)
			if err := tk.Commit(ctx, lastOffset(recs)); err != nil {
				t.Fatal(err)
			}
			if done {
				after += len(recs)
			}
		}
	}
	// The test's own connection died with the server.
	conn, err := pgx.Connect(ctx, pgtest.DSN(db.name))
	if err != nil {
		t.Fatal(err)
	}
	db.conn = conn
	n := w.finish()
	if w.err != nil {
		t.Fatal(w.err)
	}
	collectIDs(t, tk, seen, n, 30*time.Second)
	t.Logf("%d ids through a PostgreSQL restart", n)
}

func dropSlotOutside(t testing.TB, db *testDB) {
	t.Helper()
	waitFor(t, 10*time.Second, "drop the slot from outside", func() (bool, error) {
		ctx := context.Background()
		_, _ = db.conn.Exec(ctx, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, db.name)
		_, err := db.conn.Exec(ctx, `SELECT pg_drop_replication_slot($1)`, db.name)
		return err == nil, nil
	})
}

// TestSlotDropped: without when_needed a lost slot fails the task with a
// fatal error that says how to recover; with when_needed the task takes a
// new snapshot and streams on.
func TestSlotDropped(t *testing.T) {
	t.Run("fatal", func(t *testing.T) {
		db := newTestDB(t)
		db.exec(`CREATE TABLE public.d (id int PRIMARY KEY)`)
		tk := openTask(t, db.config(KeySnapshotMode, SnapshotInitial), nil)
		db.exec(`INSERT INTO d VALUES (1)`)
		readN(t, tk, 1, 20*time.Second)
		dropSlotOutside(t, db)
		var err error
		waitFor(t, 20*time.Second, "Read fails", func() (bool, error) {
			_, err = tk.Read(context.Background())
			return err != nil, nil
		})
		if !errors.Is(err, sdk.ErrFatal) || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "snapshot.mode=when_needed") {
			t.Errorf("Read: %v; want a fatal error naming the missing slot and snapshot.mode=when_needed", err)
		}
		// Reopening with the committed offset fails the same way, up front.
		tk2 := newTask()
		if err := tk2.Configure(context.Background(), db.config(KeySnapshotMode, SnapshotInitial)); err != nil {
			t.Fatal(err)
		}
		off := []sdk.SourceOffset{{Partition: map[string]any{PartitionServer: "srv"},
			Offset: map[string]any{OffsetLSNCommit: int64(1), OffsetSeq: int64(1)}}}
		if err := tk2.Open(context.Background(), off); !errors.Is(err, sdk.ErrFatal) {
			t.Errorf("Open with a committed offset and no slot: %v, want fatal", err)
		}
	})
	t.Run("when_needed", func(t *testing.T) {
		db := newTestDB(t)
		db.exec(`CREATE TABLE public.d (id int PRIMARY KEY)`)
		db.exec(`INSERT INTO d VALUES (1)`)
		tk := openTask(t, db.config(KeySnapshotMode, SnapshotWhenNeeded), nil)
		db.exec(`INSERT INTO d VALUES (2)`)
		if ops := opsOf(t, readN(t, tk, 2, 20*time.Second)); ops != "r1 c2" {
			t.Fatalf("first run: %s", ops)
		}
		dropSlotOutside(t, db)
		db.exec(`INSERT INTO d VALUES (3)`)
		got := readN(t, tk, 3, 20*time.Second)
		if ops := opsOf(t, got); ops != "r1 r2 r3" {
			t.Fatalf("after the slot was dropped: %s, want a new snapshot r1 r2 r3", ops)
		}
		db.exec(`INSERT INTO d VALUES (4)`)
		if ops := opsOf(t, readN(t, tk, 1, 20*time.Second)); ops != "c4" {
			t.Fatalf("streaming after the new snapshot: %s", ops)
		}
	})
}

func opsOf(t testing.TB, recs []record.Record) string {
	var parts []string
	for _, r := range recs {
		op, _, _ := envelope(t, r)
		parts = append(parts, fmt.Sprintf("%s%v", op, keyField(r, "id")))
	}
	return strings.Join(parts, " ")
}
