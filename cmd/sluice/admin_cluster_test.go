package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/sluicehq/sluice/broker"
)

// startTestCluster starts a Sluice broker in process, on a free port over a
// fresh data directory, for the admin command tests, and returns its
// bootstrap address. The tests create their own topics through the CLI.
func startTestCluster(t *testing.T) (bootstrap string) {
	t.Helper()
	b, err := broker.New(broker.Config{
		DataDir: t.TempDir(),
		Listen:  "127.0.0.1:0",
		NodeID:  1,
		Configs: map[string]string{"group.initial.rebalance.delay.ms": "0"},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start sluice broker: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("broker stopped with %v", err)
		}
	})
	return b.Addr()
}
