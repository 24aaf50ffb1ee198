package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// Incremental snapshots, Debezium's signal-table protocol (the DBLog
// watermark algorithm): an INSERT into signal.data.collection of type
// execute-snapshot with data {"data-collections": ["schema.table", …]}
// makes the reader snapshot those tables while it streams, one
// primary-key chunk at a time:
//
//	insert snapshot-window-open marker ─┐
//	SELECT the next chunk (key order)   │ all three on the reader's own
//	insert snapshot-window-close marker ┘ connection, between two messages
//
// While the stream is between the two markers, a change to a key of the
// chunk drops that row from the chunk (the change is newer); at the close
// marker the rest of the chunk goes out as op=r records with
// snapshot=incremental, numbered as events of the marker's transaction.
// stop-snapshot ends it. A table is read up to its largest key when its
// snapshot began (rows inserted above it are the stream's). The state
// travels in the records' offsets, so a restart goes on from the chunk
// after the last one delivered (incremental_offset.go).

// Signal types.
const (
	signalExecute     = "execute-snapshot"
	signalStop        = "stop-snapshot"
	signalWindowOpen  = "snapshot-window-open"
	signalWindowClose = "snapshot-window-close"
)

// incremental is the state of a running incremental snapshot, owned by the
// reader goroutine.
type incremental struct {
	id       string     // correlation id: the execute-snapshot signal's
	queue    []string   // "schema.table" still to read, the current one first
	table    *table     // the current table; nil: pick the next from queue
	keyIdx   []int      // its key columns in table.cols
	keyTypes []string   // their types (format_type), in key order
	lastKey  []string   // key of the last row read (text); nil: from the start
	doneKey  []string   // key up to which every row was handed out; nil: none
	maxKey   []string   // the table's largest key when its snapshot began
	restore  *incResume // state from a committed offset, until the first table starts
	window   string     // id of the window whose markers are awaited; "" none
	open     bool       // the open marker went by
	rows     []*record.Struct
	index    map[string]int    // row key → index in rows (removed rows are nil)
	filters  map[string]string // "schema.table" → SQL condition (additional-conditions)
}

// signalTuple decodes a signal row by column name.
func signalTuple(t *table, cols []tupleCol) (id, typ, data string) {
	for i, c := range t.cols {
		if i >= len(cols) {
			break
		}
		switch c.name {
		case "id":
			id = cols[i].text
		case "type":
			typ = cols[i].text
		case "data":
			data = cols[i].text
		}
	}
	return id, typ, data
}

// signal handles an INSERT into the signal table: the window markers
// always, execute-snapshot and stop-snapshot when the source channel is on.
func (r *reader) signal(ctx context.Context, lsn pglogrepl.LSN, t *table, cols []tupleCol) error {
	id, typ, data := signalTuple(t, cols)
	inc := r.inc
	switch typ {
	case signalExecute, signalStop:
		if !r.cfg.sourceSignals {
			return nil
		}
		return r.applySignal(ctx, id, typ, []byte(data))
	case signalWindowOpen:
		if inc != nil && id == inc.window+"-open" {
			inc.open = true
		}
	case signalWindowClose:
		if inc != nil && id == inc.window+"-close" {
			last := -1
			for i, row := range inc.rows {
				if row != nil {
					last = i
				}
			}
			for i, row := range inc.rows {
				if row == nil {
					continue
				}
				if i == last { // the chunk is wholly handed out with this row
					inc.doneKey = inc.lastKey
				}
				pos, src, off := r.next(lsn, inc.table.rel)
				src.snapshot = "incremental"
				if err := r.push(ctx, r.emit.change(inc.table, opRead, nil, row, src, off), pos); err != nil {
					return err
				}
			}
			inc.window, inc.open, inc.rows, inc.index, inc.doneKey = "", false, nil, nil, inc.lastKey
			return r.nextChunk(ctx)
		}
	}
	return nil
}

