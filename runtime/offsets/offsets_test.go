package offsets

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// TestStores runs the same script against File (reopened after every save,
// as after a crash) and Memory.
func TestStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "offsets.json")
	reopen := func(t *testing.T, s Store) Store {
		if _, ok := s.(*File); !ok {
			return s
		}
		f, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Store{"file": f, "memory": NewMemory()} {
		t.Run(name, func(t *testing.T) {
			pa := map[string]any{"file": "/a"}
			pb := map[string]any{"file": "/b", "shard": int64(2)}
			if err := s.Save("c1", []sdk.SourceOffset{
				{Partition: pa, Offset: map[string]any{"pos": int64(10), "lsn": "0/16B3748", "f": 1.5, "big": int64(1) << 62}},
				{Partition: pb, Offset: map[string]any{"pos": int64(3)}},
			}); err != nil {
				t.Fatal(err)
			}
			if err := s.Save("c2", []sdk.SourceOffset{{Partition: pa, Offset: map[string]any{"pos": int64(99)}}}); err != nil {
				t.Fatal(err)
			}
			// Replace one partition, delete the other.
			if err := s.Save("c1", []sdk.SourceOffset{{Partition: pa, Offset: map[string]any{"pos": int64(11)}}, {Partition: pb}}); err != nil {
				t.Fatal(err)
			}
			s = reopen(t, s)
			got, err := s.Load("c1")
			if err != nil {
				t.Fatal(err)
			}
			want := []sdk.SourceOffset{{Partition: pa, Offset: map[string]any{"pos": int64(11)}}}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("c1 = %+v, want %+v", got, want)
			}
			got, _ = s.Load("c2")
			if len(got) != 1 || got[0].Offset["pos"] != int64(99) {
				t.Fatalf("c2 = %+v", got)
			}
			if got, _ := s.Load("none"); len(got) != 0 {
				t.Fatalf("none = %+v", got)
			}
		})
	}
}

func TestFileFormat(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "offsets.json")
	f, _ := OpenFile(path)
	if err := f.Save("pg", []sdk.SourceOffset{{Partition: map[string]any{"server": "db1"}, Offset: map[string]any{"lsn": int64(42), "f": 0.5}}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := `{
  "format": "sluice.offsets.v1",
  "offsets": [
    {"key":["pg",{"server":"db1"}],"value":{"f":0.5,"lsn":42}}
  ]
}
`
	if string(data) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", data, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("temp file left behind: %v", entries)
	}
	g, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := g.Load("pg")
	if got[0].Offset["lsn"] != int64(42) || got[0].Offset["f"] != 0.5 {
		t.Fatalf("numbers read back as %#v", got[0].Offset)
	}
}

func TestOpenFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"torn":  `{"format":"sluice.offsets.v1","offs`,
		"other": `{"format":"kafka"}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := OpenFile(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want one naming the file", name, err)
		}
	}
}
