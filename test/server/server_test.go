// Package server tests the all-in-one `sluice server` as a user runs it:
// the binary with its bundled broker, a distributed worker and the REST
// API, a connector created over REST running as plugin processes.
package server

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/client"
)

func sluiceBin(t *testing.T) string {
	if bin := os.Getenv("SLUICE_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "sluice")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/sluice")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build sluice: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestServerRunsAConnectorCreatedOverREST(t *testing.T) {
	kafka, rest := freeAddr(t), freeAddr(t)
	cmd := exec.Command(sluiceBin(t), "server", "--data-dir", t.TempDir(), "--listen", kafka, "--rest", rest, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Error("sluice server did not stop within 30s of SIGTERM")
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := client.New("http://" + rest)
	poll(t, ctx, "the REST API to answer healthy", func() bool {
		h, err := c.Health(ctx)
		return err == nil && h.Status == "healthy"
	})
	if _, err := c.CreateConnector(ctx, api.CreateConnectorRequest{Name: "gen", Config: map[string]string{
		"connector.class": "DatagenSource", "topic": "users", "schema": "users", "count": "3000", "tasks.max": "2",
	}}); err != nil {
		t.Fatalf("create connector: %v", err)
	}
	poll(t, ctx, "the connector and both tasks RUNNING", func() bool {
		st, err := c.ConnectorStatus(ctx, "gen")
		if err != nil || st.Connector.State != "RUNNING" || len(st.Tasks) != 2 {
			return false
		}
		for _, ts := range st.Tasks {
			if ts.State != "RUNNING" || ts.WorkerID != rest {
				return false
			}
		}
		return true
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafka))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	poll(t, ctx, "3000 records in topic users", func() bool {
		ends, err := adm.ListEndOffsets(ctx, "users")
		if err != nil {
			return false
		}
		var n int64
		ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
		return n == 3000
	})
	// The worker keeps its state in the compacted internal topics.
	topics, err := adm.ListTopics(ctx, "connect-configs", "connect-offsets", "connect-status")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"connect-configs", "connect-offsets", "connect-status"} {
		if !topics.Has(name) {
			t.Errorf("internal topic %s missing", name)
		}
	}
}

func poll(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}
