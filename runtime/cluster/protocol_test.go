package cluster

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestProtocolRoundTrip(t *testing.T) {
	m := Member{ID: "w1", URL: "http://127.0.0.1:8083", ConfigOffset: 42, Owned: asg("c:a,b t:a-0,a-3,b-1")}
	got, err := DecodeMetadata("w1", EncodeMetadata(m))
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("metadata: got %+v, %v; want %+v", got, err, m)
	}
	a := WireAssignment{Error: AssignConfigMismatch, Leader: "w1", LeaderURL: "http://x", ConfigOffset: -1,
		Assigned: asg("c:z t:z-0"), Revoked: asg("t:a-2"), Delay: 1500 * time.Millisecond}
	ga, err := DecodeAssignment(EncodeAssignment(a))
	if err != nil || !reflect.DeepEqual(ga, a) {
		t.Fatalf("assignment: got %+v, %v; want %+v", ga, err, a)
	}
	enc := EncodeAssignment(a)
	for i := range enc {
		if _, err := DecodeAssignment(enc[:i]); !errors.Is(err, ErrBadProtocol) {
			t.Fatalf("truncated to %d: err %v", i, err)
		}
	}
	bad := append([]byte{9}, enc[1:]...)
	if _, err := DecodeAssignment(bad); !errors.Is(err, ErrBadProtocol) {
		t.Fatalf("version 9: err %v", err)
	}
}

// FuzzDecodeAssignment: decoding never panics, and what decodes re-encodes
// to bytes that decode to the same value.
func FuzzDecodeAssignment(f *testing.F) {
	f.Add(EncodeAssignment(WireAssignment{Leader: "l", Assigned: asg("c:a t:a-0,a-1")}))
	f.Add(EncodeMetadata(Member{URL: "u", Owned: asg("t:b-2")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAssignment(data)
		if err == nil {
			b, err := DecodeAssignment(EncodeAssignment(a))
			if err != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("re-decode: %+v vs %+v (%v)", a, b, err)
			}
		}
		if m, err := DecodeMetadata("x", data); err == nil {
			if n, err := DecodeMetadata("x", EncodeMetadata(m)); err != nil || !reflect.DeepEqual(m, n) {
				t.Fatalf("metadata re-decode: %+v vs %+v (%v)", m, n, err)
			}
		}
	})
}

func TestAssignResultEncode(t *testing.T) {
	res := Assign(AssignInput{Members: []Member{{ID: "a"}, {ID: "b"}}, Tasks: map[string]int{"x": 2}, Now: t0})
	enc := res.Encode("a", "http://a", 7)
	if len(enc) != 2 {
		t.Fatalf("encoded %d members", len(enc))
	}
	got, err := DecodeAssignment(enc["b"])
	if err != nil || got.Leader != "a" || got.ConfigOffset != 7 || !reflect.DeepEqual(got.Assigned, res.Members["b"].Assigned) {
		t.Fatalf("b: %+v, %v", got, err)
	}
}
