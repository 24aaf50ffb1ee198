package postgres

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
)

// TestValidateWalLevel: against a server with wal_level=replica, Validate
// reports under database.hostname that logical decoding needs
// wal_level=logical and how to set it; once the advice is followed (the
// statement it names, then a restart) the same configuration validates.
func TestValidateWalLevel(t *testing.T) {
	cl := pgtest.StartCluster(t, "wal_level=replica")
	cfg := map[string]string{
		KeyHostname: "127.0.0.1", KeyPort: strconv.Itoa(cl.Port), KeyUser: "postgres", KeyDBName: "postgres",
		KeySSLMode: "disable", KeyTopicPrefix: "srv", KeySlotName: "sluice_wal_level",
	}
	if p := configDef().Validate(cfg); len(p) > 0 {
		t.Fatalf("the ConfigDef rejects the configuration: %v", p)
	}
	ctx := context.Background()
	problems := New().Validate(ctx, cfg)
	if len(problems) != 1 || len(problems[KeyHostname]) != 1 {
		t.Fatalf("problems %v: want exactly one, on %s", problems, KeyHostname)
	}
	got := problems[KeyHostname][0]
	const fix = "ALTER SYSTEM SET wal_level = logical"
	for _, want := range []string{`wal_level is "replica"`, "wal_level=logical", fix, "restart PostgreSQL"} {
		if !strings.Contains(got, want) {
			t.Errorf("problem %q: want it to contain %q", got, want)
		}
	}

	conn, err := pgx.Connect(ctx, cl.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, fix)
	conn.Close(ctx)
	if err != nil {
		t.Fatalf("%s: %v", fix, err)
	}
	cl.Restart()
	if problems := New().Validate(ctx, cfg); problems != nil {
		t.Fatalf("after %s and a restart: problems %v, want none", fix, problems)
	}
}
