package file

import (
	"math"
	"testing"
	"time"

	"github.com/sluicehq/sluice/record"
)

func TestAppendLine(t *testing.T) {
	addr := record.NewStructSchema("address").
		Field("city", record.StringSchema()).
		Field("zip", record.OptionalInt32Schema()).
		Build()
	user := record.NewStructSchema("user").
		Field("id", record.Int64Schema()).
		Field("name", record.StringSchema()).
		Field("balance", record.DecimalSchema(2)).
		Field("born", record.DateSchema()).
		Field("photo", record.BytesSchema()).
		Field("address", addr).
		Field("tags", record.ArraySchema(record.StringSchema())).
		Build()
	s := record.NewStruct(user).
		Put("id", int64(7)).
		Put("name", `Zoë "Z" <z@x>`).
		Put("balance", record.NewDecimal(-1234, 2)).
		Put("born", record.DateFromDays(1)).
		Put("photo", []byte{0xff, 0x00}).
		Put("address", record.NewStruct(addr).Put("city", "Oslo")).
		Put("tags", []any{"a", "b"})

	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"string as is", "plain \"text\"", `plain "text"`},
		{"bytes raw", []byte("raw\tbytes"), "raw\tbytes"},
		{"null", nil, "null"},
		{"int", int32(-5), "-5"},
		{"bool", true, "true"},
		{"float", 1.5, "1.5"},
		{"NaN", math.NaN(), `"NaN"`},
		{"inf", float32(math.Inf(-1)), `"-Infinity"`},
		{"struct", s, `{"id":7,"name":"Zoë \"Z\" <z@x>","balance":-12.34,"born":"1970-01-02T00:00:00Z","photo":"/wA=","address":{"city":"Oslo","zip":null},"tags":["a","b"]}`},
		{"schemaless map sorted", map[string]any{"b": int64(1), "a": []any{nil, false, "\x01\n"}}, `{"a":[null,false,"\u0001\n"],"b":1}`},
		{"map with other keys", map[any]any{int32(2): "two", "one": int64(1)}, `{"2":"two","one":1}`},
		{"timestamp", time.UnixMilli(1500).UTC(), `"1970-01-01T00:00:01.5Z"`},
		{"invalid utf8 in nested string", []any{"a\xffb"}, `["a\ufffdb"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendLine(nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestAppendLineUnsupported(t *testing.T) {
	for _, v := range []any{struct{}{}, []any{make(chan int)}, map[string]any{"f": complex(1, 2)}, record.Decimal{}} {
		if _, err := appendLine(nil, v); err == nil {
			t.Errorf("appendLine(%#v) succeeded, want an error", v)
		}
	}
}
