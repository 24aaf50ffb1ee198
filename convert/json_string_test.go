package convert

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// referenceString is the byte-at-a-time escaper the fast path must match:
// Jackson's escapes, \u00XX for other control characters, U+FFFD for
// invalid UTF-8, everything else as it is.
func referenceString(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				out = append(out, "\uFFFD"...)
			} else {
				out = append(out, s[i:i+size]...)
			}
			i += size
			continue
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c == '\b':
			out = append(out, `\b`...)
		case c == '\t':
			out = append(out, `\t`...)
		case c == '\n':
			out = append(out, `\n`...)
		case c == '\f':
			out = append(out, `\f`...)
		case c == '\r':
			out = append(out, `\r`...)
		case c < 0x20:
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		default:
			out = append(out, c)
		}
		i++
	}
	return string(append(out, '"'))
}

// The eight-bytes-at-a-time path writes exactly what the byte-at-a-time
// rules do, for strings mixing plain runs, escapes, control characters,
// multi-byte and invalid UTF-8 at every alignment.
func TestJSONStringMatchesReference(t *testing.T) {
	pieces := []string{"a", "plain text ", "0123456789abcdef", `"`, `\`, "\t", "\n", "\x00", "\x1f", "\x7f", "é", "日本", "\xff", "\xe2\x82", "😀", " "}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 5000 {
		var s string
		for range rng.IntN(12) {
			s += pieces[rng.IntN(len(pieces))]
		}
		var w jsonWriter
		w.string(s)
		if got, want := string(w.buf), referenceString(s); got != want {
			t.Fatalf("case %d %q:\n got %q\nwant %q", n, s, got, want)
		}
	}
}

func FuzzJSONString(f *testing.F) {
	f.Add("plain text with \"quotes\" and \\ and \t and é and \xff")
	f.Fuzz(func(t *testing.T, s string) {
		var w jsonWriter
		w.string(s)
		if got, want := string(w.buf), referenceString(s); got != want {
			t.Fatalf("%q:\n got %q\nwant %q", s, got, want)
		}
	})
}
