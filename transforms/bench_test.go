package transforms

// BenchmarkTransforms measures every transformation and predicate of
// Plugins() on a realistic record: a 10-field order (strings, ints, a
// float, a boolean, a timestamp, a decimal; Flatten and ExtractField get
// an optional nested address struct instead of the country), with a
// schema (/schema) and as a JSON-like map (/schemaless) where schemaless
// input is common. $Key variants carry the same struct in the key.
//
//	go test -run '^$' -bench BenchmarkTransforms -benchtime 200ms ./transforms/
//
// Results: linux/amd64, 2 cores shared with several other agents' builds
// and tests (load average 5–8), so the machine was loaded and the figures
// vary by 2–3× between runs of the same code; two runs are shown, the
// allocation counts are exact. Before the optimizations the first run
// measured Cast$Value/schema at 2232 ns and 12 allocs, InsertField
// schemaless at 3–5 µs, TimestampConverter schemaless at 3.7–9.5 µs,
// RegexRouter at 1195 ns (3 allocs) and TopicNameMatches at 480 ns.
//
//	name                                    ns/op run 1  ns/op run 2  allocs/op
//	Cast$Value/schema                             387.7        905.1          4
//	Cast$Value/schemaless                          1457         2965          6
//	Cast$Key/schema                               384.9         1119          4
//	Cast$Key/schemaless                            1013         5142          6
//	DropHeaders/schema                            142.5        529.0          1
//	ExtractField$Value/schema                     59.73        219.2          0
//	ExtractField$Value/schemaless                 59.00        93.14          0
//	ExtractField$Key/schema                       84.60        180.0          0
//	ExtractField$Key/schemaless                   59.82        146.1          0
//	Filter/schema                                 17.50        28.63          0
//	Flatten$Value/schema                          193.4        393.6          2
//	Flatten$Value/schemaless                       1512         2157          7
//	Flatten$Key/schema                            292.9        567.7          2
//	Flatten$Key/schemaless                         1602         3413          7
//	HeaderFrom$Value/schema                       584.3         1096          4
//	HeaderFrom$Value/schemaless                    1485         2346          6
//	HeaderFrom$Key/schema                         704.8         1215          4
//	HeaderFrom$Key/schemaless                      1382         3606          6
//	HoistField$Value/schema                       164.2        317.1          2
//	HoistField$Value/schemaless                   309.8        450.2          2
//	HoistField$Key/schema                         139.5        264.0          2
//	HoistField$Key/schemaless                     259.0        674.9          2
//	InsertField$Value/schema                      379.7         1328          5
//	InsertField$Value/schemaless                  639.0         3197          7
//	InsertField$Key/schema                        359.6         1554          5
//	InsertField$Key/schemaless                    557.1         4440          7
//	InsertHeader/schema                           122.4        394.3          1
//	MaskField$Value/schema                        204.9        502.3          2
//	MaskField$Value/schemaless                    478.0         1663          4
//	MaskField$Key/schema                          212.8         1033          2
//	MaskField$Key/schemaless                      483.9         2291          4
//	RegexRouter/schema                            42.27        265.9          0
//	ReplaceField$Value/schema                     138.4        531.7          2
//	ReplaceField$Value/schemaless                 730.4         3513          4
//	ReplaceField$Key/schema                       184.3        480.6          2
//	ReplaceField$Key/schemaless                    1339         1011          4
//	SetSchemaMetadata$Value/schema                279.2        197.4          2
//	SetSchemaMetadata$Key/schema                  315.6        271.8          2
//	TimestampConverter$Value/schema               525.1        381.3          4
//	TimestampConverter$Value/schemaless            1001        978.3          6
//	TimestampConverter$Key/schema                 479.2        614.4          4
//	TimestampConverter$Key/schemaless             903.8         1504          6
//	TimestampRouter/schema                        124.0        134.9          1
//	ValueToKey/schema                             113.9        175.5          2
//	ValueToKey/schemaless                         382.9        432.0          2
//	ExtractNewRecordState/schema                  444.0        405.7          2
//	ExtractNewRecordState/schemaless              881.1        935.6          4
//	TopicNameMatches/schema                       26.21        33.16          0
//	HasHeaderKey/schema                           12.32        13.50          0
//	RecordIsTombstone/schema                      7.374        9.252          0

