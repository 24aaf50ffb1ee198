package record

import (
	"bytes"
	"testing"
	"time"
)

// TestBoxedValues: values boxed from slabs are indistinguishable from
// values the runtime boxed: same dynamic type, equal, usable in type
// switches and as map keys, and unchanged by later boxing into the slab.
func TestBoxedValues(t *testing.T) {
	var d decoder
	d.src = make([]byte, 1000) // remaining bounds the slab size
	now := time.UnixMilli(1767225600123).UTC()
	var got, want []any
	for i := range 3 * slabLen {
		n := int64(i) * 1000
		got = append(got, d.boxInt32(int32(n)), d.boxInt64(n), d.boxFloat64(float64(n)+0.5),
			d.boxString("s"+time.Duration(n).String()), d.boxBytes([]byte{byte(i), 1}), d.boxTime(now.Add(time.Duration(n))))
		want = append(want, int32(n), n, float64(n)+0.5,
			"s"+time.Duration(n).String(), []byte{byte(i), 1}, now.Add(time.Duration(n)))
	}
	keys := map[any]int{}
	for i := range got {
		if b, ok := got[i].([]byte); ok {
			if !bytes.Equal(b, want[i].([]byte)) {
				t.Fatalf("value %d: %v, want %v", i, got[i], want[i])
			}
			continue
		}
		if got[i] != want[i] {
			t.Fatalf("value %d: %#v, want %#v", i, got[i], want[i])
		}
		keys[got[i]] = i
	}
	for i := range want {
		if _, ok := want[i].([]byte); ok {
			continue
		}
		if j, ok := keys[want[i]]; !ok || j != i {
			t.Fatalf("value %d as a map key: found at %d (%v)", i, j, ok)
		}
	}
	switch v := got[len(got)-1].(type) {
	case time.Time:
		if !v.Equal(want[len(want)-1].(time.Time)) {
			t.Fatalf("time %v", v)
		}
	default:
		t.Fatalf("type switch: %T", v)
	}
}

// TestBoxes: the exported Boxes give the values any(v) gives, and reuse
// their slabs rather than allocating per value.
func TestBoxes(t *testing.T) {
	var b Boxes
	var got []any
	for i := range 3 * slabLen {
		got = append(got, b.Int64(int64(i)*1000), b.String("v"+time.Duration(i).String()))
	}
	for i := range 3 * slabLen {
		if got[2*i] != any(int64(i)*1000) || got[2*i+1] != any("v"+time.Duration(i).String()) {
			t.Fatalf("value %d: %#v %#v", i, got[2*i], got[2*i+1])
		}
	}
	s := "x" + time.Now().String()
	if n := testing.AllocsPerRun(1000, func() { _, _ = b.Int64(1<<40), b.String(s) }); n > 0.1 {
		t.Fatalf("%.2f allocations per Int64+String, want ~2/%d", n, slabLen)
	}
}
