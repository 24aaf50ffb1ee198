package transforms

import (
	"fmt"
	"strings"
	"time"
)

// javaLayout translates a java.text.SimpleDateFormat pattern into a Go
// time layout. Supported letters: y Y M d D H h m s S (after '.' or ','), a,
// E, z, Z, X, and quoted literals. Patterns Go layouts cannot express
// (other letters, fractions not after a separator, literals that Go would
// read as layout elements) are an error. Formatting and parsing are in UTC,
// as Kafka's transformations configure their SimpleDateFormat.
func javaLayout(p string) (string, error) {
	var b strings.Builder
	literal := func(s string) error {
		for _, bad := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "Jan", "Mon", "MST", "PM", "pm", "Z07", "_"} {
			if strings.Contains(s, bad) {
				return fmt.Errorf("literal %q in date format %q cannot be expressed", s, p)
			}
		}
		b.WriteString(s)
		return nil
	}
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			if i+1 < len(p) && p[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("unterminated quote in date format %q", p)
			}
			if err := literal(p[i+1 : i+1+end]); err != nil {
				return "", err
			}
			i += end + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			if err := literal(string(c)); err != nil {
				return "", err
			}
			i++
			continue
		}
		n := 1
		for i+n < len(p) && p[i+n] == c {
			n++
		}
		var el string
		switch c {
		case 'y', 'Y': // Y (week year) is formatted as the year: see doc.go
			el = "2006"
			if n == 2 {
				el = "06"
			}
		case 'M':
			el = map[int]string{1: "1", 2: "01", 3: "Jan"}[min(n, 4)]
			if n >= 4 {
				el = "January"
			}
		case 'd':
			el = pick(n, "2", "02")
		case 'D':
			el = pick(n, "__2", "002")
			if n < 3 {
				return "", fmt.Errorf("day of year %q in date format %q must have 3 letters", p[i:i+n], p)
			}
		case 'H':
			el = "15"
		case 'h':
			el = pick(n, "3", "03")
		case 'm':
			el = pick(n, "4", "04")
		case 's':
			el = pick(n, "5", "05")
		case 'S':
			s := b.String()
			if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ",") {
				return "", fmt.Errorf("fraction of second %q in date format %q must follow '.' or ','", p[i:i+n], p)
			}
			el = strings.Repeat("0", n)
		case 'a':
			el = "PM"
		case 'E':
			el = "Mon"
			if n >= 4 {
				el = "Monday"
			}
		case 'z':
			el = "MST"
		case 'Z':
			el = "-0700"
		case 'X':
			el = map[int]string{1: "Z07", 2: "Z0700"}[n]
			if n >= 3 {
				el = "Z07:00"
			}
		default:
			return "", fmt.Errorf("date format letter %q in %q is not supported", string(c), p)
		}
		b.WriteString(el)
		i += n
	}
	return b.String(), nil
}

func pick(n int, one, two string) string {
	if n == 1 {
		return one
	}
	return two
}

func dateFormatValidator(v string) error {
	_, err := javaLayout(v)
	return err
}

// formatUTC formats t with a Go layout in UTC.
func formatUTC(layout string, t time.Time) string { return t.UTC().Format(layout) }
