package host_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/plugins/host"
)

// TestHungPluginIsKilled freezes a plugin process (SIGSTOP): it stops
// answering health checks, so the host kills it and Exited closes with a
// reason, instead of its task hanging forever.
func TestHungPluginIsKilled(t *testing.T) {
	p, err := host.Launch(testCtx(t), host.Plugin{
		Name: "count-source", Path: bin["good"],
		HealthInterval: 100 * time.Millisecond, HealthTimeout: 300 * time.Millisecond,
	}, "frozen", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Stop(ctx)
	})
	if err := syscall.Kill(p.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		syscall.Kill(p.Pid(), syscall.SIGKILL)
		t.Fatal("a frozen plugin was not killed by the health check")
	}
	if err := p.Err(); !errors.Is(err, host.ErrExited) || !strings.Contains(err.Error(), "health check") {
		t.Fatalf("Err = %v, want ErrExited naming the health check", err)
	}
}
