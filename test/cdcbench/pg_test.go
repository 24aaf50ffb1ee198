package cdcbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The local server: 127.0.0.1:5432 as postgres (trust, or the password
// test/scripts/postgres.sh sets from SLUICE_PG_PASSWORD).

func pgPassword() string {
	if p := os.Getenv("SLUICE_PG_PASSWORD"); p != "" {
		return p
	}
	return "sluice"
}

func dsn(db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=5432 user=postgres password=%s dbname=%s sslmode=disable", pgPassword(), db)
}

var pgReady struct {
	once sync.Once
	err  error
}

func walLevel(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, dsn("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var level string
	err = conn.QueryRow(ctx, "SHOW wal_level").Scan(&level)
	return level, err
}

// requirePostgres runs test/scripts/postgres.sh once when the server is
// not ready for logical decoding.
func requirePostgres(t testing.TB) {
	t.Helper()
	pgReady.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if l, err := walLevel(ctx); err == nil && l == "logical" {
			return
		}
		out, err := exec.Command("bash", filepath.Join("..", "scripts", "postgres.sh")).CombinedOutput()
		if err != nil {
			pgReady.err = fmt.Errorf("test/scripts/postgres.sh: %v\n%s", err, out)
			return
		}
		if l, err := walLevel(ctx); err != nil || l != "logical" {
			pgReady.err = fmt.Errorf("wal_level %q after test/scripts/postgres.sh: %v", l, err)
		}
	})
	if pgReady.err != nil {
		t.Fatalf("PostgreSQL with wal_level=logical on 127.0.0.1:5432: %v", pgReady.err)
	}
}

// newDB creates a database of the test's own and drops it (and its slots)
// when the test ends.
func newDB(t testing.TB) string {
	t.Helper()
	requirePostgres(t)
	ctx := context.Background()
	name := fmt.Sprintf("sluice_cdcbench_%08x", rand.Uint32())
	admin, err := pgx.Connect(ctx, dsn("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { dropDB(t, name) })
	return name
}

// dropDB ends the database's walsenders, drops its slots (DROP_REPLICATION_SLOT
// … WAIT: until the terminated walsender released the slot) and the database.
func dropDB(t testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn("postgres"))
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
		cfg, _ := pgconn.ParseConfig(dsn(name) + " replication=database")
		repl, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Errorf("cleanup: %v", err)
		} else {
			for _, s := range slots {
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