// signalData is the data of execute-snapshot and stop-snapshot, as
// Debezium documents it. additional-conditions narrow a table's rows with
// an SQL condition (the older additional-condition applies to every table).
type signalData struct {
	Collections []string `json:"data-collections"`
	Type        string   `json:"type"`
	Conditions  []struct {
		Collection string `json:"data-collection"`
		Filter     string `json:"filter"`
	} `json:"additional-conditions"`
	Condition string `json:"additional-condition"`
}

// applySignal acts on an execute-snapshot or stop-snapshot signal, from
// either channel. A malformed signal, or one for another snapshot type
// than incremental, is ignored: it is not the connector's to fail over.
func (r *reader) applySignal(ctx context.Context, id, typ string, data []byte) error {
	var d signalData
	if len(data) > 0 && json.Unmarshal(data, &d) != nil {
		return nil
	}
	if d.Type != "" && !strings.EqualFold(d.Type, "incremental") {
		return nil
	}
	inc := r.inc
	switch typ {
	case signalStop:
		if len(d.Collections) == 0 || inc != nil && slices.Equal(d.Collections, inc.queue) {
			r.inc = nil
		} else if inc != nil {
			inc.queue = slices.DeleteFunc(inc.queue, func(s string) bool { return slices.Contains(d.Collections, s) })
			if inc.table != nil && slices.Contains(d.Collections, inc.table.rel.schema+"."+inc.table.rel.name) {
				inc.table, inc.window = nil, ""
			}
			if inc.restore != nil && (len(inc.queue) == 0 || inc.queue[0] != inc.restore.collections[0].ID) {
				inc.restore = nil
			}
		}
		if r.inc != nil && r.inc.table == nil && r.inc.window == "" {
			return r.nextChunk(ctx)
		}
	case signalExecute:
		if inc == nil {
			inc = &incremental{id: id, filters: map[string]string{}}
			r.inc = inc
		}
		for _, c := range d.Collections {
			if !slices.Contains(inc.queue, c) {
				inc.queue = append(inc.queue, c)
			}
			if d.Condition != "" {
				inc.filters[c] = d.Condition
			}
		}
		for _, c := range d.Conditions {
			if c.Filter != "" && slices.Contains(d.Collections, c.Collection) {
				inc.filters[c.Collection] = c.Filter
			}
		}
		if inc.window == "" {
			return r.nextChunk(ctx)
		}
	}
	return nil
}

// seen drops a chunk row the stream changed inside the window.
func (r *reader) seen(t *table, row *record.Struct) {
	inc := r.inc
	if inc == nil || !inc.open || inc.table == nil || row == nil || t.rel.oid != inc.table.rel.oid {
		return
	}
	if i, ok := inc.index[rowKey(row, inc.table, inc.keyIdx)]; ok {
		inc.rows[i] = nil
	}
}

// seenTuple is seen for a change whose row could not be mapped (another
// column failed): the key columns alone are decoded to find the chunk row.
func (r *reader) seenTuple(t *table, tuple []tupleCol) {
	inc := r.inc
	if inc == nil || !inc.open || inc.table == nil || tuple == nil || t.rel.oid != inc.table.rel.oid {
		return
	}
	key := record.NewStruct(inc.table.valueSchema)
	for _, i := range inc.keyIdx {
		c := inc.table.cols[i]
		if i >= len(tuple) || tuple[i].kind != 't' || c.valueIdx < 0 {
			return // no key value to match
		}
		v, err := c.conv.decode(tuple[i].text)
		if err != nil {
			return // the chunk could not have read this key either
		}
		key.PutAt(c.valueIdx, v)
	}
	r.seen(inc.table, key)
}

func rowKey(row *record.Struct, t *table, keyIdx []int) string {
	var b strings.Builder
	for _, i := range keyIdx {
		fmt.Fprintf(&b, "%v\x00", row.RawAt(t.cols[i].valueIdx))
	}
	return b.String()
}

