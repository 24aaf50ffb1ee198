package file

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

func TestSourceConfigValidation(t *testing.T) {
	def := sourceConfigDef()
	for _, tc := range []struct {
		name string
		cfg  map[string]string
		bad  string // the property the problem must name; "" = valid
	}{
		{"valid", map[string]string{"file": "/x", "topic": "t"}, ""},
		{"valid batch", map[string]string{"file": "/x", "topic": "t", "batch.size": "10"}, ""},
		{"no file", map[string]string{"topic": "t"}, "file"},
		{"empty file (stdin)", map[string]string{"file": " ", "topic": "t"}, "file"},
		{"no topic", map[string]string{"file": "/x"}, "topic"},
		{"two topics", map[string]string{"file": "/x", "topic": "a,b"}, "topic"},
		{"zero batch", map[string]string{"file": "/x", "topic": "t", "batch.size": "0"}, "batch.size"},
		{"word batch", map[string]string{"file": "/x", "topic": "t", "batch.size": "many"}, "batch.size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := def.Validate(tc.cfg)
			if tc.bad == "" {
				if len(p) > 0 {
					t.Fatalf("problems %v, want none", p)
				}
				return
			}
			if len(p[tc.bad]) == 0 {
				t.Fatalf("problems %v do not name %q", p, tc.bad)
			}
			if err := newSourceTask(time.Millisecond).Configure(context.Background(), tc.cfg); !errors.Is(err, sdk.ErrFatal) || !strings.Contains(err.Error(), tc.bad) {
				t.Fatalf("Configure: %v, want a fatal error naming %q", err, tc.bad)
			}
		})
	}
}

// fixture is a source task over a file in a temporary directory.
type fixture struct {
	t    *testing.T
	path string
	task *sourceTask
}

func newFixture(t *testing.T, content string, cfg map[string]string) *fixture {
	t.Helper()
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "in.txt")}
	if content != "" {
		f.append(content)
	}
	f.task = f.open(cfg, nil)
	return f
}

func (f *fixture) open(cfg map[string]string, committed []sdk.SourceOffset) *sourceTask {
	f.t.Helper()
	c := map[string]string{"file": f.path, "topic": "lines"}
	for k, v := range cfg {
		c[k] = v
	}
	task := newSourceTask(5 * time.Millisecond)
	if err := task.Configure(context.Background(), c); err != nil {
		f.t.Fatal(err)
	}
	if err := task.Open(context.Background(), committed); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { task.Stop(context.Background()) })
	return task
}

func (f *fixture) append(s string) {
	f.t.Helper()
	w, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := w.WriteString(s); err != nil {
		f.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.t.Fatal(err)
	}
}

// line is what a record says: its value and position.
type line struct {
	value string
	pos   int64
}

func read(t *testing.T, task *sourceTask) []line {
	t.Helper()
	recs, err := task.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	var out []line
	for _, r := range recs {
		if r.Topic != "lines" || r.Key != nil || r.ValueSchema.Type != record.String || r.Partition != -1 {
			t.Fatalf("record %+v is not Kafka's: topic, null key, STRING value, any partition", r)
		}
		if r.SourcePartition[PartitionFilename] == nil {
			t.Fatalf("record without filename partition: %v", r.SourcePartition)
		}
		out = append(out, line{r.Value.(string), r.SourceOffset[OffsetPosition].(int64)})
	}
	return out
}

func equalLines(t *testing.T, got []line, want ...line) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestSourceLineTerminators(t *testing.T) {
	// Kafka's extractLine: \n, \r\n and \r end a line; a \r at the end of
	// what was read waits for the next byte; an unterminated line waits.
	f := newFixture(t, "a\nb\r\nc\rd\ne\r", nil)
	equalLines(t, read(t, f.task), line{"a", 2}, line{"b", 5}, line{"c", 7}, line{"d", 9})
	equalLines(t, read(t, f.task))
	f.append("\nf")
	equalLines(t, read(t, f.task), line{"e", 12})
	f.append("\r\r\n")
	equalLines(t, read(t, f.task), line{"f", 14}, line{"", 16})
}

