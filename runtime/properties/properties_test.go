package properties

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Property
	}{
		{"equals", "a=b", []Property{{"a", "b", 1}}},
		{"colon", "a:b", []Property{{"a", "b", 1}}},
		{"blank separator", "a b", []Property{{"a", "b", 1}}},
		{"blanks around equals", "  a \t= \f b  ", []Property{{"a", "b  ", 1}}},
		{"blank then colon", "a   :   b", []Property{{"a", "b", 1}}},
		{"second separator is value", "a==b", []Property{{"a", "=b", 1}}},
		{"blank then equals twice", "a = =b", []Property{{"a", "=b", 1}}},
		{"empty value", "a=", []Property{{"a", "", 1}}},
		{"key only", "a", []Property{{"a", "", 1}}},
		{"key only trailing blank", "a   ", []Property{{"a", "", 1}}},
		{"comments and blanks", "# c\n! c2\n\n   \n  # indented\nk=v", []Property{{"k", "v", 5 + 1}}},
		{"hash inside value", "k=v#x", []Property{{"k", "v#x", 1}}},
		{"continuation", "k=a,\\\n   b,\\\n\tc", []Property{{"k", "a,b,c", 1}}},
		{"continuation then next", "k=a\\\n b\nx=y", []Property{{"k", "ab", 1}, {"x", "y", 3}}},
		{"even backslashes do not continue", "k=a\\\\\nx=y", []Property{{"k", `a\`, 1}, {"x", "y", 2}}},
		{"comment does not continue", "# c \\\nk=v", []Property{{"k", "v", 2}}},
		{"continued line starting with hash", "k=a\\\n#b", []Property{{"k", "a#b", 1}}},
		{"continuation at eof", "k=a\\", []Property{{"k", "a", 1}}},
		{"escapes", `k=a\tb\nc\rd\fe\\f\=g\:h\ i\q`, []Property{{"k", "a\tb\nc\rd\fe\\f=g:h iq", 1}}},
		{"escaped separators in key", `a\=b\:c\ d=e`, []Property{{"a=b:c d", "e", 1}}},
		{"unicode", `k=caf\u00e9 \u20AC`, []Property{{"k", "café €", 1}}},
		{"surrogate pair", `k=\uD83D\uDE00`, []Property{{"k", "😀", 1}}},
		{"crlf and cr", "a=1\r\nb=2\rc=3", []Property{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}}},
		{"repeated key kept", "a=1\na=2", []Property{{"a", "1", 1}, {"a", "2", 2}}},
		{"windows path", `p=C:\\dir\\x`, []Property{{"p", `C:\dir\x`, 1}}},
		{"kafka style", "bootstrap.servers=localhost:9092\nkey.converter.schemas.enable=false", []Property{{"bootstrap.servers", "localhost:9092", 1}, {"key.converter.schemas.enable", "false", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"a=1\nk=\\u12", "2: value of \"k\": malformed"},
		{"a=1\n\nk=\\uzzzz", "3: value of \"k\": malformed"},
		{"\\u00g1=1", "1: key: malformed"},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(tt.in))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want prefix %q", tt.in, err, tt.want)
		}
	}
}

func TestMapLastWins(t *testing.T) {
	props, _ := Parse(strings.NewReader("a=1\nb=2\na=3"))
	if m := Map(props); m["a"] != "3" || m["b"] != "2" {
		t.Fatalf("Map = %v", m)
	}
	if l := Lines(props); l["a"] != 3 {
		t.Fatalf("Lines = %v", l)
	}
}
