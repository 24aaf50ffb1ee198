package postgres

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// sluiceBin is the binary under test: SLUICE_BIN, or ./cmd/sluice built
// into a temporary directory once per test binary.
var sluiceBin string

// lockPostgres takes the lock every test package that uses the local
// Postgres server holds for its whole run (connectors/postgres restarts
// the server in one test), so `go test ./...` runs them one at a time.
func lockPostgres() (unlock func(), err error) {
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

func TestMain(m *testing.M) {
	os.Exit(func() int {
		unlock, err := lockPostgres()
		if err != nil {
			fmt.Fprintln(os.Stderr, "lock the Postgres tests:", err)
			return 1
		}
		defer unlock()
		sluiceBin = os.Getenv("SLUICE_BIN")
		if sluiceBin != "" && sluiceBin != "kfake" {
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "sluice-pgtest")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		sluiceBin = filepath.Join(dir, "sluice")
		cmd := exec.Command("go", "build", "-o", sluiceBin, "./cmd/sluice")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build sluice: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}
