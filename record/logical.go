package record

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
)

// Kafka Connect's logical type names and the Decimal scale parameter.
const (
	DecimalName      = "org.apache.kafka.connect.data.Decimal"
	DateName         = "org.apache.kafka.connect.data.Date"
	TimeName         = "org.apache.kafka.connect.data.Time"
	TimestampName    = "org.apache.kafka.connect.data.Timestamp"
	DecimalScaleProp = "scale"
)

// Logical identifies a logical type: a Name on a particular base Type.
type Logical int8

// The logical types. A schema is logical only when both its Name and its
// Type match (a Decimal is Bytes, a Date or Time is Int32, a Timestamp is
// Int64); otherwise its Name is just a name.
const (
	NotLogical Logical = iota
	LogicalDecimal
	LogicalDate
	LogicalTime
	LogicalTimestamp
)

// LogicalOf returns the logical type of s (NotLogical for nil).
func LogicalOf(s *Schema) Logical {
	if s == nil || s.Name == "" {
		return NotLogical
	}
	switch {
	case s.Type == Bytes && s.Name == DecimalName:
		return LogicalDecimal
	case s.Type == Int32 && s.Name == DateName:
		return LogicalDate
	case s.Type == Int32 && s.Name == TimeName:
		return LogicalTime
	case s.Type == Int64 && s.Name == TimestampName:
		return LogicalTimestamp
	}
	return NotLogical
}

// Decimal is the Go value of a Decimal schema: Unscaled × 10^-Scale.
type Decimal struct {
	Unscaled *big.Int
	Scale    int32
}

// NewDecimal returns unscaled × 10^-scale.
func NewDecimal(unscaled int64, scale int32) Decimal {
	return Decimal{Unscaled: big.NewInt(unscaled), Scale: scale}
}

// ParseDecimal parses a plain decimal string ("-12.345"); its scale is the
// number of digits after the point.
func ParseDecimal(s string) (Decimal, error) {
	digits, scale := s, int32(0)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			digits = s[:i] + s[i+1:]
			scale = int32(len(s) - i - 1)
			break
		}
	}
	u, ok := new(big.Int).SetString(digits, 10)
	if !ok || digits == "" || digits == "-" || digits == "+" {
		return Decimal{}, fmt.Errorf("record: invalid decimal %q", s)
	}
	return Decimal{Unscaled: u, Scale: scale}, nil
}

// String formats d in plain notation ("-12.345").
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "<nil>"
	}
	s := d.Unscaled.String()
	if d.Scale <= 0 {
		for range -d.Scale {
			if d.Unscaled.Sign() == 0 {
				break
			}
			s += "0"
		}
		return s
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	for len(s) <= int(d.Scale) {
		s = "0" + s
	}
	s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	if neg {
		s = "-" + s
	}
	return s
}

// Equal reports whether d and o have the same unscaled value and scale.
func (d Decimal) Equal(o Decimal) bool {
	if d.Unscaled == nil || o.Unscaled == nil {
		return d.Unscaled == o.Unscaled && d.Scale == o.Scale
	}
	return d.Scale == o.Scale && d.Unscaled.Cmp(o.Unscaled) == 0
}

// DecimalSchema returns a required Decimal schema with the given scale.
func DecimalSchema(scale int) *Schema {
	return &Schema{Type: Bytes, Name: DecimalName, Version: 1,
		Parameters: map[string]string{DecimalScaleProp: strconv.Itoa(scale)}}
}

// OptionalDecimalSchema returns an optional Decimal schema.
func OptionalDecimalSchema(scale int) *Schema {
	s := DecimalSchema(scale)
	s.Optional = true
	return s
}

// DateSchema returns a required Date schema (Int32 days since the epoch).
func DateSchema() *Schema { return &Schema{Type: Int32, Name: DateName, Version: 1} }

// OptionalDateSchema returns an optional Date schema.
func OptionalDateSchema() *Schema { s := DateSchema(); s.Optional = true; return s }

// TimeSchema returns a required Time schema (Int32 milliseconds of the day).
func TimeSchema() *Schema { return &Schema{Type: Int32, Name: TimeName, Version: 1} }

// OptionalTimeSchema returns an optional Time schema.
func OptionalTimeSchema() *Schema { s := TimeSchema(); s.Optional = true; return s }

// TimestampSchema returns a required Timestamp schema (Int64 milliseconds
// since the epoch).
func TimestampSchema() *Schema { return &Schema{Type: Int64, Name: TimestampName, Version: 1} }

// OptionalTimestampSchema returns an optional Timestamp schema.
func OptionalTimestampSchema() *Schema { s := TimestampSchema(); s.Optional = true; return s }

// DecimalScale returns the "scale" parameter of a Decimal schema.
func DecimalScale(s *Schema) (int32, error) {
	v, ok := s.Parameters[DecimalScaleProp]
	if !ok {
		return 0, errors.New("decimal schema has no scale parameter")
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("decimal schema has invalid scale %q", v)
	}
	return int32(n), nil
}

