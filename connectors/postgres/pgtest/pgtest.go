// Package pgtest gives tests the local PostgreSQL server that
// test/scripts/postgres.sh makes ready for logical decoding: its connection
// strings, a database of each test's own (dropped with its replication
// slots when the test ends), the script run once when the server is not
// ready, and the lock every test package that uses the server holds for its
// run (one test restarts it). The connector's tests and the suites under
// test/ share it.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// scriptPath is test/scripts/postgres.sh, found from this file's place in
// the repository (tests run in their own package directories).
func scriptPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "test", "scripts", "postgres.sh")
}

// The local server: 127.0.0.1:5432 as postgres (trust, or the password
// test/scripts/postgres.sh sets from SLUICE_PG_PASSWORD).

// Password is the postgres role's password test/scripts/postgres.sh sets
// (SLUICE_PG_PASSWORD, default "sluice").
func Password() string {
	if p := os.Getenv("SLUICE_PG_PASSWORD"); p != "" {
		return p
	}
	return "sluice"
}

// DSN is the keyword/value connection string of database db.
func DSN(db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=5432 user=postgres password=%s dbname=%s sslmode=disable", Password(), db)
}

var pgReady struct {
	once sync.Once
	err  error
}

// checkReady says why the server is not ready: not reachable, wal_level
// not logical, or pg_hba without the password rule for role
// sluice_auth_test that the script adds (the connector's authentication
// test needs it).
func checkReady(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, DSN("postgres"))
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

// Require runs test/scripts/postgres.sh once when the server is
// not ready for logical decoding.
func Require(t testing.TB) {
	t.Helper()
	pgReady.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if checkReady(ctx) == nil {
			return
		}
		out, err := exec.Command("bash", scriptPath()).CombinedOutput()
		if err != nil {
			pgReady.err = fmt.Errorf("test/scripts/postgres.sh: %v\n%s", err, out)
			return
		}
		pgReady.err = checkReady(ctx)
	})
	if pgReady.err != nil {
		t.Fatalf("PostgreSQL with wal_level=logical on 127.0.0.1:5432: %v", pgReady.err)
	}
}

// NewDB creates a database of the test's own, named prefix_<random>, and drops it (and its slots)
// when the test ends.
func NewDB(t testing.TB, prefix string) string {
	t.Helper()
	Require(t)
	ctx := context.Background()
	name := fmt.Sprintf("%s_%08x", prefix, rand.Uint32())
	admin, err := pgx.Connect(ctx, DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { DropDB(t, name) })
	return name
}

// DropDB ends the database's walsenders, drops its slots (DROP_REPLICATION_SLOT
// … WAIT: until the terminated walsender released the slot) and the database.
func DropDB(t testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, DSN("postgres"))
	if err != nil {
		t.Errorf("cleanup: %v", err)
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
		cfg, _ := pgconn.ParseConfig(DSN(name) + " replication=database")
		repl, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Errorf("cleanup: %v", err)
		} else {
			for _, s := range slots {
				_, err := repl.Exec(ctx, "DROP_REPLICATION_SLOT "+s+" WAIT").ReadAll()
				var pe *pgconn.PgError
				if errors.As(err, &pe) && pe.Code == "42704" {
					continue // a temporary slot, gone with its session after the listing
				}
				if err != nil {
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

// Lock takes the lock every test package that uses the local server holds
// for its whole run, so that `go test ./...` runs them one at a time (the
// connector's TestPostgresRestart restarts the server). Call it from
// TestMain and call unlock when the tests are done.
func Lock() (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "sluice-postgres-tests.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
