package postgres

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

// TestTypes round-trips every mapped type through both decoders (the
// snapshot's text-format query and pgoutput's stream) and checks the
// field's schema as Debezium names it and the Go value.
func TestTypes(t *testing.T) {
	type tc struct {
		col, typ, literal string
		schema            record.Type
		name              string
		param             [2]string // a schema parameter to check
		want              any
	}
	d := func(unscaled int64, scale int32) record.Decimal { return record.NewDecimal(unscaled, scale) }
	cases := []tc{
		{"c_int2", "int2", "-7", record.Int16, "", [2]string{}, int16(-7)},
		{"c_int4", "int4", "2147483647", record.Int32, "", [2]string{}, int32(2147483647)},
		{"c_int8", "int8", "-9223372036854775808", record.Int64, "", [2]string{}, int64(-9223372036854775808)},
		{"c_num", "numeric(10,3)", "-1234.5", record.Bytes, record.DecimalName, [2]string{"scale", "3"}, d(-1234500, 3)},
		{"c_num_nan", "numeric(10,3)", "'NaN'", record.Bytes, record.DecimalName, [2]string{}, nil},
		{"c_numvar", "numeric", "3.14159", record.StructType, nameVariableDecimal, [2]string{}, "3.14159"},
		{"c_f4", "float4", "1.5", record.Float32, "", [2]string{}, float32(1.5)},
		{"c_f8", "float8", "-2.25e100", record.Float64, "", [2]string{}, -2.25e100},
		{"c_bool", "bool", "true", record.Boolean, "", [2]string{}, true},
		{"c_text", "text", "'héllo, \"world\"'", record.String, "", [2]string{}, `héllo, "world"`},
		{"c_varchar", "varchar(10)", "'abc'", record.String, "", [2]string{}, "abc"},
		{"c_bpchar", "char(4)", "'ab'", record.String, "", [2]string{}, "ab  "},
		{"c_bytea", "bytea", `'\x00ff10'`, record.Bytes, "", [2]string{}, []byte{0, 0xff, 0x10}},
		{"c_uuid", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", record.String, nameUUID, [2]string{}, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"c_json", "json", `'{"a": 1}'`, record.String, nameJSON, [2]string{}, `{"a": 1}`},
		{"c_jsonb", "jsonb", `'{"b": [1, 2]}'`, record.String, nameJSON, [2]string{}, `{"b": [1, 2]}`},
		{"c_date", "date", "'2024-02-29'", record.Int32, nameDate, [2]string{}, int32(19782)},
		{"c_date_bc", "date", "'0044-03-15 BC'", record.Int32, nameDate, [2]string{}, int32(-735160)},
		{"c_time", "time", "'13:14:15.123456'", record.Int64, nameMicroTime, [2]string{}, int64(47655123456)},
		{"c_time3", "time(3)", "'13:14:15.123'", record.Int32, nameTime, [2]string{}, int32(47655123)},
		{"c_timetz", "timetz", "'13:14:15+02'", record.String, nameZonedTime, [2]string{}, "11:14:15Z"},
		{"c_ts", "timestamp", "'2024-01-02 03:04:05.678901'", record.Int64, nameMicroTimestamp, [2]string{}, int64(1704164645678901)},
		{"c_ts3", "timestamp(3)", "'1969-12-31 23:59:59.999'", record.Int64, nameTimestamp, [2]string{}, int64(-1)},
		{"c_tstz", "timestamptz", "'2024-01-02 03:04:05.5+01:30'", record.String, nameZonedTimestamp, [2]string{}, "2024-01-02T01:34:05.5Z"},
		{"c_interval", "interval", "'1 mon 2 days 03:00:00.5'", record.Int64, nameMicroDuration, [2]string{}, int64(2629800000000 + 2*86400000000 + 3*3600000000 + 500000)},
		{"c_int_arr", "int4[]", "'{1,NULL,3}'", record.Array, "", [2]string{}, []any{int32(1), nil, int32(3)}},
		{"c_text_arr", "text[]", `'{"a,b","c\"d",NULL,e}'`, record.Array, "", [2]string{}, []any{"a,b", `c"d`, nil, "e"}},
		{"c_enum", "mood", "'happy'", record.String, nameEnum, [2]string{"allowed", "sad,ok,happy"}, "happy"},
		{"c_domain", "posint", "42", record.Int32, "", [2]string{}, int32(42)},
		{"c_notnull", "int4 NOT NULL", "5", record.Int32, "", [2]string{}, int32(5)},
	}
	db := newTestDB(t)
	db.exec(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`)
	db.exec(`CREATE DOMAIN posint AS int4 CHECK (VALUE > 0)`)
	var cols, vals []string
	for _, c := range cases {
		cols = append(cols, c.col+" "+c.typ)
		vals = append(vals, c.literal)
	}
	db.exec(`CREATE TABLE public.types (id int PRIMARY KEY, ` + strings.Join(cols, ", ") + `)`)
	insert := func(id string) {
		db.exec(`INSERT INTO types VALUES (` + id + `, ` + strings.Join(vals, ", ") + `)`)
	}
	insert("1") // read by the snapshot
	tk := openTask(t, db.config(), nil)
	insert("2") // streamed
	recs := readN(t, tk, 2, 20*time.Second)
	for i, r := range recs {
		op, _, after := envelope(t, r)
		if want := []string{"r", "c"}[i]; op != want {
			t.Fatalf("record %d: op %q, want %q", i, op, want)
		}
		for _, c := range cases {
			f := after.Schema().Field(c.col)
			if f == nil {
				t.Errorf("%s: no field %s", op, c.col)
				continue
			}
			s := f.Schema
			if s.Type != c.schema || s.Name != c.name {
				t.Errorf("%s %s (%s): schema %s %q, want %s %q", op, c.col, c.typ, s.Type, s.Name, c.schema, c.name)
			}
			if c.param[0] != "" && s.Parameters[c.param[0]] != c.param[1] {
				t.Errorf("%s %s: parameter %s=%q, want %q", op, c.col, c.param[0], s.Parameters[c.param[0]], c.param[1])
			}
			if wantOpt := !strings.Contains(c.typ, "NOT NULL"); s.Optional != wantOpt {
				t.Errorf("%s %s: optional %v, want %v", op, c.col, s.Optional, wantOpt)
			}
			got := after.Get(c.col)
			if c.name == nameVariableDecimal {
				st, ok := got.(*record.Struct)
				if !ok {
					t.Errorf("%s %s: %T, want a struct", op, c.col, got)
					continue
				}
				unscaled := new(big.Int).SetBytes(st.Get("value").([]byte))
				got = record.Decimal{Unscaled: unscaled, Scale: st.Get("scale").(int32)}.String()
			}
			if !record.ValuesEqual(got, c.want) {
				t.Errorf("%s %s (%s): %v (%T), want %v (%T)", op, c.col, c.typ, got, got, c.want, c.want)
			}
		}
	}
}

func TestDecodersEdgeCases(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(string) (any, error)
		in   string
		want any
	}{
		{"date epoch", decodeDate, "1970-01-01", int32(0)},
		{"date before epoch", decodeDate, "1969-12-31", int32(-1)},
		{"date infinity", decodeDate, "infinity", int32(2147483647)},
		{"timestamp BC", func(s string) (any, error) { return parseTimestamp(s) }, "0001-01-01 00:00:00 BC", int64(-62167219200000000)},
		{"tstz far future", decodeTimestamptz, "12345-06-07 08:09:10+00", "+12345-06-07T08:09:10Z"},
		{"tstz negative offset", decodeTimestamptz, "2024-01-01 23:30:00-05", "2024-01-02T04:30:00Z"},
		{"timetz wraps", decodeTimetz, "01:00:00+02", "23:00:00Z"},
		{"negative interval", decodeInterval, "-1 days +02:00:00", int64(-86400000000 + 7200000000)},
		{"bounded array", func(s string) (any, error) { return decodeArray(s, func(e string) (any, error) { return e, nil }) }, "[0:1]={x,y}", []any{"x", "y"}},
		{"empty array", func(s string) (any, error) { return decodeArray(s, func(e string) (any, error) { return e, nil }) }, "{}", []any{}},
	} {
		got, err := c.f(c.in)
		if err != nil || !record.ValuesEqual(got, c.want) {
			t.Errorf("%s: %q → %v (%T), %v; want %v", c.name, c.in, got, got, err, c.want)
		}
	}
}
