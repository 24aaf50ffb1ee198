package main

import (
	"testing"

	"github.com/sluicehq/sluice/broker/brokertest"
)

// startTestCluster starts a Sluice broker in process, on a free port over a
// fresh data directory, for the admin command tests, and returns its
// bootstrap address. The tests create their own topics through the CLI.
func startTestCluster(t *testing.T) (bootstrap string) {
	t.Helper()
	return brokertest.Start(t)
}