func TestSourceTailsAndBatches(t *testing.T) {
	f := newFixture(t, "1\n2\n3\n", map[string]string{"batch.size": "2"})
	equalLines(t, read(t, f.task), line{"1", 2}, line{"2", 4})
	equalLines(t, read(t, f.task), line{"3", 6})
	equalLines(t, read(t, f.task)) // at the end: waits, then nothing
	f.append("4\n5")
	equalLines(t, read(t, f.task), line{"4", 8})
	f.append("5\n")
	equalLines(t, read(t, f.task), line{"55", 11})
}

func TestSourceWaitsForTheFile(t *testing.T) {
	f := newFixture(t, "", nil)
	equalLines(t, read(t, f.task))
	f.append("late\n")
	equalLines(t, read(t, f.task), line{"late", 5})
}

func TestSourceLongLineAndInvalidUTF8(t *testing.T) {
	long := strings.Repeat("x", 3*initialBufSize+7)
	f := newFixture(t, long+"\n"+"caf\xe9\n", nil)
	got := read(t, f.task)
	equalLines(t, got, line{long, int64(len(long) + 1)}, line{"caf\uFFFD", int64(len(long) + 1 + 5)})
}

func TestSourceResumesAtCommittedPosition(t *testing.T) {
	content := "zero\none\ntwo\nthree\n"
	f := newFixture(t, content, nil)
	first := read(t, f.task)
	equalLines(t, first, line{"zero", 5}, line{"one", 9}, line{"two", 13}, line{"three", 19})
	// The position comes back from the runtime as int64, float64 or
	// json.Number depending on the path it took.
	for _, pos := range []any{int64(9), float64(9), json.Number("9")} {
		task := f.open(nil, []sdk.SourceOffset{
			{Partition: map[string]any{PartitionFilename: "/some/other/file"}, Offset: map[string]any{OffsetPosition: int64(1)}},
			{Partition: map[string]any{PartitionFilename: f.path}, Offset: map[string]any{OffsetPosition: pos}},
		})
		equalLines(t, read(t, task), line{"two", 13}, line{"three", 19})
	}
}

func TestSourceBadCommittedOffset(t *testing.T) {
	f := newFixture(t, "x\n", nil)
	task := newSourceTask(time.Millisecond)
	if err := task.Configure(context.Background(), map[string]string{"file": f.path, "topic": "t"}); err != nil {
		t.Fatal(err)
	}
	err := task.Open(context.Background(), []sdk.SourceOffset{{
		Partition: map[string]any{PartitionFilename: f.path}, Offset: map[string]any{OffsetPosition: "nine"}}})
	if !errors.Is(err, sdk.ErrFatal) {
		t.Fatalf("Open with a string position: %v, want fatal", err)
	}
}

func TestSourceTruncation(t *testing.T) {
	t.Run("before the committed position", func(t *testing.T) {
		f := newFixture(t, "x\n", nil)
		task := f.open(nil, []sdk.SourceOffset{{
			Partition: map[string]any{PartitionFilename: f.path}, Offset: map[string]any{OffsetPosition: int64(100)}}})
		if _, err := task.Read(context.Background()); !errors.Is(err, sdk.ErrFatal) || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("Read: %v, want a fatal truncation error", err)
		}
	})
	t.Run("while tailing", func(t *testing.T) {
		f := newFixture(t, "abc\ndef\n", nil)
		read(t, f.task)
		if err := os.Truncate(f.path, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := f.task.Read(context.Background()); !errors.Is(err, sdk.ErrFatal) {
			t.Fatalf("Read: %v, want a fatal truncation error", err)
		}
	})
}

func TestSourceStopWakesRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	task := newSourceTask(time.Hour)
	if err := task.Configure(context.Background(), map[string]string{"file": path, "topic": "t"}); err != nil {
		t.Fatal(err)
	}
	if err := task.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := task.Read(context.Background())
		done <- err
	}()
	if err := task.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		// Stop may land before or after Read looks again.
		if err != nil && !errors.Is(err, sdk.ErrFatal) {
			t.Fatalf("Read after Stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not wake a waiting Read")
	}
	if err := task.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}
