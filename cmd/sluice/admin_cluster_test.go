package main

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// startTestCluster starts a Kafka-protocol cluster for the admin command
// tests and returns its bootstrap address list. It is the only place that
// knows what server runs: for now franz-go's in-process kfake, later the
// Sluice broker. The tests create their own topics through the CLI, so the
// cluster starts empty.
func startTestCluster(t *testing.T) (bootstrap string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("start kfake cluster: %v", err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}
