package transforms

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

// TestDocExamples reproduces the worked examples of Confluent's SMT
// reference pages (the Apache Kafka transformations), Kafka's own
// documentation and Debezium's New Record State Extraction page. The JSON
// of the pages is given as schemaless maps, as a JSON converter without
// schemas yields them (JSON numbers as int64 or float64).
func TestDocExamples(t *testing.T) {
	type example struct {
		name string
		typ  string
		cfg  map[string]string
		in   record.Record
		// want checks the output (keep=false means dropped).
		want func(t *testing.T, out record.Record, keep bool)
	}
	val := func(v any) record.Record {
		return record.Record{Topic: "t", Value: v, Timestamp: time.UnixMilli(1556204536000).UTC()}
	}
	wantValue := func(want any) func(*testing.T, record.Record, bool) {
		return func(t *testing.T, out record.Record, keep bool) {
			t.Helper()
			if !keep {
				t.Fatal("dropped")
			}
			equalValues(t, out.Value, want)
		}
	}
	wantTopic := func(want string) func(*testing.T, record.Record, bool) {
		return func(t *testing.T, out record.Record, _ bool) {
			t.Helper()
			if out.Topic != want {
				t.Fatalf("topic %q, want %q", out.Topic, want)
			}
		}
	}
	examples := []example{
		// https://docs.redpanda.com/cloud-data-platform/develop/managed-connectors/transforms/ (Cast)
		{name: "Cast price:float64", typ: "Cast$Value", cfg: map[string]string{"spec": "price:float64"},
			in:   val(map[string]any{"price": int64(1234), "product_id": "9987"}),
			want: wantValue(map[string]any{"price": 1234.0, "product_id": "9987"})},
		// https://docs.confluent.io/kafka-connectors/transforms/current/dropheaders.html
		{name: "DropHeaders app.id,txn.id", typ: "DropHeaders", cfg: map[string]string{"headers": "app.id,txn.id"},
			in: record.Record{Topic: "t", Value: "v", Headers: []record.Header{headerString("app.id", "a"),
				headerString("keep", "k"), headerString("txn.id", "x")}},
			want: func(t *testing.T, out record.Record, _ bool) {
				if len(out.Headers) != 1 || out.Headers[0].Key != "keep" {
					t.Fatalf("headers %v", out.Headers)
				}
			}},
		// https://docs.confluent.io/current/connect/transforms/extractfield.html
		{name: "ExtractField id", typ: "ExtractField$Value", cfg: map[string]string{"field": "id"},
			in: val(map[string]any{"id": int64(42), "cost": int64(4000)}), want: wantValue(int64(42))},
		// https://docs.confluent.io/4.1.3/connect/transforms/flatten.html
		{name: "Flatten content", typ: "Flatten$Value", cfg: map[string]string{"delimiter": "."},
			in: val(map[string]any{"content": map[string]any{"id": int64(42),
				"name": map[string]any{"first": "David", "middle": nil, "last": "Wong"}}}),
			want: wantValue(map[string]any{"content.id": int64(42), "content.name.first": "David",
				"content.name.middle": nil, "content.name.last": "Wong"})},
		// https://docs.confluent.io/ja-jp/platform/current/connect/transforms/hoistfield.html
		{name: "HoistField line", typ: "HoistField$Value", cfg: map[string]string{"field": "line"},
			in: val("Foo"), want: wantValue(map[string]any{"line": "Foo"})},
		// https://docs.confluent.io/current/connect/transforms/insertfield.html
		{name: "InsertField static", typ: "InsertField$Value",
			cfg: map[string]string{"static.field": "MessageSource", "static.value": "Kafka Connect framework"},
			in:  val(map[string]any{"author": "Philip K. Dick", "character": "Palmer Eldritch"}),
			want: wantValue(map[string]any{"author": "Philip K. Dick", "character": "Palmer Eldritch",
				"MessageSource": "Kafka Connect framework"})},
		// https://docs.confluent.io/current/connect/transforms/maskfield.html (mask value)
		{name: "MaskField string_field", typ: "MaskField$Value", cfg: map[string]string{"fields": "string_field"},
			in:   val(map[string]any{"integer_field": int64(22), "string_field": "foo"}),
			want: wantValue(map[string]any{"integer_field": int64(22), "string_field": ""})},
		// https://docs.confluent.io/platform/6.2/connect/transforms/maskfield.html (replace value)
		{name: "MaskField SSN replacement", typ: "MaskField$Value", cfg: map[string]string{"fields": "SSN", "replacement": "***-***-****"},
			in:   val(map[string]any{"SSN": "123-45-6789", "name": "x"}),
			want: wantValue(map[string]any{"SSN": "***-***-****", "name": "x"})},
		// https://docs.confluent.io/4.0.0/connect/transforms/regexrouter.html (remove a topic prefix)
		{name: "RegexRouter dropPrefix", typ: "RegexRouter", cfg: map[string]string{"regex": "soe-(.*)", "replacement": "$1"},
			in: record.Record{Topic: "soe-Order"}, want: wantTopic("Order")},
		// https://docs.confluent.io/5.4.11/connect/transforms/regexrouter.html (add a topic prefix)
		{name: "RegexRouter AddPrefix", typ: "RegexRouter", cfg: map[string]string{"regex": ".*", "replacement": "acme_$0"},
			in: record.Record{Topic: "Order"}, want: wantTopic("acme_Order")},
		// https://docs.confluent.io/ja-jp/cloud/current/connectors/transforms/regexrouter.html (remove part
		// of a topic name). The page says Order_Stream_Data becomes Order_Data, but Kafka's RegexRouter
		// uses Matcher.matches(), and "(.)Stream_(.)" does not match the whole name: the topic is
		// unchanged in Kafka, as here.
		{name: "RegexRouter RemoveString", typ: "RegexRouter", cfg: map[string]string{"regex": "(.)Stream_(.)", "replacement": "$1$2"},
			in: record.Record{Topic: "Order_Stream_Data"}, want: wantTopic("Order_Stream_Data")},
		// https://docs.confluent.io/cloud/current/connectors/transforms/replacefield.html (drop a field)
		{name: "ReplaceField exclude", typ: "ReplaceField$Value", cfg: map[string]string{"exclude": "c2"},
			in: val(map[string]any{"c1": int64(22), "c2": "foo"}), want: wantValue(map[string]any{"c1": int64(22)})},
		// https://docs.confluent.io/cloud/current/connectors/transforms/replacefield.html (rename a field)
		{name: "ReplaceField renames", typ: "ReplaceField$Value", cfg: map[string]string{"renames": "foo:c1,bar:c2"},
			in:   val(map[string]any{"foo": int64(22), "bar": "baz"}),
			want: wantValue(map[string]any{"c1": int64(22), "c2": "baz"})},
		// https://docs.confluent.io/5.4.11/connect/transforms/timestampconverter.html. The page's "After"
		// reads "2014-04-25", a typo: 1556204536000 ms is 2019-04-25 (UTC), which Kafka produces.
		{name: "TimestampConverter unix to string", typ: "TimestampConverter$Value",
			cfg: map[string]string{"format": "yyyy-MM-dd", "target.type": "string"},
			in:  val(int64(1556204536000)), want: wantValue("2019-04-25")},
		// https://docs.confluent.io/4.1.3/connect/transforms/timestamprouter.html (the record's timestamp
		// is in April 2018, as the example's output implies; YYYY is the week year, see doc.go).
		{name: "TimestampRouter YYYYMM", typ: "TimestampRouter",
			cfg:  map[string]string{"topic.format": "foo-${topic}-${timestamp}", "timestamp.format": "YYYYMM"},
			in:   record.Record{Topic: "ordersTopic", Timestamp: time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)},
			want: wantTopic("foo-ordersTopic-201804")},
		// https://docs.confluent.io/current/connect/transforms/valuetokey.html
		{name: "ValueToKey userId,city,state", typ: "ValueToKey", cfg: map[string]string{"fields": "userId,city,state"},
			in: val(map[string]any{"userId": int64(12), "address": "1942 Wilhelm Boulevard", "city": "Topeka", "state": "KS", "country": "US"}),
			want: func(t *testing.T, out record.Record, _ bool) {
				equalValues(t, out.Key, map[string]any{"userId": int64(12), "city": "Topeka", "state": "KS"})
			}},
		// https://docs.redhat.com/ja/documentation/red_hat_integration/2020-q2/html/debezium_user_guide/extracting-source-record-after-state-from-debezium-change-events
		// (Debezium's New Record State Extraction page: an UPDATE event becomes its after state)
		{name: "ExtractNewRecordState update", typ: "io.debezium.transforms.ExtractNewRecordState", cfg: map[string]string{},
			in: val(map[string]any{"op": "u", "source": map[string]any{"table": "t"}, "ts_ms": int64(1),
				"before": map[string]any{"field1": "oldvalue1", "field2": "oldvalue2"},
				"after":  map[string]any{"field1": "newvalue1", "field2": "newvalue2"}}),
			want: wantValue(map[string]any{"field1": "newvalue1", "field2": "newvalue2"})},
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			out, keep, err := safeApply(mk(t, ex.typ, ex.cfg), ex.in)
			if err != nil {
				t.Fatal(err)
			}
			ex.want(t, out, keep)
		})
	}
}

