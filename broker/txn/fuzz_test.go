package txn

import (
	"reflect"
	"testing"
)

// FuzzDecodeRecord checks that decoding any record never panics, and that a
// decoded metadata re-encodes to a record that decodes to the same metadata.
func FuzzDecodeRecord(f *testing.F) {
	m := meta{producerID: 1, epoch: 2, timeoutMillis: 3, state: stateOngoing,
		partitions: map[tp]struct{}{{"t", 0}: {}}, startMillis: 4, updatedMillis: 5}
	r := m.record("tx")
	f.Add(r.Key, r.Value)
	f.Add(r.Key, []byte(nil))
	f.Add([]byte{0, 1}, []byte{0})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		id, got, err := decodeRecord(Record{Key: key, Value: value})
		if err != nil || got == nil {
			return
		}
		id2, again, err := decodeRecord(got.record(id))
		if err != nil || id2 != id || !reflect.DeepEqual(*again, *got) {
			t.Fatalf("round trip of %q %+v: %q %+v %v", id, got, id2, again, err)
		}
	})
}
