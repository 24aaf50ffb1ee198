package postgres

import (
	"context"
	"strings"
	"testing"
)

// TestValidate checks that Validate reports, by property, what would stop
// the connector from starting.
func TestValidate(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	// Role sluice_auth_test authenticates by password (test/scripts/postgres.sh
	// puts a pg_hba line first); sluice_norepl lacks REPLICATION.
	for _, stmt := range []string{
		`DROP ROLE IF EXISTS sluice_auth_test`, `CREATE ROLE sluice_auth_test LOGIN REPLICATION PASSWORD 'right'`,
		`DROP ROLE IF EXISTS sluice_norepl`, `CREATE ROLE sluice_norepl LOGIN`,
	} {
		db.exec(stmt)
	}
	t.Cleanup(func() {
		for _, r := range []string{"sluice_auth_test", "sluice_norepl"} {
			_, _ = db.conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+r)
		}
	})
	c := New()
	for _, tc := range []struct {
		name  string
		extra []string
		key   string // "": valid
		text  string
	}{
		{"valid", nil, "", ""},
		{"valid password", []string{KeyUser, "sluice_auth_test", KeyPassword, "right", KeyPublicationMode, PublicationFiltered}, "", ""},
		{"all_tables needs superuser", []string{KeyUser, "sluice_auth_test", KeyPassword, "right"}, KeyPublicationMode, "needs superuser"},
		{"wrong password", []string{KeyUser, "sluice_auth_test", KeyPassword, "wrong"}, KeyPassword, "refused user"},
		{"unknown user", []string{KeyUser, "nobody_here"}, KeyUser, "refused user"},
		{"unreachable", []string{KeyPort, "1"}, KeyHostname, "cannot reach"},
		{"no database", []string{KeyDBName, "no_such_db_here"}, KeyDBName, "does not exist"},
		{"no replication privilege", []string{KeyUser, "sluice_norepl"}, KeyUser, "REPLICATION"},
		{"bad snapshot.mode", []string{KeySnapshotMode, "sometimes"}, KeySnapshotMode, "must be one of"},
		{"bad slot name", []string{KeySlotName, "Bad-Name"}, KeySlotName, "lower-case"},
		{"bad table regex", []string{KeyTableInclude, "public.(x"}, KeyTableInclude, "regular expression"},
		{"bad key columns", []string{KeyMessageKeyColumns, "public.t"}, KeyMessageKeyColumns, "schema.table:column"},
		{"publication missing", []string{KeyPublicationMode, PublicationDisabled, KeyPublicationName, "nope"}, KeyPublicationName, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := db.config(tc.extra...)
			problems := map[string][]string{}
			for k, v := range configDef().Validate(cfg) {
				problems[k] = append(problems[k], v...)
			}
			for k, v := range c.Validate(ctx, cfg) {
				problems[k] = append(problems[k], v...)
			}
			if tc.key == "" {
				if len(problems) > 0 {
					t.Fatalf("problems with a valid configuration: %v", problems)
				}
				return
			}
			got := strings.Join(problems[tc.key], "; ")
			if !strings.Contains(got, tc.text) {
				t.Errorf("problems %v: want one on %s containing %q", problems, tc.key, tc.text)
			}
		})
	}
}
