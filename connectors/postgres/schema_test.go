package postgres

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

func TestSchemaChangeMidStream(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.s (id int PRIMARY KEY, a text)`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData), nil)
	db.exec(`INSERT INTO s VALUES (1, 'x')`)
	db.exec(`ALTER TABLE s ADD COLUMN b int NOT NULL DEFAULT 7`)
	db.exec(`INSERT INTO s VALUES (2, 'y', 8)`)
	db.exec(`ALTER TABLE s DROP COLUMN a`)
	db.exec(`INSERT INTO s VALUES (3, 9)`)
	db.exec(`ALTER TABLE s ALTER COLUMN b TYPE bigint`)
	db.exec(`INSERT INTO s VALUES (4, 10)`)
	recs := readN(t, tk, 4, 20*time.Second)
	fields := func(r record.Record) []string {
		_, _, after := envelope(t, r)
		var out []string
		for _, f := range after.Schema().Fields {
			out = append(out, f.Name+":"+f.Schema.Type.String())
		}
		return out
	}
	wants := [][]string{
		{"id:int32", "a:string"},
		{"id:int32", "a:string", "b:int32"},
		{"id:int32", "b:int32"},
		{"id:int32", "b:int64"},
	}
	for i, w := range wants {
		if got := fields(recs[i]); !equalStrings(got, w) {
			t.Errorf("record %d: fields %v, want %v", i, got, w)
		}
	}
	if _, _, after := envelope(t, recs[3]); after.Get("b") != int64(10) {
		t.Errorf("after ALTER TYPE: b = %v (%T)", after.Get("b"), after.Get("b"))
	}
	if f := recs[1].ValueSchema.Field("after").Schema.Field("b"); f.Schema.Optional {
		t.Errorf("b NOT NULL: optional schema")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestToastPlaceholder: an update that leaves a TOASTed column alone does
// not carry it; the event says so with the placeholder.
func TestToastPlaceholder(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.docs (id int PRIMARY KEY, n int, body text, blob bytea)`)
	db.exec(`ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL, ALTER COLUMN blob SET STORAGE EXTERNAL`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData, KeyPlaceholder, "__unavailable"), nil)
	raw := make([]byte, 10000)
	_, _ = rand.Read(raw)
	big := hex.EncodeToString(raw) // 20 kB: stored out of line
	db.exec(`INSERT INTO docs VALUES (1, 1, $1, $2)`, big, raw)
	db.exec(`UPDATE docs SET n = 2 WHERE id = 1`)
	recs := readN(t, tk, 2, 20*time.Second)
	_, _, first := envelope(t, recs[0])
	if first.Get("body") != big {
		t.Errorf("insert: body of %d bytes, want the full %d", len(first.Get("body").(string)), len(big))
	}
	_, _, upd := envelope(t, recs[1])
	if upd.Get("body") != "__unavailable" || string(upd.Get("blob").([]byte)) != "__unavailable" || upd.Get("n") != int32(2) {
		t.Errorf("update: body %.30v, blob %.30v, n %v; want the placeholder and n=2", upd.Get("body"), upd.Get("blob"), upd.Get("n"))
	}
}
