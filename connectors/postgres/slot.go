package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// slotInfo is a row of pg_replication_slots.
type slotInfo struct {
	plugin, database string
	confirmed        pglogrepl.LSN
	lost             bool // wal_status = 'lost': the WAL it needs is gone
}

// querySlot returns the slot, or nil when it does not exist.
func querySlot(ctx context.Context, conn *pgx.Conn, name string) (*slotInfo, error) {
	var s slotInfo
	var plugin, db, status *string
	var confirmed *string
	err := conn.QueryRow(ctx, `SELECT plugin::text, database::text, confirmed_flush_lsn::text, wal_status
		FROM pg_replication_slots WHERE slot_name = $1`, name).Scan(&plugin, &db, &confirmed, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up replication slot %q: %w", name, err)
	}
	s.plugin, s.database = deref(plugin), deref(db)
	s.lost = deref(status) == "lost"
	if confirmed != nil {
		if s.confirmed, err = pglogrepl.ParseLSN(*confirmed); err != nil {
			return nil, fmt.Errorf("slot %q: confirmed_flush_lsn %q: %w", name, *confirmed, err)
		}
	}
	return &s, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkSlot refuses a slot this connector cannot use.
func (c *config) checkSlot(s *slotInfo) error {
	if p := c.slotProblem(s); p != "" {
		return fmt.Errorf("%s: %w", p, sdk.ErrFatal)
	}
	return nil
}

func (c *config) slotProblem(s *slotInfo) string {
	if s.plugin != "pgoutput" || s.database != c.dbname {
		return fmt.Sprintf("replication slot %q exists for plugin %q in database %q, not pgoutput in %q: choose another %s",
			c.slot, s.plugin, s.database, c.dbname, KeySlotName)
	}
	return ""
}

// createSlot creates the logical slot on a replication connection. With
// export, the returned snapshot name stays valid until the next command
// on repl.
func createSlot(ctx context.Context, repl *pgconn.PgConn, name string, temporary, export bool) (pglogrepl.CreateReplicationSlotResult, error) {
	action := "NOEXPORT_SNAPSHOT"
	if export {
		action = "EXPORT_SNAPSHOT"
	}
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, name, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Temporary: temporary, SnapshotAction: action, Mode: pglogrepl.LogicalReplication})
	if err != nil {
		return res, fmt.Errorf("create replication slot %q: %w", name, err)
	}
	return res, nil
}

func dropSlot(ctx context.Context, repl *pgconn.PgConn, name string) error {
	err := pglogrepl.DropReplicationSlot(ctx, repl, name, pglogrepl.DropReplicationSlotOptions{Wait: true})
	if err != nil && pgCode(err) != "42704" { // undefined_object: already gone
		return fmt.Errorf("drop replication slot %q: %w", name, err)
	}
	return nil
}

// ensurePublication makes the publication exist as publication.autocreate.mode says.
func ensurePublication(ctx context.Context, conn *pgx.Conn, c *config, cat *catalog) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)`, c.publication).Scan(&exists); err != nil {
		return fmt.Errorf("look up publication %q: %w", c.publication, err)
	}
	ident := pgx.Identifier{c.publication}.Sanitize()
	switch c.publicationMode {
	case PublicationDisabled:
		if !exists {
			return fmt.Errorf("publication %q does not exist and %s=disabled: create it (CREATE PUBLICATION %s FOR TABLE …) or change the mode: %w",
				c.publication, KeyPublicationMode, ident, sdk.ErrFatal)
		}
		return nil
	case PublicationAllTables:
		if exists {
			return nil
		}
		if _, err := conn.Exec(ctx, "CREATE PUBLICATION "+ident+" FOR ALL TABLES"); err != nil {
			return fmt.Errorf("create publication %q FOR ALL TABLES (needs superuser; or use %s=filtered): %w", c.publication, KeyPublicationMode, err)
		}
		return nil
	}
	rels, err := cat.tables(ctx, &c.filter)
	if err != nil {
		return err
	}
	if len(rels) == 0 {
		return fmt.Errorf("no table matches the include/exclude lists, so publication %q would be empty: %w", c.publication, sdk.ErrFatal)
	}
	var names []string
	for _, r := range rels {
		names = append(names, pgx.Identifier{r.schema, r.name}.Sanitize())
	}
	if c.signalTable != "" {
		s, t, _ := strings.Cut(c.signalTable, ".")
		if sig := (pgx.Identifier{s, t}).Sanitize(); !slices.Contains(names, sig) {
			names = append(names, sig)
		}
	}
	stmt := "CREATE PUBLICATION " + ident + " FOR TABLE " + strings.Join(names, ", ")
	if exists {
		stmt = "ALTER PUBLICATION " + ident + " SET TABLE " + strings.Join(names, ", ")
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("publication %q: %w", c.publication, err)
	}
	return nil
}
