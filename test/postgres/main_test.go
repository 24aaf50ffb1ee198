package postgres

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
)

// sluiceBin is the binary under test: SLUICE_BIN, or ./cmd/sluice built
// into a temporary directory once per test binary.
var sluiceBin string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		unlock, err := pgtest.Lock()
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
