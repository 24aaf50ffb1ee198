package datagen

import (
	"encoding/binary"
	"slices"
	"strconv"
	"time"

	"github.com/sluicehq/sluice/record"
)

// baseMillis is 2026-01-01T00:00:00Z: timestamps inside values count from it.
const baseMillis = 1767225600000

// generator builds the values of one schema.
type generator struct {
	schema *record.Schema
	// payload is the size of the random payload field, 0 for none.
	payload int
	// fill sets the fields of v, record number seq, from r; payload is the
	// record's slice of the batch's slab (nil when the schema has none).
	fill func(v *record.Struct, r *rng, seq int64, payload []byte)
}

var generators = map[string]func() *generator{
	"users":     usersGen,
	"orders":    ordersGen,
	"pageviews": pageviewsGen,
	"bytes100":  func() *generator { return bytesGen("sluice.datagen.Bytes100", 100-8-8) },
	"bytes1k":   func() *generator { return bytesGen("sluice.datagen.Bytes1k", 1024-8-8) },
}

func schemaNames() []string {
	names := make([]string, 0, len(generators))
	for n := range generators {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// boxed returns prefix+"1" … prefix+strconv(n) as interface values, so that
// storing one in a Struct does not allocate.
func boxed(prefix string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i+1)
	}
	return out
}

func boxedOf(vals ...string) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out
}

func pick(r *rng, from []any) any { return from[r.intn(uint64(len(from)))] }

// usersGen: Confluent's "users" quickstart.
func usersGen() *generator {
	s := record.NewStructSchema("ksql.users").
		Field("registertime", record.Int64Schema()).
		Field("userid", record.StringSchema()).
		Field("regionid", record.StringSchema()).
		Field("gender", record.StringSchema()).
		Build()
	users, regions := boxed("User_", 9), boxed("Region_", 9)
	genders := boxedOf("MALE", "FEMALE", "OTHER")
	return &generator{schema: s, fill: func(v *record.Struct, r *rng, seq int64, _ []byte) {
		v.PutAt(0, int64(baseMillis+seq*1000+int64(r.intn(1000))))
		v.PutAt(1, pick(r, users))
		v.PutAt(2, pick(r, regions))
		v.PutAt(3, pick(r, genders))
	}}
}

// ordersGen: Confluent's "orders" quickstart, with its nested address.
func ordersGen() *generator {
	addr := record.NewStructSchema("ksql.address").
		Field("city", record.StringSchema()).
		Field("state", record.StringSchema()).
		Field("zipcode", record.Int64Schema()).
		Build()
	s := record.NewStructSchema("ksql.orders").
		Field("ordertime", record.Int64Schema()).
		Field("orderid", record.Int32Schema()).
		Field("itemid", record.StringSchema()).
		Field("orderunits", record.Float64Schema()).
		Field("address", addr).
		Build()
	items, cities, states := boxed("Item_", 999), boxed("City_", 99), boxed("State_", 50)
	return &generator{schema: s, fill: func(v *record.Struct, r *rng, seq int64, _ []byte) {
		a := record.NewStruct(addr)
		a.PutAt(0, pick(r, cities))
		a.PutAt(1, pick(r, states))
		a.PutAt(2, int64(10000+r.intn(90000)))
		v.PutAt(0, int64(baseMillis+seq*100+int64(r.intn(100))))
		v.PutAt(1, int32(seq))
		v.PutAt(2, pick(r, items))
		v.PutAt(3, float64(r.intn(1000000))/100000) // 0 … 10 units, 5 decimals
		v.PutAt(4, a)
	}}
}

// pageviewsGen: Confluent's "pageviews" quickstart.
func pageviewsGen() *generator {
	s := record.NewStructSchema("ksql.pageviews").
		Field("viewtime", record.Int64Schema()).
		Field("userid", record.StringSchema()).
		Field("pageid", record.StringSchema()).
		Build()
	users, pages := boxed("User_", 9), boxed("Page_", 99)
	return &generator{schema: s, fill: func(v *record.Struct, r *rng, seq int64, _ []byte) {
		v.PutAt(0, int64(baseMillis+seq*10+int64(r.intn(10))))
		v.PutAt(1, pick(r, users))
		v.PutAt(2, pick(r, pages))
	}}
}

// bytesGen: a sequence number, a timestamp and size random bytes, for
// benchmarks where the size of a record matters more than its meaning.
func bytesGen(name string, size int) *generator {
	s := record.NewStructSchema(name).
		Field("seq", record.Int64Schema()).
		Field("ts", record.TimestampSchema()).
		Field("payload", record.BytesSchema()).
		Build()
	return &generator{schema: s, payload: size, fill: func(v *record.Struct, r *rng, seq int64, payload []byte) {
		v.PutAt(0, seq)
		v.PutAt(1, time.UnixMilli(baseMillis+seq).UTC())
		for i := 0; i+8 <= len(payload); i += 8 {
			binary.LittleEndian.PutUint64(payload[i:], r.next())
		}
		if rem := len(payload) % 8; rem > 0 {
			var tail [8]byte
			binary.LittleEndian.PutUint64(tail[:], r.next())
			copy(payload[len(payload)-rem:], tail[:rem])
		}
		v.PutAt(2, payload)
	}}
}
