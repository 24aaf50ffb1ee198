package postgres

import (
	"slices"
	"testing"

	"github.com/sluicehq/sluice/record"
)

// TestStreamAlterTable: one transaction, streamed before it commits,
// inserts rows, adds a column, inserts more, drops a column, inserts more.
// Every row arrives once, in order, each event with the value schema of
// the table as it was where the row sits in the transaction (the Relation
// messages spilled with the changes take effect at their place in the
// replay), and a transaction after it has the final schema.
func TestStreamAlterTable(t *testing.T) {
	db, tk, other := streamTable(t)
	execOn(t, other, `BEGIN`)
	execOn(t, other, insertRange(1, 8000))
	streamedTxns(t, db) // the ALTERs come after a streamed block
	execOn(t, other, `ALTER TABLE big ADD COLUMN extra int NOT NULL DEFAULT 7`)
	execOn(t, other, `INSERT INTO big SELECT g, repeat('y', 20), -g FROM generate_series(8001, 16000) g`)
	execOn(t, other, `ALTER TABLE big DROP COLUMN pad`)
	execOn(t, other, `INSERT INTO big SELECT g, -g FROM generate_series(16001, 20000) g`)
	execOn(t, other, `COMMIT`)
	db.exec(`INSERT INTO big VALUES (-1, -100)`)

	want := append(ids(1, 20000), -1)
	recs := readIDs(t, tk, want)

	for i, r := range recs {
		_, _, after := envelope(t, r)
		id := after.Get("id").(int32)
		var wantFields []string
		var wantValues map[string]any
		switch {
		case id >= 1 && id <= 8000:
			wantFields = []string{"id", "pad"}
			wantValues = map[string]any{"pad": "xxxxxxxxxxxxxxxxxxxx"}
		case id >= 8001 && id <= 16000:
			wantFields = []string{"id", "pad", "extra"}
			wantValues = map[string]any{"pad": "yyyyyyyyyyyyyyyyyyyy", "extra": -id}
		case id >= 16001 && id <= 20000:
			wantFields = []string{"id", "extra"}
			wantValues = map[string]any{"extra": -id}
		default: // -1, the transaction after
			wantFields = []string{"id", "extra"}
			wantValues = map[string]any{"extra": int32(-100)}
		}
		if got := fieldNames(after.Schema()); !slices.Equal(got, wantFields) {
			t.Fatalf("record %d (id %d): after has fields %v, want %v", i, id, got, wantFields)
		}
		if got := fieldNames(r.ValueSchema.Field("after").Schema); !slices.Equal(got, wantFields) {
			t.Fatalf("record %d (id %d): value schema's after has fields %v, want %v", i, id, got, wantFields)
		}
		for f, v := range wantValues {
			if got := after.Get(f); got != v {
				t.Fatalf("record %d (id %d): %s = %v (%T), want %v (%T)", i, id, f, got, got, v, v)
			}
		}
	}
}

// TestStreamAlterRolledBack: an ADD COLUMN inside a subtransaction of a
// streamed transaction that is rolled back leaves the rows after it with
// the table's old schema.
func TestStreamAlterRolledBack(t *testing.T) {
	db, tk, other := streamTable(t)
	execOn(t, other, `BEGIN`)
	execOn(t, other, insertRange(1, 8000))
	streamedTxns(t, db)
	execOn(t, other, `SAVEPOINT a`)
	execOn(t, other, `ALTER TABLE big ADD COLUMN extra int NOT NULL DEFAULT 7`)
	execOn(t, other, `INSERT INTO big SELECT g, repeat('y', 20), -g FROM generate_series(8001, 16000) g`)
	execOn(t, other, `ROLLBACK TO a`)
	execOn(t, other, insertRange(16001, 20000))
	execOn(t, other, `COMMIT`)
	db.exec(`INSERT INTO big VALUES (-1, 'after')`)

	want := append(append(ids(1, 8000), ids(16001, 20000)...), -1)
	recs := readIDs(t, tk, want)
	for i, r := range recs {
		_, _, after := envelope(t, r)
		if got := fieldNames(after.Schema()); !slices.Equal(got, []string{"id", "pad"}) {
			t.Fatalf("record %d (id %v): after has fields %v, want [id pad]", i, after.Get("id"), got)
		}
	}
}

func fieldNames(s *record.Schema) []string {
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	return out
}
