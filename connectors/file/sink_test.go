package file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

func TestSinkConfigValidation(t *testing.T) {
	def := sinkConfigDef()
	for _, tc := range []struct {
		name string
		cfg  map[string]string
		bad  string
	}{
		{"valid", map[string]string{"file": "/x", "topics": "a"}, ""},
		{"no file", map[string]string{"topics": "a"}, "file"},
		{"empty file (stdout)", map[string]string{"file": ""}, "file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := def.Validate(tc.cfg)
			if tc.bad == "" && len(p) > 0 || tc.bad != "" && len(p[tc.bad]) == 0 {
				t.Fatalf("problems %v, want a problem with %q", p, tc.bad)
			}
		})
	}
}

type reports []error

func (r *reports) Report(_ record.Record, err error) { *r = append(*r, err) }

func TestSinkWriteFlushReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(path, []byte("before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func() sdk.SinkTask {
		task := NewSink().NewTask()
		if err := task.Configure(ctx, map[string]string{"file": path}); err != nil {
			t.Fatal(err)
		}
		if err := task.Open(ctx, []sdk.TopicPartition{{Topic: "a", Partition: 0}, {Topic: "b", Partition: 3}}); err != nil {
			t.Fatal(err)
		}
		return task
	}
	task := open()
	var errant reports
	recs := []record.Record{
		{Topic: "a", Partition: 0, Offset: 10, Value: "x"},
		{Topic: "b", Partition: 3, Offset: 5, Value: map[string]any{"k": "v"}},
		{Topic: "a", Partition: 0, Offset: 11, Value: struct{}{}}, // not a record value
	}
	if err := task.Write(ctx, recs, &errant); err != nil {
		t.Fatal(err)
	}
	if len(errant) != 1 || !strings.Contains(errant[0].Error(), "a/0@11") {
		t.Fatalf("errant reports %v, want one for a/0@11", errant)
	}
	offs, err := task.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[sdk.TopicPartition]int64{{Topic: "a", Partition: 0}: 12, {Topic: "b", Partition: 3}: 6}
	if len(offs) != len(want) || offs[sdk.TopicPartition{Topic: "a"}] != 12 || offs[sdk.TopicPartition{Topic: "b", Partition: 3}] != 6 {
		t.Fatalf("Flush offsets %v, want %v", offs, want)
	}
	if err := task.Write(ctx, []record.Record{{Topic: "a", Offset: 12, Value: make(chan int)}}, nil); !errors.Is(err, sdk.ErrFatal) {
		t.Fatalf("Write of a bad record without a reporter: %v, want fatal", err)
	}
	if err := task.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := task.Write(ctx, recs[:1], nil); err == nil {
		t.Fatal("Write after Stop succeeded")
	}
	// A new task appends.
	task = open()
	if err := task.Write(ctx, []record.Record{{Topic: "a", Offset: 13, Value: []byte("y")}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := task.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "before\nx\n{\"k\":\"v\"}\ny\n" {
		t.Fatalf("file holds %q", got)
	}
}
