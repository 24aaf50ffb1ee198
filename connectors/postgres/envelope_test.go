package postgres

import (
	"testing"

	"github.com/sluicehq/sluice/record"
)

// TestFieldIndexes: the index constants name the fields they index.
func TestFieldIndexes(t *testing.T) {
	check := func(s *record.Schema, want map[int]string) {
		t.Helper()
		for i, name := range want {
			if got := s.Fields[i].Name; got != name {
				t.Errorf("%s field %d is %q, the constant says %q", s.Name, i, got, name)
			}
		}
	}
	check(sourceSchema, map[int]string{srcVersion: "version", srcConnector: "connector", srcName: "name", srcTsMs: "ts_ms",
		srcSnapshot: "snapshot", srcDB: "db", srcSequence: "sequence", srcTsUs: "ts_us", srcTsNs: "ts_ns",
		srcSchema: "schema", srcTable: "table", srcTxID: "txId", srcLSN: "lsn"})
	check(envelopeSchema("p.s.t", record.NewStructSchema("p.s.t.Value").Optional().Build()), map[int]string{
		envBefore: "before", envAfter: "after", envSource: "source", envOp: "op", envTsMs: "ts_ms", envTsUs: "ts_us", envTsNs: "ts_ns"})
}

// TestSourceBlock: the block built with a boxer equals the one built
// without, field by field, over a run of events that share some values.
func TestSourceBlock(t *testing.T) {
	e := newEmitter(&config{prefix: "pfx", dbname: "db1"}, func() int64 { return 1_767_225_600_123_456 })
	var b boxer
	for i, src := range []source{
		{tsUs: 1_767_225_600_000_001, snapshot: "false", schema: "public", table: "a", txID: 1000, lsn: 1 << 30, lastCommit: 99},
		{tsUs: 1_767_225_600_000_001, snapshot: "false", schema: "public", table: "a", txID: 1000, lsn: 1<<30 + 8, lastCommit: 99},
		{tsUs: 1_767_225_600_000_001, snapshot: "false", schema: "public", table: "b", txID: 1000, lsn: 1<<30 + 16, lastCommit: 99},
		{tsUs: 1_767_225_700_000_002, snapshot: "true", schema: "other", table: "b", lsn: 5},
		{tsUs: 1_767_225_700_000_002, snapshot: "incremental", schema: "other", table: "b"},
	} {
		plain := e.sourceStruct(src)
		src.box = &b
		boxed := e.sourceStruct(src)
		if !plain.Equal(boxed) {
			t.Fatalf("event %d: boxed %v, plain %v", i, boxed, plain)
		}
		if err := boxed.Validate(); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if src.lsn != 0 {
			if got := boxed.Get("sequence"); got == nil {
				t.Fatalf("event %d: no sequence", i)
			}
		}
	}
	if got := e.sourceStruct(source{tsUs: 1000, snapshot: "false", schema: "s", table: "t", txID: 7, lsn: 42, lastCommit: 41, box: &b}).Get("sequence"); got != `["41","42"]` {
		t.Fatalf("sequence %v", got)
	}
}
