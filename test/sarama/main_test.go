package sarama

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

// TestMain makes sure SLUICE_BIN names a broker binary: when it is unset,
// ./cmd/sluice is built into a temporary directory removed afterwards.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	sarama.Logger = log.New(io.Discard, "", 0)
	if os.Getenv("SARAMA_DEBUG") != "" {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Ltime|log.Lmicroseconds)
	}
	if os.Getenv("SLUICE_BIN") != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "sluice-sarama-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin, err := buildBroker(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("SLUICE_BIN", bin)
	return m.Run()
}

func buildBroker(dir string) (string, error) {
	root, err := brokerproc.RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sluice")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/sluice")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/sluice: %w\n%s", err, out)
	}
	return bin, nil
}

// startBroker starts a fresh broker for one test, stopped when it ends.
func startBroker(t *testing.T) string {
	t.Helper()
	b := brokerproc.StartT(t, brokerproc.Options{
		Configs:      []string{"group.initial.rebalance.delay.ms=0"},
		StartTimeout: 30 * time.Second,
	})
	t.Logf("broker %s pid %d, log %s", b.Addr, b.Pid(), b.LogPath)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("broker log tail:\n%s", b.LogTail())
		}
	})
	return b.Addr
}

// newConfig is the client configuration every part of a run shares: short
// network deadlines so that a silent broker fails the test instead of
// hanging it.
func newConfig(version sarama.KafkaVersion) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = "sluice-sarama-test"
	c.Version = version
	c.Net.DialTimeout = 5 * time.Second
	c.Net.ReadTimeout = 10 * time.Second
	c.Net.WriteTimeout = 5 * time.Second
	c.Metadata.Retry.Max = 5
	c.Metadata.Retry.Backoff = 100 * time.Millisecond
	c.Admin.Timeout = 10 * time.Second
	return c
}