// TestDocExamplesWithSchema runs the examples whose pages show typed
// data (or only a configuration) on Structs with schemas.
func TestDocExamplesWithSchema(t *testing.T) {
	// https://docs.redpanda.com/cloud-data-platform/develop/managed-connectors/transforms/ (Cast),
	// with price an int32 column: the schema becomes float64 and 1234 becomes 1234.0.
	s := record.NewStructSchema("product").Field("price", record.Int32Schema()).Field("product_id", record.StringSchema()).Build()
	out := apply(t, mk(t, "Cast$Value", map[string]string{"spec": "price:float64"}),
		valueRec(s, record.NewStruct(s).Put("price", int32(1234)).Put("product_id", "9987")))
	checkValid(t, out)
	if v := out.Value.(*record.Struct); v.Get("price") != 1234.0 || out.ValueSchema.Field("price").Schema.Type != record.Float64 {
		t.Errorf("Cast: %v %v", out.ValueSchema, v)
	}

	// https://docs.confluent.io/ja-jp/platform/current/connect/transforms/setschemametadata.html
	// ("The transform sets the schema name to order-value version 2").
	out = apply(t, mk(t, "SetSchemaMetadata$Value", map[string]string{"schema.name": "order-value", "schema.version": "2"}),
		valueRec(s, record.NewStruct(s).Put("price", int32(1)).Put("product_id", "p")))
	checkValid(t, out)
	if out.ValueSchema.Name != "order-value" || out.ValueSchema.Version != 2 {
		t.Errorf("SetSchemaMetadata: %s v%d", out.ValueSchema.Name, out.ValueSchema.Version)
	}

	// https://docs.confluent.io/current/connect/transforms/extractfield.html (chained: ValueToKey
	// copies c1 into the key, ExtractField$Key keeps just its value).
	c := record.NewStructSchema("row").Field("c1", record.Int32Schema()).Field("c2", record.StringSchema()).Build()
	chain, err := NewChain(map[string]string{"transforms": "createKey,extractInt",
		"transforms.createKey.type": "org.apache.kafka.connect.transforms.ValueToKey", "transforms.createKey.fields": "c1",
		"transforms.extractInt.type": "org.apache.kafka.connect.transforms.ExtractField$Key", "transforms.extractInt.field": "c1"})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err = chain.Apply(valueRec(c, record.NewStruct(c).Put("c1", int32(7)).Put("c2", "x")))
	if err != nil || out.Key != int32(7) || out.KeySchema.Type != record.Int32 {
		t.Errorf("ValueToKey+ExtractField: %v %v %v", out.KeySchema, out.Key, err)
	}

	// https://docs.confluent.io/kafka-connectors/transforms/current/insertheader.html: best-app-ever
	// is a STRING; "1234 is parsed into INT16 type", "true is parsed into BOOLEAN type".
	for _, tc := range []struct {
		literal string
		typ     record.Type
		v       any
	}{{"best-app-ever", record.String, "best-app-ever"}, {"1234", record.Int16, int16(1234)}, {"true", record.Boolean, true}} {
		out := apply(t, mk(t, "InsertHeader", map[string]string{"header": "app.id", "value.literal": tc.literal}), valueRec(nil, "v"))
		h := out.Headers[len(out.Headers)-1]
		if h.Key != "app.id" || h.Schema.Type != tc.typ || h.Value != tc.v {
			t.Errorf("InsertHeader %q: %v %v", tc.literal, h.Schema, h.Value)
		}
	}
}

