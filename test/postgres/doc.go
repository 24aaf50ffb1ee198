// Package postgres tests PostgresCdcSource as users run it: the connector
// served by the sluice binary as a plugin subprocess (`sluice plugin serve
// PostgresCdcSource`) under a standalone worker, against the local
// PostgreSQL with logical decoding (test/scripts/postgres.sh readies it).
//
// What it shows (issue 6): a SIGKILL of the plugin process, and separately
// of the worker process (`sluice connect standalone`), in the middle of a
// write load loses no committed change; the only duplicates are events
// after the last committed offset, each delivered again with the same
// source.lsn and source.txId so a sink can drop it; per-key order holds.
//
// Every test has a database, slot and publication of its own (random
// names), dropped at the end; the server is never restarted.
package postgres
