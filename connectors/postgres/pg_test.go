package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// The tests need PostgreSQL with wal_level=logical on 127.0.0.1:5432,
// which test/scripts/postgres.sh sets up (the tests run it once when the
// server is not ready). A test that cannot get there fails, naming it.

const scriptPath = "test/scripts/postgres.sh"

func pgPassword() string {
	if p := os.Getenv("SLUICE_PG_PASSWORD"); p != "" {
		return p
	}
	return "sluice"
}

func adminDSN(db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=5432 user=postgres password=%s dbname=%s sslmode=disable", pgPassword(), db)
}

var ready struct {
	once sync.Once
	err  error
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// checkLogical connects as postgres and reports why logical decoding is
// not available.
func checkLogical(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, adminDSN("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var level string
	if err := conn.QueryRow(ctx, "SHOW wal_level").Scan(&level); err != nil {
		return err
	}
	if level != "logical" {
		return fmt.Errorf("wal_level is %q", level)
	}
	var rules int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_hba_file_rules WHERE 'sluice_auth_test' = ANY(user_name)`).Scan(&rules); err != nil {
		return err
	}
	if rules == 0 {
		return fmt.Errorf("pg_hba has no password rule for role sluice_auth_test")
	}
	return nil
}

// requirePostgres makes sure the server is ready, running the script once
// per test binary if it is not.
func requirePostgres(t testing.TB) {
	t.Helper()
	ready.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if checkLogical(ctx) == nil {
			return
		}
		cmd := exec.Command("bash", filepath.Join(repoRoot(), scriptPath))
		out, err := cmd.CombinedOutput()
		if err != nil {
			ready.err = fmt.Errorf("%s failed: %v\n%s", scriptPath, err, out)
			return
		}
		ready.err = checkLogical(ctx)
	})
	if ready.err != nil {
		t.Fatalf("PostgreSQL with wal_level=logical is not reachable on 127.0.0.1:5432 (run %s): %v", scriptPath, ready.err)
	}
}

// testDB is a database of its own for one test, dropped (with its slots)
// at the end.
type testDB struct {
	t    testing.TB
	name string
	conn *pgx.Conn // connected to the database as postgres
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	requirePostgres(t)
	ctx := context.Background()
	name := fmt.Sprintf("sluice_pg_%08x", rand.Uint32())
	admin, err := pgx.Connect(ctx, adminDSN("postgres"))
	if err != nil {
		t.Fatalf("connect (run %s): %v", scriptPath, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { dropTestDB(t, name) })
	conn, err := pgx.Connect(ctx, adminDSN(name))
	if err != nil {
		t.Fatalf("connect to %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &testDB{t: t, name: name, conn: conn}
}

func dropTestDB(t testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminDSN("postgres"))
	if err != nil {
		t.Errorf("cleanup: connect: %v", err)
		return
	}
	defer admin.Close(ctx)
	rows, err := admin.Query(ctx, `SELECT slot_name::text FROM pg_replication_slots WHERE database = $1`, name)
	var slots []string
	if err == nil {
		slots, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		t.Errorf("cleanup: list slots of %s: %v", name, err)
	}
	if len(slots) > 0 {
		_, _ = admin.Exec(ctx, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`, name)
		cfg, _ := pgconn.ParseConfig(adminDSN(name) + " replication=database")
		repl, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Errorf("cleanup: %v", err)
		} else {
			for _, s := range slots { // WAIT: until the terminated walsender released it
				if _, err := repl.Exec(ctx, "DROP_REPLICATION_SLOT "+s+" WAIT").ReadAll(); err != nil {
					t.Errorf("cleanup: drop slot %s: %v", s, err)
				}
			}
			repl.Close(ctx)
		}
	}
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Errorf("cleanup: drop database %s: %v", name, err)
	}
}

func (d *testDB) exec(sql string, args ...any) {
	d.t.Helper()
	if _, err := d.conn.Exec(context.Background(), sql, args...); err != nil {
		d.t.Fatalf("%s: %v", firstLine(sql), err)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// config returns a connector configuration for the database; extra
// key/value pairs override.
func (d *testDB) config(extra ...string) map[string]string {
	cfg := map[string]string{
		KeyHostname: "127.0.0.1", KeyPort: "5432", KeyUser: "postgres", KeyPassword: pgPassword(),
		KeyDBName: d.name, KeySSLMode: "disable", KeyTopicPrefix: "srv",
		KeySlotName: d.name, KeyStatusInterval: "200", KeyPollInterval: "100",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	return cfg
}

// openTask configures and opens a task, stopped at the end of the test.
func openTask(t testing.TB, cfg map[string]string, committed []sdk.SourceOffset) *task {
	t.Helper()
	tk := newTask()
	ctx := context.Background()
	if err := tk.Configure(ctx, cfg); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if err := tk.Open(ctx, committed); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = tk.Stop(context.Background()) })
	return tk
}

// readN reads until n records arrived (or fails after timeout).
func readN(t testing.TB, tk *task, n int, timeout time.Duration) []record.Record {
	t.Helper()
	var got []record.Record
	deadline := time.Now().Add(timeout)
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("read %d of %d records within %v", len(got), n, timeout)
		}
		recs, err := tk.Read(context.Background())
		if err != nil {
			t.Fatalf("Read after %d records: %v", len(got), err)
		}
		got = append(got, recs...)
	}
	for i, r := range got {
		if err := r.Validate(); err != nil {
			t.Errorf("record %d (%s): %v", i, r.Topic, err)
		}
	}
	return got
}

// readQuiet reads until Read returned nothing for a while.
func readQuiet(t testing.TB, tk *task, quiet time.Duration) []record.Record {
	t.Helper()
	var got []record.Record
	last := time.Now()
	for time.Since(last) < quiet {
		recs, err := tk.Read(context.Background())
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(recs) > 0 {
			got, last = append(got, recs...), time.Now()
		}
	}
	return got
}

// lastOffset is what the runtime would commit after recs.
func lastOffset(recs []record.Record) []sdk.SourceOffset {
	r := recs[len(recs)-1]
	return []sdk.SourceOffset{{Partition: r.SourcePartition, Offset: r.SourceOffset}}
}

func envelope(t testing.TB, r record.Record) (op string, before, after *record.Struct) {
	t.Helper()
	v, ok := r.Value.(*record.Struct)
	if !ok {
		t.Fatalf("record on %s: value %T, want an envelope", r.Topic, r.Value)
	}
	op, _ = v.Get("op").(string)
	before, _ = v.Get("before").(*record.Struct)
	after, _ = v.Get("after").(*record.Struct)
	return op, before, after
}

func keyField(r record.Record, field string) any {
	k, ok := r.Key.(*record.Struct)
	if !ok {
		return nil
	}
	return k.Get(field)
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := cond()
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		<-tick.C
	}
}