// TestDocPredicateExamples runs the predicate examples as chains.
func TestDocPredicateExamples(t *testing.T) {
	// https://kafka.apache.org/documentation/#connect_predicates: Filter applies to topic foo only,
	// ExtractField$Key to every topic except bar.
	chain, err := NewChain(map[string]string{
		"transforms":                   "Filter,Extract",
		"transforms.Filter.type":       "org.apache.kafka.connect.transforms.Filter",
		"transforms.Filter.predicate":  "IsFoo",
		"transforms.Extract.type":      "org.apache.kafka.connect.transforms.ExtractField$Key",
		"transforms.Extract.field":     "other_field",
		"transforms.Extract.predicate": "IsBar",
		"transforms.Extract.negate":    "true",
		"predicates":                   "IsFoo,IsBar",
		"predicates.IsFoo.type":        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.IsFoo.pattern":     "foo",
		"predicates.IsBar.type":        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.IsBar.pattern":     "bar",
	})
	if err != nil {
		t.Fatal(err)
	}
	key := map[string]any{"other_field": "k"}
	if _, keep, _ := chain.Apply(record.Record{Topic: "foo", Key: key}); keep {
		t.Error("foo not filtered")
	}
	if out, keep, _ := chain.Apply(record.Record{Topic: "bar", Key: key}); !keep || out.Key == "k" {
		t.Errorf("bar: keep=%v key=%v, want the key untouched", keep, out.Key)
	}
	if out, keep, _ := chain.Apply(record.Record{Topic: "baz", Key: key}); !keep || out.Key != "k" {
		t.Errorf("baz: keep=%v key=%v, want k", keep, out.Key)
	}

	// https://docs.confluent.io/cloud/current/connectors/transforms/filter-ak.html (predicates):
	// drop tombstones with Filter and RecordIsTombstone; keep records without a header with
	// HasHeaderKey negated.
	chain, err = NewChain(map[string]string{
		"transforms":                         "dropTombstone,dropNoTrace",
		"transforms.dropTombstone.type":      "org.apache.kafka.connect.transforms.Filter",
		"transforms.dropTombstone.predicate": "isTombstone",
		"transforms.dropNoTrace.type":        "org.apache.kafka.connect.transforms.Filter",
		"transforms.dropNoTrace.predicate":   "hasTrace",
		"transforms.dropNoTrace.negate":      "true",
		"predicates":                         "isTombstone,hasTrace",
		"predicates.isTombstone.type":        "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
		"predicates.hasTrace.type":           "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
		"predicates.hasTrace.name":           "trace-id",
	})
	if err != nil {
		t.Fatal(err)
	}
	traced := []record.Header{headerString("trace-id", "1")}
	for _, tc := range []struct {
		r    record.Record
		keep bool
	}{
		{record.Record{Topic: "t", Headers: traced}, false},            // tombstone
		{record.Record{Topic: "t", Value: "v"}, false},                 // no trace-id
		{record.Record{Topic: "t", Value: "v", Headers: traced}, true}, // kept
	} {
		if _, keep, err := chain.Apply(tc.r); err != nil || keep != tc.keep {
			t.Errorf("%+v: keep=%v err=%v, want keep=%v", tc.r, keep, err, tc.keep)
		}
	}
}
