package record

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestBuilder(t *testing.T) {
	s := NewStructSchema("com.example.User").Version(2).Doc("d").Parameter("p", "v").Optional().
		Field("id", Int64Schema()).Field("name", OptionalStringSchema()).Build()
	if s.Type != StructType || s.Name != "com.example.User" || s.Version != 2 || s.Doc != "d" ||
		!s.Optional || s.Parameters["p"] != "v" || len(s.Fields) != 2 || s.Fields[1].Index != 1 {
		t.Fatalf("bad schema %+v", s)
	}
	if got := s.String(); got != "struct com.example.User<id:int64,name:string?>?" {
		t.Errorf("String() = %q", got)
	}
	for name, b := range map[string]*SchemaBuilder{
		"duplicate field":     NewStructSchema("x").Field("a", Int8Schema()).Field("a", Int8Schema()),
		"field on primitive":  NewSchemaBuilder(Int32).Field("a", Int8Schema()),
		"bad default":         NewSchemaBuilder(Int32).Default("x"),
		"bad type":            NewSchemaBuilder(Type(42)),
		"decimal no scale":    NewSchemaBuilder(Bytes).Name(DecimalName),
		"array without elem":  NewSchemaBuilder(Array),
		"nil field schema":    NewStructSchema("x").Field("a", nil),
		"date default string": BuilderFrom(DateSchema()).Default(int32(1)),
	} {
		if _, err := b.TryBuild(); err == nil {
			t.Errorf("%s: TryBuild succeeded", name)
		}
	}
	opt := BuilderFrom(DecimalSchema(2)).Optional().Build()
	if !opt.Optional || LogicalOf(opt) != LogicalDecimal {
		t.Errorf("BuilderFrom: %+v", opt)
	}
}

func TestStructGetDefault(t *testing.T) {
	s := NewStructSchema("x").Field("a", NewSchemaBuilder(Int32).Default(int32(5)).Build()).Build()
	st := NewStruct(s)
	if st.Get("a") != int32(5) || st.RawAt(0) != nil {
		t.Errorf("Get = %v, RawAt = %v", st.Get("a"), st.RawAt(0))
	}
	if _, ok := st.Lookup("missing"); ok {
		t.Error("Lookup of a missing field")
	}
	if err := st.Validate(); err != nil {
		t.Error(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Put of an unknown field did not panic")
		}
	}()
	st.Put("missing", 1)
}

func TestValidatePaths(t *testing.T) {
	s := userSchema()
	items := ArraySchema(MapSchema(StringSchema(), s))
	tests := []struct {
		schema *Schema
		value  any
		path   string
	}{
		{s, user(1).Put("id", "x"), "id"},
		{s, user(1).Put("id", nil), "id"},
		{s, user(1).Put("address", NewStruct(s.Field("address").Schema)), "address.street"},
		{items, []any{map[any]any{}, map[any]any{"k": user(1).Put("age", int64(1))}}, `[1]["k"].age`},
		{MapSchema(Int32Schema(), Int32Schema()), map[any]any{"bad": int32(1)}, "{key bad}"},
		{nil, map[string]any{"a": struct{}{}}, `["a"]`},
		{DecimalSchema(2), []byte{1}, ""},
	}
	for _, tt := range tests {
		err := Validate(tt.schema, tt.value)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Path != tt.path {
			t.Errorf("Validate(%s) = %v, want path %q", tt.schema, err, tt.path)
		}
	}
}

// Java's BigInteger.toByteArray, the bytes Kafka's Decimal.fromLogical writes.
func TestDecimalBytes(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want []byte
	}{
		{"0", []byte{0}}, {"1", []byte{1}}, {"-1", []byte{0xff}}, {"127", []byte{0x7f}},
		{"128", []byte{0, 0x80}}, {"-128", []byte{0x80}}, {"-129", []byte{0xff, 0x7f}},
		{"255", []byte{0, 0xff}}, {"256", []byte{1, 0}}, {"-256", []byte{0xff, 0}},
		{"-32768", []byte{0x80, 0}}, {"156", []byte{0, 0x9c}},
	} {
		x, _ := new(big.Int).SetString(tt.v, 10)
		got := DecimalBytes(x)
		if !bytes.Equal(got, tt.want) {
			t.Errorf("DecimalBytes(%s) = %x, want %x", tt.v, got, tt.want)
		}
		back, err := DecimalFromBytes(got)
		if err != nil || back.Cmp(x) != 0 {
			t.Errorf("DecimalFromBytes(%x) = %v, %v", got, back, err)
		}
	}
}

func TestDecimalText(t *testing.T) {
	for _, s := range []string{"0", "1.56", "-1.56", "0.001", "-0.5", "123456789012345678901234567890.12"} {
		d, err := ParseDecimal(s)
		if err != nil || d.String() != s {
			t.Errorf("ParseDecimal(%q) = %v, %v", s, d, err)
		}
	}
	if _, err := ParseDecimal("1.2.3"); err == nil {
		t.Error("ParseDecimal accepted 1.2.3")
	}
}

func TestLogicalConversions(t *testing.T) {
	day := time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		schema  *Schema
		logical any
		base    any
	}{
		{DateSchema(), day, int32(18263)},
		{TimeSchema(), time.UnixMilli(14400000).UTC(), int32(14400000)},
		{TimestampSchema(), time.UnixMilli(1577923200123).UTC(), int64(1577923200123)},
		{DecimalSchema(2), NewDecimal(156, 2), []byte{0, 0x9c}},
	} {
		base, err := FromLogical(tt.schema, tt.logical)
		if err != nil || !ValuesEqual(base, tt.base) {
			t.Errorf("FromLogical(%s, %v) = %v, %v; want %v", tt.schema, tt.logical, base, err, tt.base)
		}
		back, err := ToLogical(tt.schema, tt.base)
		if err != nil || !ValuesEqual(back, tt.logical) {
			t.Errorf("ToLogical(%s, %v) = %v, %v", tt.schema, tt.base, back, err)
		}
	}
	if _, err := FromLogical(DateSchema(), day.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "time of day") {
		t.Errorf("Date with a time: %v", err)
	}
	if _, err := FromLogical(TimeSchema(), day); err == nil {
		t.Error("Time with a date accepted")
	}
}
