package convert

// Java's ways: how a java.util.HashMap orders keys, and how Double, Float
// and BigDecimal print, which Kafka's converters inherit.

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// sortJavaHashMapOrder sorts map keys into the order a java.util.HashMap of
// default capacity (16, load factor 0.75, doubling) holding them iterates:
// by bucket, hash(key) spread as HashMap.hash does, masked by the table
// size. Keys in one bucket, whose Java order is their insertion order, are
// ordered by their text so the output is deterministic.
func sortJavaHashMapOrder(keys []any) {
	if len(keys) < 2 {
		return
	}
	capacity := 16
	for len(keys) > capacity*3/4 {
		capacity *= 2
	}
	mask := uint32(capacity - 1)
	type entry struct {
		bucket uint32
		text   string
		key    any
	}
	es := make([]entry, len(keys))
	for i, k := range keys {
		h := uint32(javaHashCode(k))
		es[i] = entry{bucket: (h ^ h>>16) & mask, text: fmt.Sprint(k), key: k}
	}
	slices.SortFunc(es, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.bucket, b.bucket), cmp.Compare(a.text, b.text))
	})
	for i := range es {
		keys[i] = es[i].key
	}
}

// javaHashCode is hashCode() of the Java object Kafka Connect would hold
// for v: String, Byte, Short, Integer, Long, Float, Double, Boolean.
func javaHashCode(v any) int32 {
	switch x := v.(type) {
	case string:
		var h int32
		for _, r := range x {
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				h = 31*h + int32(r1)
				h = 31*h + int32(r2)
				continue
			}
			h = 31*h + int32(r)
		}
		return h
	case int8:
		return int32(x)
	case int16:
		return int32(x)
	case int32:
		return x
	case int64:
		return int32(x ^ int64(uint64(x)>>32))
	case int:
		return javaHashCode(int64(x))
	case bool:
		if x {
			return 1231
		}
		return 1237
	case float32:
		if x != x {
			return 0x7fc00000
		}
		return int32(math.Float32bits(x))
	case float64:
		b := math.Float64bits(x)
		if x != x {
			b = 0x7ff8000000000000
		}
		return int32(b ^ b>>32)
	}
	return 0
}

// appendJavaDouble formats f as Java's Double.toString (bits 64) or
// Float.toString (bits 32): plain notation with at least one fractional
// digit for 1e-3 <= |f| < 1e7, else d.dddE[-]n.
func appendJavaDouble(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	// Java picks the shortest digits that round-trip, but never just one:
	// with one, it takes the closest two-digit decimal (4.9E-324, not 5E-324).
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits) // [-]d[.ddd]e±dd
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	i := bytes.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	digits := string(e[:1]) + string(bytes.TrimPrefix(e[1:i], []byte{'.'}))
	if len(digits) == 1 {
		e2 := strconv.AppendFloat(tmp[:0], math.Abs(f), 'e', 1, bits) // d.de±dd
		exp, _ = strconv.Atoi(string(e2[4:]))
		digits = strings.TrimRight(string(e2[0:1])+string(e2[2:3]), "0")
		if digits == "" {
			digits = "0"
		}
	}
	if abs := math.Abs(f); abs >= 1e-3 && abs < 1e7 {
		switch {
		case exp < 0:
			dst = append(dst, "0."...)
			dst = append(dst, strings.Repeat("0", -exp-1)...)
			return append(dst, digits...)
		case len(digits) > exp+1:
			dst = append(dst, digits[:exp+1]...)
			dst = append(dst, '.')
			return append(dst, digits[exp+1:]...)
		default:
			dst = append(dst, digits...)
			dst = append(dst, strings.Repeat("0", exp+1-len(digits))...)
			return append(dst, ".0"...)
		}
	}
	dst = append(dst, digits[0], '.')
	if len(digits) > 1 {
		dst = append(dst, digits[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}

// appendJavaBigDecimal formats unscaled × 10^-scale as Java's
// BigDecimal.toString (what Jackson writes for a NUMERIC decimal).
func appendJavaBigDecimal(dst []byte, unscaled *big.Int, scale int32) []byte {
	digits := new(big.Int).Abs(unscaled).String()
	if unscaled.Sign() < 0 {
		dst = append(dst, '-')
	}
	adjusted := -int64(scale) + int64(len(digits)-1)
	if scale >= 0 && adjusted >= -6 {
		switch {
		case scale == 0:
			return append(dst, digits...)
		case int64(len(digits)) > int64(scale):
			p := len(digits) - int(scale)
			dst = append(dst, digits[:p]...)
			dst = append(dst, '.')
			return append(dst, digits[p:]...)
		default:
			dst = append(dst, "0."...)
			for range int(scale) - len(digits) {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		}
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'E')
	if adjusted > 0 {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, adjusted, 10)
}
