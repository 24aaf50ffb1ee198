package transforms

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/record"
)

// castValue converts v (of schema in, nil for schemaless) to target,
// following Kafka's Cast: numbers narrow as Java's Number.xxxValue() does,
// booleans are 1/0 and "any non-zero", strings are parsed as Java's
// parseXxx, logical types are first encoded (days, ms) unless cast to
// string, which formats them as ISO 8601, bytes become base64 strings.
func castValue(in *record.Schema, v any, target record.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	if err := checkCastInput(in, v); err != nil {
		return nil, err
	}
	if lg := record.LogicalOf(in); lg != record.NotLogical {
		if target == record.String {
			switch x := v.(type) {
			case record.Decimal:
				return x.String(), nil
			case time.Time:
				return isoFormat(x), nil
			}
		}
		if lg != record.LogicalDecimal {
			enc, err := record.FromLogical(in, v)
			if err != nil {
				return nil, err
			}
			v = enc
		}
	}
	switch target {
	case record.Int8:
		n, err := javaInt(v, 32)
		return int8(n), err
	case record.Int16:
		n, err := javaInt(v, 32)
		return int16(n), err
	case record.Int32:
		n, err := javaInt(v, 32)
		return int32(n), err
	case record.Int64:
		return javaInt(v, 64)
	case record.Float32:
		f, err := javaFloat(v, 32)
		return float32(f), err
	case record.Float64:
		return javaFloat(v, 64)
	case record.Boolean:
		if s, ok := v.(string); ok {
			return strings.EqualFold(s, "true"), nil
		}
		if b, ok := v.(bool); ok {
			return b, nil
		}
		n, err := javaInt(v, 64)
		return n != 0, err
	case record.String:
		return javaString(v)
	}
	return nil, fmt.Errorf("cast transformation does not support casting to %s", target)
}

func checkCastInput(in *record.Schema, v any) error {
	if in != nil {
		if !in.Type.IsPrimitive() {
			return fmt.Errorf("cast transformation does not support casting to/from %s", in.Type)
		}
		return nil
	}
	switch v.(type) {
	case int8, int16, int32, int64, int, float32, float64, bool, string, []byte:
		return nil
	}
	return fmt.Errorf("cast transformation was passed a value of type %s which is not supported", typeName(v))
}

// javaInt returns v narrowed to bits (32: Number.intValue, 64: longValue).
func javaInt(v any, bits int) (int64, error) {
	wrap := func(n int64) int64 {
		if bits == 32 {
			return int64(int32(n))
		}
		return n
	}
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return wrap(x), nil
	case int:
		return wrap(int64(x)), nil
	case float32:
		return saturate(float64(x), bits), nil
	case float64:
		return saturate(x, bits), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case record.Decimal:
		if x.Unscaled == nil {
			return 0, fmt.Errorf("decimal with no value")
		}
		q := new(big.Int).Set(x.Unscaled)
		if x.Scale > 0 {
			q.Quo(q, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale)), nil))
		} else if x.Scale < 0 {
			q.Mul(q, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-x.Scale)), nil))
		}
		low := new(big.Int).And(q, new(big.Int).SetUint64(math.MaxUint64))
		return wrap(int64(low.Uint64())), nil
	case string:
		n, err := strconv.ParseInt(x, 10, bits)
		if err != nil {
			return 0, fmt.Errorf("cannot cast %q to an integer: %v", x, err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("unexpected type in Cast transformation: %s", typeName(v))
}

// saturate is Java's (int)/(long) conversion of a double.
func saturate(f float64, bits int) int64 {
	lo, hi := float64(math.MinInt64), float64(math.MaxInt64)
	if bits == 32 {
		lo, hi = math.MinInt32, math.MaxInt32
	}
	switch {
	case math.IsNaN(f):
		return 0
	case f <= lo:
		return int64(lo)
	case f >= hi:
		if bits == 32 {
			return math.MaxInt32
		}
		return math.MaxInt64
	}
	return int64(f)
}

func javaFloat(v any, bits int) (float64, error) {
	switch x := v.(type) {
	case int8, int16, int32, int64, int, bool:
		n, _ := javaInt(x, 64)
		return float64(n), nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case record.Decimal:
		return decimalFloat(x)
	case string:
		s := strings.TrimSpace(x)
		s = strings.TrimRight(s, "fFdD")
		if strings.Contains(strings.ToLower(s), "inf") && !strings.Contains(s, "Infinity") {
			return 0, fmt.Errorf("cannot cast %q to a floating point number", x)
		}
		f, err := strconv.ParseFloat(s, bits)
		if err != nil && !isRangeErr(err) {
			return 0, fmt.Errorf("cannot cast %q to a floating point number", x)
		}
		return f, nil
	}
	return 0, fmt.Errorf("unexpected type in Cast transformation: %s", typeName(v))
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func javaString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int8, int16, int32, int64, int:
		return fmt.Sprint(x), nil
	case float32:
		return javaFloatString(float64(x), 32), nil
	case float64:
		return javaFloatString(x, 64), nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), nil
	case record.Decimal:
		return x.String(), nil
	case time.Time:
		return isoFormat(x), nil
	}
	return "", fmt.Errorf("unexpected type in Cast transformation: %s", typeName(v))
}

// javaFloatString formats as Java's Float/Double.toString: at least one
// digit after the point, scientific notation ("1.0E7") outside [1e-3, 1e7).
func javaFloatString(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// isoFormat formats a date/time value as Kafka's Values.dateFormatFor
// does: a time of day before 1970-01-02 as a time, midnight as a date,
// anything else as a timestamp.
func isoFormat(t time.Time) string {
	t = t.UTC()
	ms := t.UnixMilli()
	switch {
	case ms >= 0 && ms < 24*60*60*1000:
		return t.Format("15:04:05.000Z")
	case ms%(24*60*60*1000) == 0:
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// decimalFloat is BigDecimal.doubleValue: the nearest float64. When the
// unscaled value and 10^scale are both exact float64s, one IEEE division
// rounds correctly (strconv's fast path); otherwise the decimal string is
// parsed, which rounds correctly too.
func decimalFloat(d record.Decimal) (float64, error) {
	if d.Unscaled == nil {
		return 0, fmt.Errorf("invalid decimal %s", d)
	}
	if d.Unscaled.IsInt64() && d.Scale >= 0 && int(d.Scale) < len(pow10) {
		if u := d.Unscaled.Int64(); u > -1<<53 && u < 1<<53 {
			return float64(u) / pow10[d.Scale], nil
		}
	}
	f, err := strconv.ParseFloat(d.String(), 64)
	if err != nil && !isRangeErr(err) {
		return 0, fmt.Errorf("invalid decimal %s", d)
	}
	return f, nil
}
