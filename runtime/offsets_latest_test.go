package runtime

import (
	"encoding/json"
	"testing"

	"github.com/sluicehq/sluice/record"
)

func TestLatestOffsets(t *testing.T) {
	shared := map[string]any{"task": int64(0)}
	rec := func(part map[string]any, off int64) record.Record {
		return record.Record{SourcePartition: part, SourceOffset: map[string]any{"seq": off}}
	}
	tests := []struct {
		name string
		recs []record.Record
		want string // JSON of the result
	}{
		{"none", nil, `null`},
		{"shared map", []record.Record{rec(shared, 1), rec(shared, 2), rec(shared, 3)},
			`[{"Partition":{"task":0},"Offset":{"seq":3}}]`},
		{"equal maps", []record.Record{rec(map[string]any{"task": int64(0)}, 1), rec(map[string]any{"task": int64(0)}, 2)},
			`[{"Partition":{"task":0},"Offset":{"seq":2}}]`},
		{"same JSON, other Go types", []record.Record{rec(map[string]any{"task": int64(1)}, 1), rec(map[string]any{"task": float64(1)}, 2)},
			`[{"Partition":{"task":1},"Offset":{"seq":2}}]`},
		{"interleaved partitions", []record.Record{
			rec(map[string]any{"f": "a"}, 1), rec(map[string]any{"f": "b"}, 10),
			rec(map[string]any{"f": "a"}, 2), rec(map[string]any{"f": "b"}, 11), rec(map[string]any{"f": "b"}, 12)},
			`[{"Partition":{"f":"a"},"Offset":{"seq":2}},{"Partition":{"f":"b"},"Offset":{"seq":12}}]`},
		{"no partition", []record.Record{{Value: "x"}}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := latestOffsets(tt.recs)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
		})
	}
}
