// Package brokerproc starts the broker under test as a subprocess for the Go
// suites under test/ (crash, compaction, bench).
//
// The binary comes from the SLUICE_BIN environment variable:
//
//	unset or empty  build ./cmd/sluice into test/.cache/bin/sluice
//	kfake           build the stand-in test/bench/kfakeserver into test/.cache/bin/kfakeserver
//	a path          use that executable as is
//
// It is run as `BIN broker --data-dir DIR --listen 127.0.0.1:PORT [--config k=v ...]`,
// followed by any extra words in SLUICE_BROKER_ARGS (split on spaces) unless
// Options.Bin names another binary (the benchmark peer).
//
// Invariants: a started Broker accepts TCP connections on Addr before Start
// returns; every Broker is stopped (SIGTERM, then SIGKILL after a deadline)
// by the test's Cleanup, so no test leaves a process behind. Waits never
// sleep for a fixed time: they poll a real signal (a TCP dial, process exit)
// under a deadline.
package brokerproc
