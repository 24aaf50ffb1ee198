package proto

import (
	"reflect"
	"testing"
)

func TestMapRoundTrip(t *testing.T) {
	for _, m := range []map[string]any{
		nil,
		{},
		{"lsn": int64(1<<62 + 1), "ratio": 0.5, "file": "/x", "done": true, "none": nil},
		{"gtid": []any{"a", int64(3)}, "nested": map[string]any{"pos": int64(-7)}},
	} {
		b, err := EncodeMap(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeMap(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip of %v = %v", m, got)
		}
	}
	if _, err := DecodeMap([]byte("{")); err == nil {
		t.Error("decoded a malformed map")
	}
}
