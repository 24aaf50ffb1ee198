package postgres

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

func TestChangeEvents(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL, qty int)`)
	db.exec(`CREATE TABLE public.full_items (id int PRIMARY KEY, name text)`)
	db.exec(`ALTER TABLE public.full_items REPLICA IDENTITY FULL`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData), nil)

	db.exec(`INSERT INTO items VALUES (1, 'one', 10), (2, 'two', NULL)`)
	db.exec(`UPDATE items SET qty = 11 WHERE id = 1`)
	db.exec(`DELETE FROM items WHERE id = 2`)
	db.exec(`INSERT INTO full_items VALUES (7, 'seven')`)
	db.exec(`UPDATE full_items SET name = 'SEVEN' WHERE id = 7`)
	db.exec(`UPDATE items SET id = 3 WHERE id = 1`) // key change
	db.exec(`TRUNCATE items`)
	db.exec(`SELECT pg_logical_emit_message(true, 'tx-prefix', 'in a transaction')`)
	db.exec(`SELECT pg_logical_emit_message(false, 'nontx', '\x0102'::bytea)`)

	recs := readN(t, tk, 13, 10*time.Second)
	type want struct {
		topic, op string
		key       any // id of the key, nil: null key
		tomb      bool
		before    map[string]any
		after     map[string]any
	}
	wants := []want{
		{topic: "srv.public.items", op: "c", key: int32(1), after: map[string]any{"id": int32(1), "name": "one", "qty": int32(10)}},
		{topic: "srv.public.items", op: "c", key: int32(2), after: map[string]any{"id": int32(2), "name": "two", "qty": nil}},
		{topic: "srv.public.items", op: "u", key: int32(1), after: map[string]any{"id": int32(1), "name": "one", "qty": int32(11)}},
		// DEFAULT replica identity: the before image holds the key; the
		// required name gets Debezium's fallback "".
		{topic: "srv.public.items", op: "d", key: int32(2), before: map[string]any{"id": int32(2), "name": "", "qty": nil}},
		{topic: "srv.public.items", key: int32(2), tomb: true},
		{topic: "srv.public.full_items", op: "c", key: int32(7), after: map[string]any{"id": int32(7), "name": "seven"}},
		{topic: "srv.public.full_items", op: "u", key: int32(7), before: map[string]any{"id": int32(7), "name": "seven"}, after: map[string]any{"id": int32(7), "name": "SEVEN"}},
		{topic: "srv.public.items", op: "d", key: int32(1), before: map[string]any{"id": int32(1), "name": "", "qty": nil}},
		{topic: "srv.public.items", key: int32(1), tomb: true},
		{topic: "srv.public.items", op: "c", key: int32(3), after: map[string]any{"id": int32(3), "name": "one", "qty": int32(11)}},
		{topic: "srv.public.items", op: "t"},
		{topic: "srv.message", op: "m"},
		{topic: "srv.message", op: "m"},
	}
	recs = recs[:len(wants)]
	for i, w := range wants {
		r := recs[i]
		if r.Topic != w.topic {
			t.Errorf("record %d: topic %q, want %q", i, r.Topic, w.topic)
			continue
		}
		if w.key == nil && r.Key != nil && w.topic != "srv.message" {
			t.Errorf("record %d: key %v, want null", i, r.Key)
		}
		if w.key != nil {
			if got := keyField(r, "id"); got != w.key {
				t.Errorf("record %d: key id %v (%T), want %v", i, got, got, w.key)
			}
			if r.KeySchema.Name != w.topic+".Key" {
				t.Errorf("record %d: key schema %q", i, r.KeySchema.Name)
			}
		}
		if w.tomb {
			if r.Value != nil || r.ValueSchema != nil {
				t.Errorf("record %d: want a tombstone, got %v", i, r.Value)
			}
			continue
		}
		v := r.Value.(*record.Struct)
		if got := v.Get("op"); got != w.op {
			t.Errorf("record %d: op %v, want %s", i, got, w.op)
		}
		if w.topic == "srv.message" {
			continue
		}
		if r.ValueSchema.Name != w.topic+".Envelope" {
			t.Errorf("record %d: value schema %q", i, r.ValueSchema.Name)
		}
		_, before, after := envelope(t, r)
		checkStruct(t, i, "before", before, w.before)
		checkStruct(t, i, "after", after, w.after)
		src := v.Get("source").(*record.Struct)
		if src.Get("connector") != "postgresql" || src.Get("name") != "srv" || src.Get("db") != db.name ||
			src.Get("schema") != "public" || src.Get("snapshot") != "false" || src.Get("txId") == nil || src.Get("lsn") == nil {
			t.Errorf("record %d: source %v", i, src)
		}
	}
	msg := recs[11].Value.(*record.Struct).Get("message").(*record.Struct)
	if msg.Get("prefix") != "tx-prefix" || string(msg.Get("content").([]byte)) != "in a transaction" {
		t.Errorf("transactional message: %v", msg)
	}
	msg = recs[12].Value.(*record.Struct).Get("message").(*record.Struct)
	if msg.Get("prefix") != "nontx" || string(msg.Get("content").([]byte)) != "\x01\x02" {
		t.Errorf("non-transactional message: %v", msg)
	}
	if src := recs[12].Value.(*record.Struct).Get("source").(*record.Struct); src.Get("txId") != nil {
		t.Errorf("non-transactional message has txId %v", src.Get("txId"))
	}
}

func checkStruct(t *testing.T, i int, what string, got *record.Struct, want map[string]any) {
	t.Helper()
	if want == nil {
		if got != nil {
			t.Errorf("record %d: %s %v, want null", i, what, got)
		}
		return
	}
	if got == nil {
		t.Errorf("record %d: %s null, want %v", i, what, want)
		return
	}
	for k, w := range want {
		if g := got.Get(k); !record.ValuesEqual(g, w) {
			t.Errorf("record %d: %s.%s = %v (%T), want %v (%T)", i, what, k, g, g, w, w)
		}
	}
	if n := len(got.Schema().Fields); n != len(want) {
		t.Errorf("record %d: %s has %d fields, want %d", i, what, n, len(want))
	}
}
