package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDropTornLine(t *testing.T) {
	long := strings.Repeat("x", 100<<10) // longer than one read chunk
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"whole lines", "a\nb\n", "a\nb\n"},
		{"torn tail", "a\nb\nhal", "a\nb\n"},
		{"only a torn line", "half", ""},
		{"torn tail after a long line", long + "\n" + long, long + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out")
			if err := os.WriteFile(path, []byte(tc.in), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := dropTornLine(f); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.want {
				t.Fatalf("kept %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}
}
