package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/broker/brokertest"
)

// startBroker runs a bundled broker on 127.0.0.1 until the test ends and
// returns its address.
func startBroker(t *testing.T) string {
	t.Helper()
	return brokertest.Start(t)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func admin(t *testing.T, addr string) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// ensure creates an internal topic for a test.
func ensure(t *testing.T, addr string, spec TopicSpec) LogConfig {
	t.Helper()
	if spec.ReplicationFactor == 0 {
		spec.ReplicationFactor = -1
	}
	if err := EnsureTopic(testCtx(t), admin(t, addr), spec); err != nil {
		t.Fatalf("ensure topic: %v", err)
	}
	return LogConfig{Seeds: []string{addr}, Topic: spec.Name}
}