import (
	"maps"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

// orderSchema is the 10-field value of the benchmarks; nested replaces the
// country with an optional address struct.
func orderSchema(nested bool) *record.Schema {
	b := record.NewStructSchema("shop.public.orders.Value").
		Field("id", record.Int64Schema()).
		Field("customer", record.StringSchema()).
		Field("email", record.OptionalStringSchema()).
		Field("quantity", record.Int32Schema()).
		Field("score", record.OptionalFloat64Schema()).
		Field("paid", record.BooleanSchema()).
		Field("created_at", record.TimestampSchema()).
		Field("amount", record.DecimalSchema(2)).
		Field("status", record.StringSchema())
	if nested {
		addr := record.NewStructSchema("shop.Address").Optional().
			Field("street", record.StringSchema()).
			Field("city", record.StringSchema()).
			Field("zip", record.OptionalStringSchema()).Build()
		return b.Field("address", addr).Build()
	}
	return b.Field("country", record.OptionalStringSchema()).Build()
}

var benchTime = time.UnixMilli(1700000000123).UTC()

func orderStruct(s *record.Schema) *record.Struct {
	st := record.NewStruct(s).Put("id", int64(1001)).Put("customer", "Ann Lee").
		Put("email", "ann@example.com").Put("quantity", int32(3)).Put("score", 4.5).
		Put("paid", true).Put("created_at", benchTime).Put("amount", record.NewDecimal(123450, 2)).
		Put("status", "shipped")
	if f := s.Field("address"); f != nil {
		return st.Put("address", record.NewStruct(f.Schema).Put("street", "1 Main St").
			Put("city", "Oslo").Put("zip", "0150"))
	}
	return st.Put("country", "NO")
}

// orderMap is the schemaless order, as a JSON converter yields it.
func orderMap(nested bool) map[string]any {
	m := map[string]any{"id": int64(1001), "customer": "Ann Lee", "email": "ann@example.com",
		"quantity": int64(3), "score": 4.5, "paid": true, "created_at": int64(1700000000123),
		"amount": "1234.50", "status": "shipped"}
	if nested {
		m["address"] = map[string]any{"street": "1 Main St", "city": "Oslo", "zip": "0150"}
	} else {
		m["country"] = "NO"
	}
	return m
}

func benchHeaders() []record.Header {
	return []record.Header{headerString("trace-id", "4bf92f3577b34da6"),
		headerString("source", "pos-12"), headerString("content-type", "application/json")}
}

func orderRecord(nested bool) record.Record {
	s := orderSchema(nested)
	return record.Record{Topic: "shop.public.orders", Partition: 3, Offset: 4242, Timestamp: benchTime,
		KeySchema: record.Int64Schema(), Key: int64(1001), ValueSchema: s, Value: orderStruct(s),
		Headers: benchHeaders()}
}

func orderMapRecord(nested bool) record.Record {
	return record.Record{Topic: "shop.public.orders", Partition: 3, Offset: 4242, Timestamp: benchTime,
		Key: int64(1001), Value: orderMap(nested), Headers: benchHeaders()}
}

// asKey swaps key and value, for the $Key variants.
func asKey(r record.Record) record.Record {
	r.KeySchema, r.Key, r.ValueSchema, r.Value = r.ValueSchema, r.Value, r.KeySchema, r.Key
	return r
}

// debeziumRecord is an update event of the order table: before and after
// rows of orderSchema, a Postgres source block, op and ts_ms.
func debeziumRecord(schemaless bool) record.Record {
	if schemaless {
		before, after := orderMap(false), orderMap(false)
		before["status"] = "paid"
		v := map[string]any{"before": before, "after": after, "op": "u", "ts_ms": int64(1700000000200),
			"source": map[string]any{"version": "3.0.0.Final", "connector": "postgresql", "name": "shop",
				"ts_ms": int64(1700000000100), "db": "shop", "schema": "public", "table": "orders", "lsn": int64(24023128)}}
		return record.Record{Topic: "shop.public.orders", Key: map[string]any{"id": int64(1001)}, Value: v, Timestamp: benchTime}
	}
	row := orderSchema(false)
	optRow := optionalCopy(row)
	source := record.NewStructSchema("io.debezium.connector.postgresql.Source").
		Field("version", record.StringSchema()).Field("connector", record.StringSchema()).
		Field("name", record.StringSchema()).Field("ts_ms", record.Int64Schema()).
		Field("db", record.StringSchema()).Field("schema", record.StringSchema()).
		Field("table", record.StringSchema()).Field("lsn", record.OptionalInt64Schema()).Build()
	env := record.NewStructSchema("shop.public.orders.Envelope").
		Field("before", optRow).Field("after", optRow).Field("source", source).
		Field("op", record.StringSchema()).Field("ts_ms", record.OptionalInt64Schema()).Build()
	mkRow := func(status string) *record.Struct {
		r := record.NewStruct(optRow)
		o := orderStruct(row)
		for i := range row.Fields {
			r.PutAt(i, o.RawAt(i))
		}
		return r.Put("status", status)
	}
	src := record.NewStruct(source).Put("version", "3.0.0.Final").Put("connector", "postgresql").
		Put("name", "shop").Put("ts_ms", int64(1700000000100)).Put("db", "shop").Put("schema", "public").
		Put("table", "orders").Put("lsn", int64(24023128))
	v := record.NewStruct(env).Put("before", mkRow("paid")).Put("after", mkRow("shipped")).
		Put("source", src).Put("op", "u").Put("ts_ms", int64(1700000000200))
	ks := record.NewStructSchema("shop.public.orders.Key").Field("id", record.Int64Schema()).Build()
	return record.Record{Topic: "shop.public.orders", KeySchema: ks, Key: record.NewStruct(ks).Put("id", int64(1001)),
		ValueSchema: env, Value: v, Timestamp: benchTime}
}

type benchCase struct {
	name string // Kafka's short name, without $Key/$Value
	cfg  map[string]string
	// keyed: has $Key and $Value variants; nested: uses the address
	// struct; schemaless: also run on the map record; debezium: runs on
	// an envelope instead of the order.
	keyed, nested, schemaless, debezium bool
	predicate                           bool
}

func benchCases() []benchCase {
	return []benchCase{
		{name: "Cast", cfg: map[string]string{"spec": "quantity:int64,score:float32,amount:float64"}, keyed: true, schemaless: true},
		{name: "DropHeaders", cfg: map[string]string{"headers": "trace-id"}},
		{name: "ExtractField", cfg: map[string]string{"field": "customer"}, keyed: true, schemaless: true},
		{name: "Filter", cfg: map[string]string{}},
		{name: "Flatten", cfg: map[string]string{"delimiter": "_"}, keyed: true, nested: true, schemaless: true},
		{name: "HeaderFrom", cfg: map[string]string{"fields": "id,status", "headers": "order-id,order-status", "operation": "move"}, keyed: true, schemaless: true},
		{name: "HoistField", cfg: map[string]string{"field": "order"}, keyed: true, schemaless: true},
		{name: "InsertField", cfg: map[string]string{"topic.field": "kafka_topic", "partition.field": "kafka_partition",
			"timestamp.field": "kafka_ts", "static.field": "origin", "static.value": "pos"}, keyed: true, schemaless: true},
		{name: "InsertHeader", cfg: map[string]string{"header": "origin", "value.literal": "pos"}},
		{name: "MaskField", cfg: map[string]string{"fields": "email,customer"}, keyed: true, schemaless: true},
		{name: "RegexRouter", cfg: map[string]string{"regex": `shop\.public\.(.*)`, "replacement": "orders-$1"}},
		{name: "ReplaceField", cfg: map[string]string{"exclude": "score", "renames": "customer:customer_name,status:order_status"}, keyed: true, schemaless: true},
		{name: "SetSchemaMetadata", cfg: map[string]string{"schema.name": "com.example.Order", "schema.version": "2"}, keyed: true},
		{name: "TimestampConverter", cfg: map[string]string{"field": "created_at", "target.type": "string", "format": "yyyy-MM-dd HH:mm:ss"}, keyed: true, schemaless: true},
		{name: "TimestampRouter", cfg: map[string]string{"topic.format": "${topic}-${timestamp}", "timestamp.format": "yyyyMMdd"}},
		{name: "ValueToKey", cfg: map[string]string{"fields": "id"}, schemaless: true},
		{name: "ExtractNewRecordState", cfg: map[string]string{"add.fields": "op,table,lsn"}, schemaless: true, debezium: true},
		{name: "TopicNameMatches", cfg: map[string]string{"pattern": `shop\..*`}, predicate: true},
		{name: "HasHeaderKey", cfg: map[string]string{"name": "content-type"}, predicate: true},
		{name: "RecordIsTombstone", cfg: map[string]string{}, predicate: true},
	}
}

// TestBenchCasesCoverPlugins keeps the benchmarks in step with Plugins().
func TestBenchCasesCoverPlugins(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range benchCases() {
		covered[c.name] = true
		if c.keyed {
			covered[c.name+"$Key"], covered[c.name+"$Value"] = true, true
		}
	}
	for _, p := range Plugins() {
		if !covered[p.Aliases[0]] {
			t.Errorf("no benchmark for %s", p.Aliases[0])
		}
	}
}

func BenchmarkTransforms(b *testing.B) {
	plugins := Plugins()
	for _, c := range benchCases() {
		names := []string{c.name}
		if c.keyed {
			names = []string{c.name + "$Value", c.name + "$Key"}
		}
		for _, name := range names {
			p, ok := Lookup(plugins, name)
			if !ok {
				b.Fatalf("no plugin %s", name)
			}
			modes := []string{"schema"}
			if c.schemaless {
				modes = append(modes, "schemaless")
			}
			for _, mode := range modes {
				var r record.Record
				switch {
				case c.debezium:
					r = debeziumRecord(mode == "schemaless")
				case mode == "schemaless":
					r = orderMapRecord(c.nested)
				default:
					r = orderRecord(c.nested)
				}
				if name == c.name+"$Key" {
					r = asKey(r)
				}
				b.Run(name+"/"+mode, func(b *testing.B) {
					if c.predicate {
						benchPredicate(b, p, maps.Clone(c.cfg), r)
					} else {
						benchTransform(b, p, maps.Clone(c.cfg), r)
					}
				})
			}
		}
	}
}

func benchTransform(b *testing.B, p Plugin, cfg map[string]string, r record.Record) {
	tr, err := p.NewTransformation(cfg)
	if err != nil {
		b.Fatal(err)
	}
	out, _, err := tr.Apply(r)
	if err != nil {
		b.Fatalf("%s: %v", p.Name, err)
	}
	if err := out.Validate(); err != nil {
		b.Fatalf("%s: invalid output: %v", p.Name, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tr.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPredicate(b *testing.B, p Plugin, cfg map[string]string, r record.Record) {
	pr, err := p.NewPredicate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pr.Test(r); err != nil {
			b.Fatal(err)
		}
	}
}