// nextChunk reads the next chunk between two window markers, moving to the
// next table when one is done; with nothing left the snapshot ends.
func (r *reader) nextChunk(ctx context.Context) error {
	inc := r.inc
	for inc != nil {
		if inc.table == nil {
			if len(inc.queue) == 0 {
				r.inc = nil
				return nil
			}
			if err := r.startTable(ctx, inc); err != nil {
				return err
			}
			continue
		}
		id := make([]byte, 8)
		_, _ = rand.Read(id)
		window := hex.EncodeToString(id)
		if err := r.insertSignal(ctx, window+"-open", signalWindowOpen); err != nil {
			return err
		}
		rows, lastKey, err := r.readChunk(ctx, inc)
		if err != nil {
			return err
		}
		if err := r.insertSignal(ctx, window+"-close", signalWindowClose); err != nil {
			return err
		}
		if len(rows) == 0 { // the table is done
			inc.queue = inc.queue[1:]
			inc.table, inc.lastKey, inc.doneKey, inc.maxKey = nil, nil, nil, nil
			continue
		}
		inc.window, inc.open, inc.rows, inc.lastKey = window, false, rows, lastKey
		inc.index = make(map[string]int, len(rows))
		for i, row := range rows {
			inc.index[rowKey(row, inc.table, inc.keyIdx)] = i
		}
		return nil
	}
	return nil
}

