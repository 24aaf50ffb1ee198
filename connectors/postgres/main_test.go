package postgres

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMain holds the lock every test package that uses the local Postgres
// server takes for its whole run (TestPostgresRestart restarts the server),
// so `go test ./...` runs those packages one at a time.
func TestMain(m *testing.M) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "sluice-postgres-tests.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lock the Postgres tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	f.Close()
	os.Exit(code)
}
