package postgres

import (
	"testing"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
)

// Test helpers for the postgres_test package (the acceptance kit runs
// against the exported API only).

// TestDB is a test's own database.
type TestDB = testDB

// NewTestDB creates a database for t, dropped with its slots at the end.
func NewTestDB(t testing.TB) *TestDB { return newTestDB(t) }

// AdminDSN is the DSN of database db as postgres.
func AdminDSN(db string) string { return pgtest.DSN(db) }

// Exec runs sql, failing the test on error.
func (d *testDB) Exec(sql string, args ...any) { d.t.Helper(); d.exec(sql, args...) }

// Name is the database's name.
func (d *testDB) Name() string { return d.name }

// Config is a connector configuration for the database.
func (d *testDB) Config(extra ...string) map[string]string { return d.config(extra...) }
