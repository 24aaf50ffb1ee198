// Package brokertest runs a Sluice broker inside a test's process: the one
// way the tests of every package get a real broker to talk to (the broker
// package's own tests aside, which cannot import it).
package brokertest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/sluicehq/sluice/broker"
)

// Start runs a broker on 127.0.0.1 (a free port) with a fresh data
// directory until the test ends, and returns its address. Consumer groups
// start without the initial rebalance delay; configs are further broker
// configs as name, value pairs. A broker that fails to start or stops with
// an error fails the test.
func Start(t testing.TB, configs ...string) string {
	t.Helper()
	cfg := map[string]string{"group.initial.rebalance.delay.ms": "0"}
	for i := 0; i+1 < len(configs); i += 2 {
		cfg[configs[i]] = configs[i+1]
	}
	b, err := broker.New(broker.Config{
		DataDir: t.TempDir(),
		Listen:  "127.0.0.1:0",
		NodeID:  1,
		Configs: cfg,
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("start broker: %v", err)
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
