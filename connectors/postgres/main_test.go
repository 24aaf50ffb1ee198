package postgres

import (
	"fmt"
	"os"
	"testing"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
)

// TestMain holds the lock every test package that uses the local Postgres
// server takes for its whole run (TestPostgresRestart restarts the server),
// so `go test ./...` runs those packages one at a time.
func TestMain(m *testing.M) {
	unlock, err := pgtest.Lock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lock the Postgres tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	unlock()
	os.Exit(code)
}
