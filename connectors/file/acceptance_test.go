package file_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/connectors/file"
	"github.com/sluicehq/sluice/plugins/sdk/sdktest"
	"github.com/sluicehq/sluice/record"
)

func TestSourceAcceptance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	var b strings.Builder
	const lines = 1000
	for i := range lines {
		end := "\n"
		if i%3 == 0 {
			end = "\r\n"
		}
		fmt.Fprintf(&b, "line %d%s", i, end)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{"file": path, "topic": "lines", "batch.size": "64"}
	t.Run("committed part-way", func(t *testing.T) {
		sdktest.RunSource(t, file.NewSource(), cfg, sdktest.SourceOptions{Want: lines, CommitAt: 333, Replayable: true})
	})
	t.Run("nothing committed", func(t *testing.T) {
		sdktest.RunSource(t, file.NewSource(), cfg, sdktest.SourceOptions{Want: lines, CommitAt: -1, Replayable: true})
	})
}

func TestSinkAcceptance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	var recs []record.Record
	for i := range 40 {
		r := record.Record{Topic: "t", Partition: int32(i % 3), ValueSchema: record.StringSchema(), Value: fmt.Sprintf("value %d", i)}
		if i%5 == 0 {
			r.ValueSchema, r.Value = record.BytesSchema(), []byte(fmt.Sprintf("bytes %d", i))
		}
		recs = append(recs, r)
	}
	sdktest.RunSink(t, file.NewSink(), map[string]string{"file": path, "topics": "t"}, sdktest.SinkOptions{
		Records: recs,
		Errant:  []record.Record{{Topic: "t", Partition: 1, Value: struct{ NotAValue int }{1}}},
		ReadBack: func(context.Context) ([]record.Record, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			var out []record.Record
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				out = append(out, record.Record{Value: sc.Text()})
			}
			return out, sc.Err()
		},
		BatchSize: 7,
	})
}
