package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// The tests need PostgreSQL with wal_level=logical on 127.0.0.1:5432,
// which test/scripts/postgres.sh sets up (package pgtest runs it once when
// the server is not ready). A test that cannot get there fails, naming it.

// testDB is a database of its own for one test, dropped (with its slots)
// at the end.
type testDB struct {
	t    testing.TB
	name string
	conn *pgx.Conn // connected to the database as postgres
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	name := pgtest.NewDB(t, "sluice_pg")
	conn, err := pgx.Connect(context.Background(), pgtest.DSN(name))
	if err != nil {
		t.Fatalf("connect to %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &testDB{t: t, name: name, conn: conn}
}

func (d *testDB) exec(sql string, args ...any) {
	d.t.Helper()
	if _, err := d.conn.Exec(context.Background(), sql, args...); err != nil {
		d.t.Fatalf("%s: %v", firstLine(sql), err)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// config returns a connector configuration for the database; extra
// key/value pairs override.
func (d *testDB) config(extra ...string) map[string]string {
	cfg := map[string]string{
		KeyHostname: "127.0.0.1", KeyPort: "5432", KeyUser: "postgres", KeyPassword: pgtest.Password(),
		KeyDBName: d.name, KeySSLMode: "disable", KeyTopicPrefix: "srv",
		KeySlotName: d.name, KeyStatusInterval: "200", KeyPollInterval: "100",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	return cfg
}

// openTask configures and opens a task, stopped at the end of the test.
func openTask(t testing.TB, cfg map[string]string, committed []sdk.SourceOffset) *task {
	t.Helper()
	tk := newTask()
	ctx := context.Background()
	if err := tk.Configure(ctx, cfg); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if err := tk.Open(ctx, committed); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = tk.Stop(context.Background()) })
	return tk
}

// readN reads until n records arrived (or fails after timeout).
func readN(t testing.TB, tk *task, n int, timeout time.Duration) []record.Record {
	t.Helper()
	var got []record.Record
	deadline := time.Now().Add(timeout)
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("read %d of %d records within %v", len(got), n, timeout)
		}
		recs, err := tk.Read(context.Background())
		if err != nil {
			t.Fatalf("Read after %d records: %v", len(got), err)
		}
		got = append(got, recs...)
	}
	for i, r := range got {
		if err := r.Validate(); err != nil {
			t.Errorf("record %d (%s): %v", i, r.Topic, err)
		}
	}
	return got
}

// readQuiet reads until Read returned nothing for a while.
func readQuiet(t testing.TB, tk *task, quiet time.Duration) []record.Record {
	t.Helper()
	var got []record.Record
	last := time.Now()
	for time.Since(last) < quiet {
		recs, err := tk.Read(context.Background())
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(recs) > 0 {
			got, last = append(got, recs...), time.Now()
		}
	}
	return got
}

// lastOffset is what the runtime would commit after recs.
func lastOffset(recs []record.Record) []sdk.SourceOffset {
	r := recs[len(recs)-1]
	return []sdk.SourceOffset{{Partition: r.SourcePartition, Offset: r.SourceOffset}}
}

func envelope(t testing.TB, r record.Record) (op string, before, after *record.Struct) {
	t.Helper()
	v, ok := r.Value.(*record.Struct)
	if !ok {
		t.Fatalf("record on %s: value %T, want an envelope", r.Topic, r.Value)
	}
	op, _ = v.Get("op").(string)
	before, _ = v.Get("before").(*record.Struct)
	after, _ = v.Get("after").(*record.Struct)
	return op, before, after
}

func keyField(r record.Record, field string) any {
	k, ok := r.Key.(*record.Struct)
	if !ok {
		return nil
	}
	return k.Get(field)
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := cond()
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		<-tick.C
	}
}
