package transforms

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/record"
)

// parseLiteral infers a schema and value from a string as Kafka's
// Values.parseString does for scalars: booleans, the smallest integer type
// that holds the number, float32 (or float64 beyond float32's range) for
// numbers with a fraction or exponent, ISO dates, times and timestamps as
// the logical types; anything else (including arrays and maps, which Kafka
// would parse) is a string.
func parseLiteral(s string) (*record.Schema, any) {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return record.StringSchema(), s
	case strings.EqualFold(t, "true"):
		return record.BooleanSchema(), true
	case strings.EqualFold(t, "false"):
		return record.BooleanSchema(), false
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		switch {
		case n >= math.MinInt8 && n <= math.MaxInt8:
			return record.Int8Schema(), int8(n)
		case n >= math.MinInt16 && n <= math.MaxInt16:
			return record.Int16Schema(), int16(n)
		case n >= math.MinInt32 && n <= math.MaxInt32:
			return record.Int32Schema(), int32(n)
		}
		return record.Int64Schema(), n
	}
	if isDecimalLiteral(t) {
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			if f32 := float32(f); !math.IsInf(float64(f32), 0) {
				return record.Float32Schema(), f32
			}
			if !math.IsInf(f, 0) {
				return record.Float64Schema(), f
			}
		}
		if d, err := record.ParseDecimal(t); err == nil {
			return record.DecimalSchema(int(d.Scale)), d
		}
	}
	if tm, err := time.Parse("2006-01-02T15:04:05.000Z", t); err == nil {
		return record.TimestampSchema(), tm
	}
	if tm, err := time.Parse("2006-01-02", t); err == nil {
		return record.DateSchema(), tm
	}
	if tm, err := time.Parse("15:04:05.000Z", t); err == nil {
		return record.TimeSchema(), tm.AddDate(1970, 0, 0)
	}
	return record.StringSchema(), s
}

// isDecimalLiteral accepts what Java's BigDecimal(String) does: an optional
// sign, digits with at most one point, an optional exponent.
func isDecimalLiteral(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	digits, point := 0, 0
	for i := 0; i < len(mant); i++ {
		switch {
		case mant[i] >= '0' && mant[i] <= '9':
			digits++
		case mant[i] == '.':
			point++
		default:
			return false
		}
	}
	if digits == 0 || point > 1 {
		return false
	}
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		if _, ok := new(big.Int).SetString(exp, 10); !ok || strings.ContainsAny(exp, "+-") {
			return false
		}
	}
	return true
}
