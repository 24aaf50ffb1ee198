package transforms

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// compileFull compiles a Java-style regular expression for use with
// Matcher.matches(): the whole input must match. Go's RE2 syntax covers
// Java's common subset; look-around and back-references are rejected.
func compileFull(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		if _, err2 := regexp.Compile(pattern); err2 != nil {
			err = err2
		}
		return nil, fmt.Errorf("invalid regular expression %q: %v", pattern, err)
	}
	return re, nil
}

func regexValidator(v string) error {
	_, err := compileFull(v)
	return err
}

// expandJava expands a java.util.regex.Matcher replacement string: $n and
// ${name} refer to groups (a multi-digit $nn is taken as long as the group
// exists, as Java does) and a backslash quotes the next character. match
// holds the submatch indexes of src.
func expandJava(re *regexp.Regexp, repl, src string, match []int) (string, error) {
	var b strings.Builder
	groups := re.NumSubexp()
	group := func(n int) string {
		if match[2*n] < 0 {
			return ""
		}
		return src[match[2*n]:match[2*n+1]]
	}
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch c {
		case '\\':
			i++
			if i >= len(repl) {
				return "", fmt.Errorf("character to be escaped is missing")
			}
			b.WriteByte(repl[i])
		case '$':
			i++
			if i >= len(repl) {
				return "", fmt.Errorf("illegal group reference: group index is missing")
			}
			if repl[i] == '{' {
				end := strings.IndexByte(repl[i:], '}')
				if end < 0 {
					return "", fmt.Errorf("named capturing group is missing trailing '}'")
				}
				name := repl[i+1 : i+end]
				n := re.SubexpIndex(name)
				if n < 0 {
					return "", fmt.Errorf("no group with name {%s}", name)
				}
				b.WriteString(group(n))
				i += end
				continue
			}
			if repl[i] < '0' || repl[i] > '9' {
				return "", fmt.Errorf("illegal group reference")
			}
			n := int(repl[i] - '0')
			for i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9' {
				next := n*10 + int(repl[i+1]-'0')
				if next > groups {
					break
				}
				n = next
				i++
			}
			if n > groups {
				return "", fmt.Errorf("no group %d", n)
			}
			b.WriteString(group(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// topicCache remembers a result per topic name (what a regular expression
// made of it), since a task sees few distinct topics. It is bounded: past
// maxCachedTopics entries it starts over.
type topicCache[V any] struct {
	mu struct {
		sync.Mutex
		m map[string]V
	}
}

const maxCachedTopics = 1024

func (c *topicCache[V]) get(topic string, compute func(string) (V, error)) (V, error) {
	c.mu.Lock()
	v, ok := c.mu.m[topic]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := compute(topic)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.mu.m == nil || len(c.mu.m) >= maxCachedTopics {
		c.mu.m = make(map[string]V)
	}
	c.mu.m[strings.Clone(topic)] = v // not pinning the record's buffer
	c.mu.Unlock()
	return v, nil
}
