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
