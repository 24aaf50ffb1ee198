package transforms

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

func TestDropAndInsertHeader(t *testing.T) {
	r := record.Record{Headers: []record.Header{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "a", Value: "3"}}}
	out := apply(t, mk(t, "DropHeaders", map[string]string{"headers": "a,c"}), r)
	if len(out.Headers) != 1 || out.Headers[0].Key != "b" || len(r.Headers) != 3 {
		t.Fatalf("got %v", out.Headers)
	}
	for lit, want := range map[string]any{"42": int8(42), "70000": int32(70000), "true": true, "1.5": float32(1.5),
		"hello": "hello", "2024-01-02": time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), "": ""} {
		out := apply(t, mk(t, "InsertHeader", map[string]string{"header": "h", "value.literal": lit}), r)
		h := out.Headers[len(out.Headers)-1]
		if h.Key != "h" || !record.ValuesEqual(h.Value, want) || record.Validate(h.Schema, h.Value) != nil || len(r.Headers) != 3 {
			t.Errorf("literal %q: header %+v, want %v", lit, h, want)
		}
	}
}

func TestHeaderFrom(t *testing.T) {
	s := userSchema()
	v := user(s, 1, "ann", 30)
	out := apply(t, mk(t, "HeaderFrom$Value", map[string]string{"fields": "id,name", "headers": "h_id,h_name", "operation": "move"}), valueRec(s, v))
	checkValid(t, out)
	if len(out.Headers) != 2 || out.Headers[0].Value != int64(1) || out.Headers[1].Value != "ann" ||
		out.Headers[0].Schema.Type != record.Int64 || len(out.ValueSchema.Fields) != 1 || out.Value.(*record.Struct).Get("age") != int32(30) {
		t.Fatalf("move: %+v %v", out.Headers, out.Value)
	}
	out = apply(t, mk(t, "HeaderFrom$Value", map[string]string{"fields": "name", "headers": "n", "operation": "copy"}), valueRec(s, v))
	if len(out.Headers) != 1 || out.ValueSchema != s {
		t.Fatalf("copy: %v", out.Headers)
	}
	out = apply(t, mk(t, "HeaderFrom$Key", map[string]string{"fields": "k", "headers": "hk", "operation": "move"}),
		record.Record{Key: map[string]any{"k": "v", "x": 1}})
	equalValues(t, out.Key, map[string]any{"x": 1})
	if out.Headers[0].Value != "v" {
		t.Fatalf("schemaless: %v", out.Headers)
	}
	if _, _, err := safeApply(mk(t, "HeaderFrom$Value", map[string]string{"fields": "zz", "headers": "h", "operation": "copy"}), valueRec(s, v)); err == nil {
		t.Error("missing field: no error")
	}
}

func TestRouters(t *testing.T) {
	tests := []struct {
		regex, repl, topic, want string
	}{
		{`(.*)-(\d+)`, "$2_$1", "orders-12", "12_orders"},
		{`db\.(?P<table>.*)`, "cdc.${table}", "db.users", "cdc.users"},
		{`a(.)`, `$10\$`, "ab", "b0$"},
		{`x`, "y", "xx", "xx"}, // must match the whole topic
	}
	for _, tc := range tests {
		out := apply(t, mk(t, "RegexRouter", map[string]string{"regex": tc.regex, "replacement": tc.repl}), record.Record{Topic: tc.topic})
		if out.Topic != tc.want {
			t.Errorf("%s → %s on %s = %s, want %s", tc.regex, tc.repl, tc.topic, out.Topic, tc.want)
		}
	}
	if _, _, err := safeApply(mk(t, "RegexRouter", map[string]string{"regex": "(a)", "replacement": "$2"}), record.Record{Topic: "a"}); err == nil {
		t.Error("bad group: no error")
	}
	tr := mk(t, "TimestampRouter", nil)
	out := apply(t, tr, record.Record{Topic: "logs", Timestamp: time.Date(2024, 3, 9, 23, 0, 0, 0, time.UTC)})
	if out.Topic != "logs-20240309" {
		t.Fatalf("TimestampRouter: %s", out.Topic)
	}
	out = apply(t, mk(t, "TimestampRouter", map[string]string{"topic.format": "${timestamp}/${topic}", "timestamp.format": "yyyy-MM"}),
		record.Record{Topic: "t", Timestamp: time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC)})
	if out.Topic != "2024-03/t" {
		t.Fatalf("TimestampRouter format: %s", out.Topic)
	}
	if _, _, err := safeApply(tr, record.Record{Topic: "t"}); err == nil {
		t.Error("no timestamp: no error")
	}
}

func TestPredicates(t *testing.T) {
	p := func(name string, cfg map[string]string) Predicate {
		pl, _ := Lookup(Plugins(), name)
		pr, err := pl.NewPredicate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	tests := []struct {
		p    Predicate
		r    record.Record
		want bool
	}{
		{p("TopicNameMatches", map[string]string{"pattern": "a.*"}), record.Record{Topic: "abc"}, true},
		{p("TopicNameMatches", map[string]string{"pattern": "b"}), record.Record{Topic: "abc"}, false},
		{p("HasHeaderKey", map[string]string{"name": "h"}), record.Record{Headers: []record.Header{{Key: "h"}}}, true},
		{p("HasHeaderKey", map[string]string{"name": "h"}), record.Record{}, false},
		{p("RecordIsTombstone", nil), record.Record{Key: "k"}, true},
		{p("RecordIsTombstone", nil), record.Record{Value: "v"}, false},
	}
	for i, tc := range tests {
		if got, err := tc.p.Test(tc.r); got != tc.want || err != nil {
			t.Errorf("%d: got %v, %v", i, got, err)
		}
	}
	if _, keep, _ := mk(t, "Filter", nil).Apply(record.Record{}); keep {
		t.Error("Filter kept the record")
	}
}
