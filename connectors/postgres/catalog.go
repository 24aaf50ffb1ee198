package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// catalog answers questions about types and tables from pg_catalog over an
// ordinary connection. It is owned by the task's reader goroutine.
type catalog struct {
	conn  *pgx.Conn
	types map[uint32]*pgType
}

func newCatalog(conn *pgx.Conn) *catalog {
	return &catalog{conn: conn, types: map[uint32]*pgType{}}
}

// typ resolves a type OID: domains to their base type, arrays to their
// element, enums to their labels. Results are cached: a type's identity
// does not change under its OID (ALTER TYPE … ADD VALUE of an enum is
// picked up at the next Relation message, which resets the cache).
func (c *catalog) typ(ctx context.Context, oid uint32) (*pgType, error) {
	if t, ok := c.types[oid]; ok {
		return t, nil
	}
	var (
		name, kind, category string
		elem, base           uint32
		typmod               int32
		labels               *string
	)
	err := c.conn.QueryRow(ctx, `SELECT t.typname::text, t.typtype::text, t.typcategory::text, t.typelem, t.typbasetype, t.typtypmod,
		(SELECT string_agg(e.enumlabel::text, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
		FROM pg_type t WHERE t.oid = $1`, oid).Scan(&name, &kind, &category, &elem, &base, &typmod, &labels)
	if err != nil {
		return nil, fmt.Errorf("look up type %d: %w", oid, err)
	}
	t := &pgType{name: name, typmod: -1}
	switch {
	case kind == "d":
		bt, err := c.typ(ctx, base)
		if err != nil {
			return nil, err
		}
		cp := *bt
		if typmod >= 0 {
			cp.typmod = typmod
		}
		t = &cp
	case kind == "e":
		if labels != nil {
			t.enum = *labels
		}
	case category == "A" && elem != 0:
		et, err := c.typ(ctx, elem)
		if err != nil {
			return nil, err
		}
		t.elem = et
	}
	c.types[oid] = t
	return t, nil
}

// colInfo is what the catalog says about a column beyond pgoutput's
// Relation message.
type colInfo struct {
	name    string
	oid     uint32
	typmod  int32
	notNull bool
	pkPos   int // 1-based position in the primary key, 0 if not in it
}

// columns returns the live columns of a table in attnum order.
func (c *catalog) columns(ctx context.Context, relid uint32) ([]colInfo, error) {
	rows, err := c.conn.Query(ctx, `SELECT a.attname::text, a.atttypid, a.atttypmod, a.attnotnull,
		COALESCE((SELECT k.n FROM unnest(i.indkey) WITH ORDINALITY AS k(att, n) WHERE k.att = a.attnum), 0)::int
		FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
		WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, relid)
	if err != nil {
		return nil, fmt.Errorf("look up columns of relation %d: %w", relid, err)
	}
	var out []colInfo
	for rows.Next() {
		var ci colInfo
		if err := rows.Scan(&ci.name, &ci.oid, &ci.typmod, &ci.notNull, &ci.pkPos); err != nil {
			return nil, err
		}
		out = append(out, ci)
	}
	return out, rows.Err()
}

// relation names one table.
type relation struct {
	oid          uint32
	schema, name string
}

// tables lists the ordinary tables f captures, in schema, name order.
// Partitions are listed as the tables they are: pgoutput publishes their
// changes under their own names.
func (c *catalog) tables(ctx context.Context, f *filter) ([]relation, error) {
	rows, err := c.conn.Query(ctx, `SELECT c.oid, n.nspname::text, c.relname::text FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r'
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
		ORDER BY 2, 3`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var out []relation
	for rows.Next() {
		var r relation
		if err := rows.Scan(&r.oid, &r.schema, &r.name); err != nil {
			return nil, err
		}
		if f.table(r.schema, r.name) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}
