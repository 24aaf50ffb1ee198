package sdk

import (
	"encoding/json"
	"math"
	"testing"
)

func TestOffsetInt64(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{int64(42), 42, true},
		{int(7), 7, true},
		{int32(-3), -3, true},
		{float64(1234), 1234, true},
		{json.Number("99"), 99, true},
		{1.5, 0, false},
		{math.Inf(1), 0, false},
		{json.Number("1.5"), 0, false},
		{"12", 0, false},
		{nil, 0, false},
	} {
		got, err := OffsetInt64(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("OffsetInt64(%#v) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
