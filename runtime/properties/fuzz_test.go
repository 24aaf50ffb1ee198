package properties

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// escape writes s so that Parse reads it back unchanged.
func escape(s string, key bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\' || r == '=' || r == ':' || r == '#' || r == '!':
			b.WriteString(`\` + string(r))
		case r == ' ' && (key || i == 0):
			b.WriteString(`\ `)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r > 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
			if r > 0xffff {
				b.Reset()
				return ""
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FuzzParse checks that Parse never panics, and that every property it
// returns, written back escaped, parses to the same key and value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a=b", "a b\\\n c", "# x\n!y\nk:v", `k=\u00e9\t`, "a\\\n", `\u12`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		props, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, p := range props {
			if !utf8.ValidString(p.Key) || !utf8.ValidString(p.Value) || strings.ContainsRune(p.Key+p.Value, utf8.RuneError) {
				continue
			}
			k, v := escape(p.Key, true), escape(p.Value, false)
			if (k == "" && p.Key != "") || (v == "" && p.Value != "") {
				continue
			}
			line := k + "=" + v
			back, err := Parse(strings.NewReader(line))
			if err != nil || len(back) != 1 || back[0].Key != p.Key || back[0].Value != p.Value {
				t.Fatalf("%+v → %q → %+v, %v", p, line, back, err)
			}
		}
	})
}
