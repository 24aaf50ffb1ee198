package runtime

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/sluicehq/sluice/record"
)

// lazyBatch is recs as the plugin host hands them to the runner: through
// the batch format, with source offsets decoded lazily.
func lazyBatch(t *testing.T, recs []record.Record) []record.Record {
	t.Helper()
	b, err := record.EncodeBatch(nil, recs)
	if err != nil {
		t.Fatal(err)
	}
	out, err := record.DecodeBatchOwned(b, record.LazySourceOffsets)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLatestOffsetsLazy(t *testing.T) {
	rec := func(f string, off int64) record.Record {
		return record.Record{Topic: "t", SourcePartition: map[string]any{"f": f}, SourceOffset: map[string]any{"seq": off}}
	}
	recs := lazyBatch(t, []record.Record{rec("a", 1), rec("a", 2), rec("b", 10), {Topic: "t"}, rec("b", 11), rec("a", 3), rec("a", 4)})
	got, err := latestOffsets(recs)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if want := `[{"Partition":{"f":"a"},"Offset":{"seq":4}},{"Partition":{"f":"b"},"Offset":{"seq":11}}]`; string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
	// Only the offsets that end a run of a source partition were built.
	for i, built := range []bool{false, true, false, false, true, false, true} {
		if (recs[i].SourceOffset != nil) != built {
			t.Errorf("record %d: SourceOffset %v, want built %v", i, recs[i].SourceOffset, built)
		}
	}

	ec := sourceErrorContext(&recs[2], errors.New("boom"))
	if b, _ := json.Marshal(ec.SourceOffset); string(b) != `{"seq":10}` {
		t.Errorf("error context source offset %s, want {\"seq\":10}", b)
	}
}
