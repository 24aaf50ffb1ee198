package meta

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzApply checks that applying any decodable sequence of commands never
// panics, keeps the id index consistent with the topics, survives a
// snapshot round trip unchanged, and that producer ids never go backwards.
func FuzzApply(f *testing.F) {
	seeds := []command{
		{Op: opInitCluster, ClusterID: "abc"},
		{Op: opRegisterBroker, Broker: &Broker{NodeID: 1, Host: "h", Port: 1}},
		{Op: opCreateTopic, Topic: &Topic{Name: "t", ID: [16]byte{1}, Partitions: []Partition{{ID: 0, Replicas: []int32{1}}}}},
		{Op: opCreatePartitions, Name: "t", From: 1, New: []Partition{{ID: 1}}},
		{Op: opSetTopicConfigs, Name: "t", Set: map[string]string{"a": "b"}, Del: []string{"c"}},
		{Op: opDeleteTopic, Name: "t"},
		{Op: opAllocProducerIDs, N: 10},
		{Op: opSetBrokerConfigs, Set: map[string]string{"x": "y"}},
	}
	for _, c := range seeds {
		b, _ := json.Marshal(c)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st := newState()
		for _, line := range bytes.Split(data, []byte("\n")) {
			c, err := decodeCommand(line)
			if err != nil {
				continue
			}
			before := st.NextProducerID
			st.apply(c)
			if st.NextProducerID < before {
				t.Fatalf("producer ids went back from %d to %d", before, st.NextProducerID)
			}
			if len(st.byID) != len(st.Topics) {
				t.Fatalf("index has %d ids for %d topics", len(st.byID), len(st.Topics))
			}
			for id, name := range st.byID {
				if st.Topics[name].ID != id {
					t.Fatalf("index maps %x to %q whose id is %x", id, name, st.Topics[name].ID)
				}
			}
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(snapshotDoc{Version: snapshotVersion, State: st}); err != nil {
			t.Fatal(err)
		}
		back, err := readSnapshot(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if evs := diff(st, back); len(evs) != 0 {
			t.Fatalf("snapshot round trip changed the state: %+v", evs)
		}
	})
}
