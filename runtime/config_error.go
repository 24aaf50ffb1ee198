package runtime

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ConfigError lists every problem found in one configuration, by property
// name. A problem that belongs to no single property is filed under "".
type ConfigError struct {
	What     string // "worker config" or "connector config \"name\""
	Problems map[string][]string
}

// Properties returns the names of the properties with problems, sorted.
func (e *ConfigError) Properties() []string {
	return slices.Sorted(maps.Keys(e.Problems))
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid %s:", e.What)
	for _, name := range e.Properties() {
		for _, p := range e.Problems[name] {
			if name == "" {
				fmt.Fprintf(&b, "\n  %s", p)
			} else {
				fmt.Fprintf(&b, "\n  %s: %s", name, p)
			}
		}
	}
	return b.String()
}

// problems collects property → problems.
type problems map[string][]string

func (p problems) add(name, format string, args ...any) {
	p[name] = append(p[name], fmt.Sprintf(format, args...))
}

func (p problems) merge(other map[string][]string) {
	for name, msgs := range other {
		for _, m := range msgs {
			if !slices.Contains(p[name], m) {
				p[name] = append(p[name], m)
			}
		}
	}
}

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return &ConfigError{What: what, Problems: p}
}
