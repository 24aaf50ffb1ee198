package group

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestDecodeKafkaRecords decodes records as older and newer Kafka versions
// wrote them.
func TestDecodeKafkaRecords(t *testing.T) {
	k0 := kmsg.NewOffsetCommitKey() // key v0, value v1 (with expire timestamp)
	k0.Group, k0.Topic, k0.Partition = "g", "t", 2
	v1 := kmsg.NewOffsetCommitValue()
	v1.Version, v1.Offset, v1.Metadata, v1.CommitTimestamp, v1.ExpireTimestamp = 1, 9, "meta", 1000, 2000
	v4 := kmsg.NewOffsetCommitValue() // flexible
	v4.Version, v4.Offset, v4.LeaderEpoch = 4, 11, 5
	gk := kmsg.NewGroupMetadataKey()
	gk.Version, gk.Group = 2, "g"
	gv := kmsg.NewGroupMetadataValue()
	gv.Version, gv.ProtocolType, gv.Generation = 0, "consumer", 4
	for _, tc := range []struct {
		name   string
		rec    Record
		offset int64 // -2: not an offset record
		gen    int32
	}{
		{"offset key v0 value v1", Record{Key: k0.AppendTo(nil), Value: v1.AppendTo(nil), ProducerID: -1}, 9, 0},
		{"offset value v4", Record{Key: k0.AppendTo(nil), Value: v4.AppendTo(nil), ProducerID: -1}, 11, 0},
		{"group metadata v0", Record{Key: gk.AppendTo(nil), Value: gv.AppendTo(nil), ProducerID: -1}, -2, 4},
		{"unknown key version", Record{Key: []byte{0, 9, 1}, Value: []byte{1}, ProducerID: -1}, -2, 0},
	} {
		d, err := decodeRecord(tc.rec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		switch {
		case tc.offset != -2 && (d.offset == nil || d.offset.Offset != tc.offset):
			t.Errorf("%s: decoded %+v", tc.name, d)
		case tc.gen != 0 && (d.meta == nil || d.meta.Generation != tc.gen):
			t.Errorf("%s: decoded %+v", tc.name, d)
		}
	}
}

// FuzzDecodeRecord checks that decoding arbitrary bytes never panics and
// that an offset record we encode decodes to what was encoded.
func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte{0, 1}, []byte{0, 3}, "g", "t", int32(0), int64(0))
	f.Add([]byte{0, 2, 0, 1, 'g'}, []byte(nil), "", "topic", int32(-1), int64(-1))
	f.Fuzz(func(t *testing.T, key, value []byte, group, topic string, p int32, off int64) {
		_, _ = decodeRecord(Record{Key: key, Value: value})
		r := offsetRecord(group, topic, p, offset{offset: off, leaderEpoch: -1, metadata: topic, committed: time.UnixMilli(42)})
		d, err := decodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if d.group != group || d.topic != topic || d.partition != p || d.offset.Offset != off || d.offset.Metadata != topic || d.offset.CommitTimestamp != 42 {
			t.Fatalf("round trip: %+v", d)
		}
	})
}