// startTable makes the first table of the queue current; tables that do
// not exist or have no primary key are skipped.
func (r *reader) startTable(ctx context.Context, inc *incremental) error {
	name := inc.queue[0]
	schema, tbl, ok := strings.Cut(name, ".")
	if !ok {
		schema, tbl = "public", name
	}
	var oid uint32
	err := r.conn.QueryRow(ctx, `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, schema, tbl).Scan(&oid)
	if err != nil {
		inc.queue = inc.queue[1:]
		return nil
	}
	rel := relation{oid: oid, schema: schema, name: tbl}
	infos, err := r.cat.columns(ctx, oid)
	if err != nil {
		return err
	}
	descs := make([]colDesc, len(infos))
	pk := map[int]int{}
	for i, ci := range infos {
		descs[i] = colDesc{name: ci.name, oid: ci.oid, typmod: ci.typmod, key: ci.pkPos > 0}
		if ci.pkPos > 0 {
			pk[ci.pkPos] = i
		}
	}
	if len(pk) == 0 || !r.cfg.filter.table(schema, tbl) {
		inc.queue = inc.queue[1:]
		return nil
	}
	t, err := buildTable(ctx, r.cat, r.cfg, rel, descs)
	if err != nil {
		return err
	}
	inc.table, inc.keyIdx, inc.lastKey, inc.doneKey, inc.maxKey = t, nil, nil, nil, nil
	var oids []uint32
	for p := 1; p <= len(pk); p++ {
		inc.keyIdx = append(inc.keyIdx, pk[p])
		oids = append(oids, infos[pk[p]].oid)
	}
	if inc.keyTypes, err = r.keyTypes(ctx, oids); err != nil {
		return err
	}
	inc.resumeKeys()
	if inc.maxKey == nil {
		if inc.maxKey, err = r.maxKey(ctx, inc); err != nil {
			return err
		}
	}
	if inc.maxKey == nil { // no rows: nothing to read
		inc.queue, inc.table = inc.queue[1:], nil
	}
	return nil
}

// maxKey reads the current table's largest key (nil: no rows).
func (r *reader) maxKey(ctx context.Context, inc *incremental) ([]string, error) {
	t := inc.table
	var keyCols, desc []string
	for _, i := range inc.keyIdx {
		c := pgx.Identifier{t.cols[i].name}.Sanitize()
		keyCols, desc = append(keyCols, c), append(desc, c+" DESC")
	}
	q := "SELECT " + strings.Join(keyCols, ", ") + " FROM " + pgx.Identifier{t.rel.schema, t.rel.name}.Sanitize()
	if f := inc.filters[inc.queue[0]]; f != "" {
		q += " WHERE (" + f + ")"
	}
	q += " ORDER BY " + strings.Join(desc, ", ") + " LIMIT 1"
	rr := r.conn.PgConn().ExecParams(ctx, q, nil, nil, nil, nil)
	var key []string
	for rr.NextRow() {
		for _, v := range rr.Values() {
			key = append(key, string(v))
		}
	}
	if _, err := rr.Close(); err != nil {
		return nil, fmt.Errorf("incremental snapshot of %s.%s: largest key: %w", t.rel.schema, t.rel.name, err)
	}
	return key, nil
}

func (r *reader) insertSignal(ctx context.Context, id, typ string) error {
	schema, tbl, _ := strings.Cut(r.cfg.signalTable, ".")
	_, err := r.conn.Exec(ctx, "INSERT INTO "+pgx.Identifier{schema, tbl}.Sanitize()+" (id, type, data) VALUES ($1, $2, NULL)", id, typ)
	if err != nil {
		return fmt.Errorf("incremental snapshot: write %s to %s: %w", typ, r.cfg.signalTable, err)
	}
	return nil
}

// readChunk reads up to incremental.snapshot.chunk.size rows after lastKey.
func (r *reader) readChunk(ctx context.Context, inc *incremental) ([]*record.Struct, []string, error) {
	t := inc.table
	var cols, keyCols, params []string
	for _, c := range t.cols {
		cols = append(cols, pgx.Identifier{c.name}.Sanitize())
	}
	for p, i := range inc.keyIdx {
		keyCols = append(keyCols, cols[i])
		params = append(params, "$"+strconv.Itoa(p+1))
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + pgx.Identifier{t.rel.schema, t.rel.name}.Sanitize()
	var args [][]byte
	var where []string
	if f := inc.filters[inc.queue[0]]; f != "" {
		where = append(where, "("+f+")")
	}
	if inc.lastKey != nil {
		where = append(where, "("+strings.Join(keyCols, ", ")+") > ("+strings.Join(params, ", ")+")")
		for _, k := range inc.lastKey {
			args = append(args, []byte(k))
		}
	}
	if inc.maxKey != nil { // rows above it came later: the stream has them
		var maxParams []string
		for _, k := range inc.maxKey {
			args = append(args, []byte(k))
			maxParams = append(maxParams, "$"+strconv.Itoa(len(args)))
		}
		where = append(where, "("+strings.Join(keyCols, ", ")+") <= ("+strings.Join(maxParams, ", ")+")")
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + strings.Join(keyCols, ", ") + " LIMIT " + strconv.Itoa(r.cfg.incrementalChunk)
	rr := r.conn.PgConn().ExecParams(ctx, q, args, nil, nil, nil)
	var rows []*record.Struct
	var lastKey []string
	for rr.NextRow() {
		tuple := make([]tupleCol, len(t.cols))
		for i, v := range rr.Values() {
			if v == nil {
				tuple[i] = tupleCol{kind: 'n'}
			} else {
				tuple[i] = tupleCol{kind: 't', text: string(v)}
			}
		}
		row, err := t.row(tuple, r.cfg.placeholder)
		if err != nil {
			// A chunk's rows are held for deduplication as structs: a row
			// that cannot be mapped stops the snapshot and fails the task
			// (the stream's own events take the failed-record path).
			rr.Close()
			return nil, nil, fmt.Errorf("incremental snapshot of %s.%s: %w: %w", t.rel.schema, t.rel.name, err, sdk.ErrFatal)
		}
		rows = append(rows, row)
		lastKey = lastKey[:0]
		for _, i := range inc.keyIdx {
			lastKey = append(lastKey, tuple[i].text)
		}
	}
	if _, err := rr.Close(); err != nil {
		return nil, nil, fmt.Errorf("incremental snapshot of %s.%s: %w", t.rel.schema, t.rel.name, err)
	}
	return rows, lastKey, nil
}
