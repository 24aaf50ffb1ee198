package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/record"
)

// colDesc is one column as pgoutput's Relation message (or the catalog,
// for a snapshot) describes it.
type colDesc struct {
	name   string
	oid    uint32
	typmod int32
	key    bool // part of the replica identity (pgoutput) or primary key (snapshot)
}

type column struct {
	name     string
	conv     converter
	schema   *record.Schema // the field's schema: required when NOT NULL
	valueIdx int            // index in the Value struct, -1 when filtered out
}

// table is one captured table at one version of its schema: a Relation
// message (or a snapshot's catalog read) makes a new one, so a schema change
// mid-stream takes effect with the first change after it.
type table struct {
	rel         relation
	topic       string
	cols        []column // in the order pgoutput sends tuple columns
	keyCols     []int    // indexes into cols, in key order; empty: null key
	keySchema   *record.Schema
	valueSchema *record.Schema
	envelope    *record.Schema
}

// buildTable makes a table from column descriptions, with nullability and
// the primary key from the catalog.
func buildTable(ctx context.Context, cat *catalog, cfg *config, rel relation, descs []colDesc) (*table, error) {
	infos, err := cat.columns(ctx, rel.oid)
	if err != nil {
		return nil, err
	}
	byName := map[string]colInfo{}
	for _, ci := range infos {
		byName[ci.name] = ci
	}
	base := cfg.prefix + "." + rel.schema + "." + rel.name
	t := &table{rel: rel, topic: base}
	keyNames := cfg.filter.keyOverride(rel.schema, rel.name)
	if keyNames == nil {
		var pk []colInfo
		for _, ci := range infos {
			if ci.pkPos > 0 {
				pk = append(pk, ci)
			}
		}
		slices.SortFunc(pk, func(a, b colInfo) int { return a.pkPos - b.pkPos })
		for _, ci := range pk {
			keyNames = append(keyNames, ci.name)
		}
		// The catalog is today's; a stream that is behind may describe the
		// table as it was. Then the relation's own key columns serve.
		for _, k := range keyNames {
			if !slices.ContainsFunc(descs, func(d colDesc) bool { return d.name == k }) {
				keyNames = nil
				for _, d := range descs {
					if d.key {
						keyNames = append(keyNames, d.name)
					}
				}
				break
			}
		}
	}
	vb := record.NewStructSchema(base + ".Value").Optional()
	for _, d := range descs {
		typ, err := cat.typ(ctx, d.oid)
		if errors.Is(err, pgx.ErrNoRows) {
			typ = &pgType{name: "unknown", typmod: -1} // dropped since: its text form
		} else if err != nil {
			return nil, err
		}
		c := column{name: d.name, conv: newConverter(typ, d.typmod, cfg.decimalMode), valueIdx: -1}
		c.schema = c.conv.schema
		if byName[d.name].notNull {
			cp := *c.schema
			cp.Optional = false
			c.schema = &cp
		}
		isKey := slices.Contains(keyNames, d.name)
		if isKey || cfg.filter.column(rel.schema, rel.name, d.name) {
			c.valueIdx = len(t.valueFields())
			vb.Field(d.name, c.schema)
		}
		t.cols = append(t.cols, c)
	}
	if t.valueSchema, err = vb.TryBuild(); err != nil {
		return nil, fmt.Errorf("table %s.%s: %w", rel.schema, rel.name, err)
	}
	if len(keyNames) > 0 {
		kb := record.NewStructSchema(base + ".Key")
		for _, k := range keyNames {
			i := slices.IndexFunc(t.cols, func(c column) bool { return c.name == k })
			if i < 0 {
				return nil, fmt.Errorf("table %s.%s: key column %q does not exist", rel.schema, rel.name, k)
			}
			t.keyCols = append(t.keyCols, i)
			ks := *t.cols[i].schema
			ks.Optional = false
			kb.Field(k, &ks)
		}
		if t.keySchema, err = kb.TryBuild(); err != nil {
			return nil, fmt.Errorf("table %s.%s key: %w", rel.schema, rel.name, err)
		}
	}
	t.envelope = envelopeSchema(base, t.valueSchema)
	return t, nil
}

func (t *table) valueFields() []int {
	var out []int
	for i, c := range t.cols {
		if c.valueIdx >= 0 {
			out = append(out, i)
		}
	}
	return out
}

// row decodes a tuple into the Value struct; with keyOnly the tuple is a
// replica-identity key (other columns null and filled Debezium's way).
func (t *table) row(tuple []tupleCol, placeholder string) (*record.Struct, error) {
	if len(tuple) != len(t.cols) {
		return nil, fmt.Errorf("table %s.%s: tuple of %d columns, relation has %d", t.rel.schema, t.rel.name, len(tuple), len(t.cols))
	}
	v := record.NewStruct(t.valueSchema)
	for i, c := range t.cols {
		if c.valueIdx < 0 {
			continue
		}
		var val any
		switch tuple[i].kind {
		case 't':
			var err error
			if val, err = c.conv.decode(tuple[i].text); err != nil {
				return nil, &unmappableError{fmt.Errorf("table %s.%s column %s: %w", t.rel.schema, t.rel.name, c.name, err)}
			}
		case 'u':
			switch c.schema.Type {
			case record.String:
				val = placeholder
			case record.Bytes:
				if record.LogicalOf(c.schema) == record.NotLogical {
					val = []byte(placeholder)
				}
			}
		}
		if val == nil && !c.schema.Optional {
			val = zero(c.schema)
		}
		v.PutAt(c.valueIdx, val)
	}
	return v, nil
}

// unmappableError is a value the connector cannot map to its column's
// schema (a multi-dimensional array, say): the event becomes a failed
// record (emitter.unmappable), which errors.tolerance routes.
type unmappableError struct{ err error }

func (e *unmappableError) Error() string { return e.err.Error() }
func (e *unmappableError) Unwrap() error { return e.err }

// raw is a tuple as a schemaless map of column name to text: what a failed
// record carries so that an operator can see the row (nil for null,
// placeholder for an unchanged TOASTed value).
func (t *table) raw(tuple []tupleCol, placeholder string) map[string]any {
	if tuple == nil {
		return nil
	}
	m := make(map[string]any, len(tuple))
	for i, c := range tuple {
		if i >= len(t.cols) {
			break
		}
		switch c.kind {
		case 'n':
			m[t.cols[i].name] = nil
		case 'u':
			m[t.cols[i].name] = placeholder
		default:
			m[t.cols[i].name] = c.text
		}
	}
	return m
}

// key extracts the Key struct from a Value struct; nil without a key.
func (t *table) key(v *record.Struct) *record.Struct {
	if t.keySchema == nil || v == nil {
		return nil
	}
	k := record.NewStruct(t.keySchema)
	for i, ci := range t.keyCols {
		val := v.RawAt(t.cols[ci].valueIdx)
		if val == nil {
			val = zero(t.keySchema.Fields[i].Schema)
		}
		k.PutAt(i, val)
	}
	return k
}
