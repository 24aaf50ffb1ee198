package postgres

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
)

// TestMain holds the lock every test package that uses the local Postgres
// server takes for its whole run (TestPostgresRestart restarts the server),
// so `go test ./...` runs those packages one at a time. A fuzzing worker
// (a child process of the one holding the lock) runs only the fuzz target,
// which needs no server.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		os.Exit(m.Run())
	}
	unlock, err := pgtest.Lock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lock the Postgres tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	unlock()
	os.Exit(code)
}
