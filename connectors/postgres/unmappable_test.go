package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// TestUnmappableValues: a row holding a value the connector cannot map (a
// two-dimensional array) becomes one failed record (sdk.FailedRecord), in
// the snapshot and in the stream, carrying the raw row, the error naming
// table and column, and the event's source offset; the rows around it
// arrive as usual, and the stream goes on.
func TestUnmappableValues(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.grid (id int PRIMARY KEY, cells int[])`)
	db.exec(`INSERT INTO grid VALUES (1, '{1,2}'), (2, '{{1,2},{3,4}}'), (3, NULL)`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotInitial), nil)
	snap := readN(t, tk, 3, 10*time.Second)
	db.exec(`INSERT INTO grid VALUES (4, '{{5,6},{7,8}}')`)
	db.exec(`UPDATE grid SET cells = '{9}' WHERE id = 1`)
	db.exec(`UPDATE grid SET cells = '{{9}}' WHERE id = 1`)
	db.exec(`DELETE FROM grid WHERE id = 2`)
	stream := readN(t, tk, 5, 10*time.Second) // c(fail) u u(fail) d tombstone

	type want struct {
		op     string
		failed string // the raw cells of a failed record; "" for a good one
		id     int32
	}
	check := func(what string, recs []record.Record, wants []want) {
		t.Helper()
		for i, w := range wants {
			rec, err := sdk.RecordError(recs[i])
			if rec.SourceOffset == nil {
				t.Errorf("%s record %d: no source offset", what, i)
			}
			if w.failed == "" {
				if err != nil {
					t.Errorf("%s record %d failed: %v", what, i, err)
					continue
				}
				if op, _, _ := envelope(t, rec); op != w.op || keyField(rec, "id") != w.id {
					t.Errorf("%s record %d: op %s key %v, want %s %d", what, i, op, keyField(rec, "id"), w.op, w.id)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s record %d: not failed: %v", what, i, rec.Value)
				continue
			}
			if !strings.Contains(err.Error(), "public.grid column cells") || !strings.Contains(err.Error(), "multi-dimensional") {
				t.Errorf("%s record %d: error %q does not name the column and the reason", what, i, err)
			}
			v, _ := rec.Value.(map[string]any)
			after, _ := v["after"].(map[string]any)
			if v["op"] != w.op || after["cells"] != w.failed || rec.Topic != "srv.public.grid" {
				t.Errorf("%s record %d: %s %v, want op %s with cells %s", what, i, rec.Topic, rec.Value, w.op, w.failed)
			}
			if err := record.Validate(nil, rec.Value); err != nil {
				t.Errorf("%s record %d: raw value is not a valid schemaless value: %v", what, i, err)
			}
		}
	}
	check("snapshot", snap, []want{{op: "r", id: 1}, {op: "r", failed: "{{1,2},{3,4}}"}, {op: "r", id: 3}})
	check("stream", stream, []want{{op: "c", failed: "{{5,6},{7,8}}"}, {op: "u", id: 1}, {op: "u", failed: "{{9}}"}, {op: "d", id: 2}})
	if stream[4].Value != nil || keyField(stream[4], "id") != int32(2) {
		t.Errorf("record after the delete: %v %v, want the tombstone of 2", stream[4].Key, stream[4].Value)
	}
}

// The snapshot's last record says so (source.snapshot "last", the offset's
// last-snapshot flag) also when it is a failed record.
func TestUnmappableLastSnapshotRow(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.grid (id int PRIMARY KEY, cells int[])`)
	db.exec(`INSERT INTO grid VALUES (1, '{1,2}'), (2, '{{1,2},{3,4}}')`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotInitialOnly), nil)
	recs := readN(t, tk, 2, 10*time.Second)
	rec, err := sdk.RecordError(recs[1])
	if err == nil {
		t.Fatalf("last snapshot record not failed: %v", rec.Value)
	}
	v, _ := rec.Value.(map[string]any)
	src, _ := v["source"].(map[string]any)
	if src["snapshot"] != "last" || rec.SourceOffset[OffsetLastSnap] != true {
		t.Errorf("last snapshot record: source %v, offset %v; want snapshot last and %s", src, rec.SourceOffset, OffsetLastSnap)
	}
	if s := recs[0].Value.(*record.Struct).Get("source").(*record.Struct).Get("snapshot"); s != "true" {
		t.Errorf("first snapshot record: source.snapshot %v, want true", s)
	}
}

// A streamed change that cannot be mapped, inside an incremental
// snapshot's window, still removes the chunk's row of its key: the chunk
// must not emit the older row after the change (DBLog deduplication).
func TestUnmappableChangeInIncrementalWindow(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.grid (id int PRIMARY KEY, cells int[])`)
	var oid uint32
	if err := db.conn.QueryRow(t.Context(), `SELECT 'public.grid'::regclass::oid`).Scan(&oid); err != nil {
		t.Fatal(err)
	}
	tk := newTask()
	if err := tk.Configure(t.Context(), db.config()); err != nil {
		t.Fatal(err)
	}
	descs := []colDesc{{name: "id", oid: 23, typmod: -1, key: true}, {name: "cells", oid: 1007, typmod: -1}}
	tbl, err := buildTable(t.Context(), newCatalog(db.conn), tk.cfg, relation{oid: oid, schema: "public", name: "grid"}, descs)
	if err != nil {
		t.Fatal(err)
	}
	inc := &incremental{open: true, table: tbl, keyIdx: []int{0}, index: map[string]int{}}
	for i, id := range []string{"1", "2", "3"} {
		row, err := tbl.row([]tupleCol{{'t', id}, {'t', "{1}"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		inc.rows = append(inc.rows, row)
		inc.index[rowKey(row, tbl, inc.keyIdx)] = i
	}
	r := &reader{cfg: tk.cfg, prog: newProgress(), out: make(chan record.Record, 16), ready: make(chan struct{}, 1),
		emit: newEmitter(tk.cfg, func() int64 { return 0 }), tables: map[uint32]*table{oid: tbl}, inc: inc}
	r.tx.open, r.tx.commit = true, 100

	// An update of row 2 to a two-dimensional array, and an unmappable
	// insert of a key the chunk does not hold.
	if err := r.dml(t.Context(), 90, dml{kind: 'U', relid: oid, newRow: []tupleCol{{'t', "2"}, {'t', "{{1},{2}}"}}}); err != nil {
		t.Fatal(err)
	}
	if err := r.dml(t.Context(), 95, dml{kind: 'I', relid: oid, newRow: []tupleCol{{'t', "7"}, {'t', "{{1},{2}}"}}}); err != nil {
		t.Fatal(err)
	}
	if len(r.out) != 2 {
		t.Fatalf("%d records queued, want the 2 failed ones", len(r.out))
	}
	for range 2 {
		if _, err := sdk.RecordError(<-r.out); err == nil {
			t.Error("a queued record is not failed")
		}
	}
	for i, row := range inc.rows {
		if gone := row == nil; gone != (i == 1) {
			t.Errorf("chunk row of id %d removed: %v, want %v", i+1, gone, i == 1)
		}
	}
}
