package properties

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Property is one key and value and the line (1-based) its logical line
// starts on.
type Property struct {
	Key   string
	Value string
	Line  int
}

// ParseFile parses the file at path; errors name the file and line.
func ParseFile(path string) ([]Property, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return props, nil
}

// Map returns the properties as a map; a repeated key keeps its last value.
func Map(props []Property) map[string]string {
	m := make(map[string]string, len(props))
	for _, p := range props {
		m[p.Key] = p.Value
	}
	return m
}

// Lines maps each key to the line of its last definition.
func Lines(props []Property) map[string]int {
	m := make(map[string]int, len(props))
	for _, p := range props {
		m[p.Key] = p.Line
	}
	return m
}

// LineError is a problem on one line of the input.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%d: %s", e.Line, e.Msg) }

// Parse reads properties from r in the format described in the package doc.
func Parse(r io.Reader) ([]Property, error) {
	lines, err := physicalLines(r)
	if err != nil {
		return nil, err
	}
	var props []Property
	for i := 0; i < len(lines); i++ {
		start := i
		line := trimLeftBlank(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		var logical strings.Builder
		for {
			body, cont := continues(line)
			logical.WriteString(body)
			if !cont || i+1 >= len(lines) {
				break
			}
			i++
			line = trimLeftBlank(lines[i])
		}
		p, err := parseLogical(logical.String())
		if err != nil {
			return nil, &LineError{Line: start + 1, Msg: err.Error()}
		}
		p.Line = start + 1
		props = append(props, p)
	}
	return props, nil
}

// physicalLines splits r at \n, \r and \r\n.
func physicalLines(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	return lines, nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeftBlank(s string) string {
	i := 0
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return s[i:]
}

// continues reports whether line ends in an odd number of backslashes and
// returns the line without that final backslash.
func continues(line string) (string, bool) {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	if n%2 == 1 {
		return line[:len(line)-1], true
	}
	return line, false
}

// parseLogical splits a logical line (leading blanks removed, continuations
// joined, escapes still in place) into key and value.
func parseLogical(s string) (Property, error) {
	keyEnd, valStart := len(s), len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			i++ // skip the escaped character
			continue
		}
		if c == '=' || c == ':' {
			keyEnd, valStart = i, i+1
			break
		}
		if isBlank(c) {
			keyEnd = i
			j := i
			for j < len(s) && isBlank(s[j]) {
				j++
			}
			if j < len(s) && (s[j] == '=' || s[j] == ':') {
				j++
			}
			valStart = j
			break
		}
	}
	key, err := unescape(s[:keyEnd])
	if err != nil {
		return Property{}, fmt.Errorf("key: %w", err)
	}
	val, err := unescape(trimLeftBlank(s[valStart:]))
	if err != nil {
		return Property{}, fmt.Errorf("value of %q: %w", key, err)
	}
	return Property{Key: key, Value: val}, nil
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break // a lone trailing backslash (only at end of input) is dropped
		}
		switch c = s[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, err := hex4(s, i+1)
			if err != nil {
				return "", err
			}
			i += 4
			// A UTF-16 surrogate pair written as two escapes is one rune.
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, err := hex4(s, i+3); err == nil {
					if pr := utf16.DecodeRune(r, lo); pr != utf8.RuneError {
						r = pr
						i += 6
					}
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// hex4 decodes the four hex digits of a \uXXXX escape starting at s[i].
func hex4(s string, i int) (rune, error) {
	if i+4 > len(s) {
		return 0, fmt.Errorf("malformed \\uxxxx escape %q", s[i-2:])
	}
	var r rune
	for _, h := range []byte(s[i : i+4]) {
		var d byte
		switch {
		case h >= '0' && h <= '9':
			d = h - '0'
		case h >= 'a' && h <= 'f':
			d = h - 'a' + 10
		case h >= 'A' && h <= 'F':
			d = h - 'A' + 10
		default:
			return 0, fmt.Errorf("malformed \\uxxxx escape %q", s[i-2:i+4])
		}
		r = r<<4 | rune(d)
	}
	return r, nil
}
