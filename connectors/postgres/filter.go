package postgres

import (
	"fmt"
	"regexp"
	"strings"
)

// filter decides which tables and columns are captured, as Debezium's
// include/exclude lists do: each pattern must match the whole name
// (schema, schema.table or schema.table.column); an include list, when
// given, wins over its exclude list.
type filter struct {
	schemaIn, schemaEx []*regexp.Regexp
	tableIn, tableEx   []*regexp.Regexp
	colIn, colEx       []*regexp.Regexp
	keyColumns         []keyColumns
}

// keyColumns is one entry of message.key.columns.
type keyColumns struct {
	table   *regexp.Regexp
	columns []string
}

func newFilter(cfg map[string]string) (filter, error) {
	var f filter
	var err error
	for _, x := range []struct {
		key string
		dst *[]*regexp.Regexp
	}{
		{KeySchemaInclude, &f.schemaIn}, {KeySchemaExclude, &f.schemaEx},
		{KeyTableInclude, &f.tableIn}, {KeyTableExclude, &f.tableEx},
		{KeyColumnInclude, &f.colIn}, {KeyColumnExclude, &f.colEx},
	} {
		if *x.dst, err = anchored(cfg[x.key]); err != nil {
			return f, fmt.Errorf("%s: %v", x.key, err)
		}
	}
	if f.keyColumns, err = parseKeyColumns(cfg[KeyMessageKeyColumns]); err != nil {
		return f, fmt.Errorf("%s: %v", KeyMessageKeyColumns, err)
	}
	return f, nil
}

func anchored(list string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range splitList(list) {
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

// parseKeyColumns parses "schema.table:c1,c2;schema.t2:c3".
func parseKeyColumns(v string) ([]keyColumns, error) {
	var out []keyColumns
	for _, entry := range strings.Split(v, ";") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		table, cols, ok := strings.Cut(entry, ":")
		if !ok || strings.TrimSpace(table) == "" {
			return nil, fmt.Errorf("%q: want schema.table:column[,column…]", entry)
		}
		re, err := regexp.Compile("^(?:" + strings.TrimSpace(table) + ")$")
		if err != nil {
			return nil, fmt.Errorf("%q: %v", table, err)
		}
		k := keyColumns{table: re, columns: splitList(cols)}
		if len(k.columns) == 0 {
			return nil, fmt.Errorf("%q: no columns", entry)
		}
		out = append(out, k)
	}
	return out, nil
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// table reports whether schema.table is captured.
func (f *filter) table(schema, table string) bool {
	switch {
	case len(f.schemaIn) > 0 && !matchAny(f.schemaIn, schema):
		return false
	case len(f.schemaIn) == 0 && matchAny(f.schemaEx, schema):
		return false
	}
	id := schema + "." + table
	if len(f.tableIn) > 0 {
		return matchAny(f.tableIn, id)
	}
	return !matchAny(f.tableEx, id)
}

// column reports whether a column of schema.table is in change events.
func (f *filter) column(schema, table, column string) bool {
	id := schema + "." + table + "." + column
	if len(f.colIn) > 0 {
		return matchAny(f.colIn, id)
	}
	return !matchAny(f.colEx, id)
}

// keyOverride returns the message.key.columns of schema.table, if any.
func (f *filter) keyOverride(schema, table string) []string {
	id := schema + "." + table
	for _, k := range f.keyColumns {
		if k.table.MatchString(id) {
			return k.columns
		}
	}
	return nil
}