// DecimalBytes returns the big-endian two's-complement bytes of x, the
// minimal form Java's BigInteger.toByteArray writes (0 is one zero byte).
func DecimalBytes(x *big.Int) []byte { return appendTwosComplement(nil, x) }

func appendTwosComplement(dst []byte, x *big.Int) []byte {
	switch x.Sign() {
	case 0:
		return append(dst, 0)
	case 1:
		n := (x.BitLen() + 8) / 8 // room for a sign bit
		start := len(dst)
		dst = append(dst, make([]byte, n)...)
		x.FillBytes(dst[start:])
		return dst
	}
	// Negative: Java's byte length is bitLength(^x)/8 + 1, where ^x = -x-1.
	m := new(big.Int).Not(x)
	n := m.BitLen()/8 + 1
	mod := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
	mod.Add(mod, x)
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	mod.FillBytes(dst[start:])
	return dst
}

// DecimalFromBytes interprets b as a big-endian two's-complement integer
// (Java's new BigInteger(byte[])). Empty b is an error.
func DecimalFromBytes(b []byte) (*big.Int, error) {
	if len(b) == 0 {
		return nil, errors.New("empty decimal bytes")
	}
	x := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x, nil
}

const msPerDay = 24 * 60 * 60 * 1000

// FromLogical converts the Go value of a logical schema to its base value:
// Decimal → []byte (two's complement of the unscaled value, whose scale must
// match the schema's), Date → int32 days, Time → int32 ms of the day,
// Timestamp → int64 ms. It mirrors Kafka Connect's Decimal/Date/Time/Timestamp
// fromLogical, including their checks. Non-logical schemas return v.
func FromLogical(s *Schema, v any) (any, error) {
	switch LogicalOf(s) {
	case LogicalDecimal:
		d, ok := v.(Decimal)
		if !ok || d.Unscaled == nil {
			return nil, fmt.Errorf("decimal: want record.Decimal, got %T", v)
		}
		scale, err := DecimalScale(s)
		if err != nil {
			return nil, err
		}
		if d.Scale != scale {
			return nil, fmt.Errorf("decimal has scale %d, schema has scale %d", d.Scale, scale)
		}
		return DecimalBytes(d.Unscaled), nil
	case LogicalDate:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("date: want time.Time, got %T", v)
		}
		return dateDays(t)
	case LogicalTime:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("time: want time.Time, got %T", v)
		}
		return timeMillis(t)
	case LogicalTimestamp:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("timestamp: want time.Time, got %T", v)
		}
		return t.UnixMilli(), nil
	}
	return v, nil
}

// ToLogical is the inverse of FromLogical: []byte → Decimal, int32 → Date or
// Time (UTC), int64 → Timestamp (UTC). Non-logical schemas return v.
func ToLogical(s *Schema, v any) (any, error) {
	switch LogicalOf(s) {
	case LogicalDecimal:
		b, ok := v.([]byte)
		if !ok {
			return nil, fmt.Errorf("decimal: want []byte, got %T", v)
		}
		scale, err := DecimalScale(s)
		if err != nil {
			return nil, err
		}
		u, err := DecimalFromBytes(b)
		if err != nil {
			return nil, err
		}
		return Decimal{Unscaled: u, Scale: scale}, nil
	case LogicalDate:
		n, ok := v.(int32)
		if !ok {
			return nil, fmt.Errorf("date: want int32, got %T", v)
		}
		return DateFromDays(n), nil
	case LogicalTime:
		n, ok := v.(int32)
		if !ok {
			return nil, fmt.Errorf("time: want int32, got %T", v)
		}
		if n < 0 || n >= msPerDay {
			return nil, fmt.Errorf("time: %d ms is outside a day", n)
		}
		return TimeFromMillis(n), nil
	case LogicalTimestamp:
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("timestamp: want int64, got %T", v)
		}
		return time.UnixMilli(n).UTC(), nil
	}
	return v, nil
}

// DateFromDays returns midnight UTC, days after 1970-01-01.
func DateFromDays(days int32) time.Time { return time.Unix(int64(days)*86400, 0).UTC() }

// TimeFromMillis returns 1970-01-01 UTC plus ms milliseconds.
func TimeFromMillis(ms int32) time.Time { return time.UnixMilli(int64(ms)).UTC() }

// dateDays: Kafka's Date.fromLogical rejects a date with time fields set.
func dateDays(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms%msPerDay != 0 || t.Nanosecond()%1e6 != 0 {
		return 0, fmt.Errorf("date %s has a time of day; a Date must be midnight UTC", t.Format(time.RFC3339Nano))
	}
	days := ms / msPerDay
	if days < math.MinInt32 || days > math.MaxInt32 {
		return 0, fmt.Errorf("date %s out of range", t)
	}
	return int32(days), nil
}

// timeMillis: Kafka's Time.fromLogical rejects a time with a date part.
func timeMillis(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms < 0 || ms >= msPerDay {
		return 0, fmt.Errorf("time %s has a date part; a Time must be on 1970-01-01 UTC", t.Format(time.RFC3339Nano))
	}
	return int32(ms), nil
}
