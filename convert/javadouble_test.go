package convert

import (
	"math"
	"testing"
)

// Expected strings are Java's Double.toString / Float.toString (JDK 19+).
func TestJavaDouble(t *testing.T) {
	for _, tt := range []struct {
		f    float64
		bits int
		want string
	}{
		{0, 64, "0.0"}, {math.Copysign(0, -1), 64, "-0.0"}, {1, 64, "1.0"}, {-2.5, 64, "-2.5"},
		{12.34, 64, "12.34"}, {100, 64, "100.0"}, {1e7, 64, "1.0E7"}, {9999999, 64, "9999999.0"},
		{0.001, 64, "0.001"}, {0.0001, 64, "1.0E-4"}, {1e20, 64, "1.0E20"}, {123456789.125, 64, "1.23456789125E8"},
		{5e-324, 64, "4.9E-324"}, {math.MaxFloat64, 64, "1.7976931348623157E308"}, {0.1, 64, "0.1"},
		{0.3, 64, "0.3"}, {1.0 / 3, 64, "0.3333333333333333"}, {-1.5e-7, 64, "-1.5E-7"},
		{float64(float32(12.34)), 32, "12.34"}, {float64(float32(0.1)), 32, "0.1"}, {float64(float32(1e10)), 32, "1.0E10"},
		{float64(math.SmallestNonzeroFloat32), 32, "1.4E-45"}, {math.NaN(), 64, "NaN"}, {math.Inf(-1), 64, "-Infinity"},
	} {
		if got := string(appendJavaDouble(nil, tt.f, tt.bits)); got != tt.want {
			t.Errorf("appendJavaDouble(%v, %d) = %q, want %q", tt.f, tt.bits, got, tt.want)
		}
	}
}
