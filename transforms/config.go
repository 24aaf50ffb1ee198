package transforms

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// optionError is a configuration problem with one option; Validate files it
// under transforms.ALIAS.OPTION (or predicates.ALIAS.OPTION).
type optionError struct {
	Option string
	Msg    string
}

func (e *optionError) Error() string { return e.Option + ": " + e.Msg }

func optErrorf(option, format string, args ...any) error {
	return &optionError{Option: option, Msg: fmt.Sprintf(format, args...)}
}

// conf reads options through their declaration, so absent options take the
// declared default.
type conf struct {
	def *sdk.ConfigDef
	m   map[string]string
}

// newConf checks cfg against def (types, required keys, validators) and
// returns the first problem as an optionError.
func newConf(def *sdk.ConfigDef, cfg map[string]string) (conf, error) {
	if problems := def.Validate(cfg); len(problems) > 0 {
		for _, k := range def.Keys() { // definition order: deterministic
			if msgs := problems[k.Name]; len(msgs) > 0 {
				return conf{}, &optionError{Option: k.Name, Msg: msgs[0]}
			}
		}
	}
	return conf{def: def, m: cfg}, nil
}

func (c conf) str(name string) string { return c.def.Value(c.m, name) }

// has reports whether the option was given (not defaulted).
func (c conf) has(name string) bool { _, ok := c.m[name]; return ok }

func (c conf) list(name string) []string { return splitList(c.str(name)) }

func (c conf) bool(name string) bool {
	return strings.EqualFold(strings.TrimSpace(c.str(name)), "true")
}

func (c conf) int(name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(c.str(name)), 10, 64)
	return n
}

// splitList parses a Kafka LIST value: comma-separated, items trimmed, an
// empty value is an empty list.
func splitList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// nonEmptyList is a Validator for a LIST that must name at least one item.
func nonEmptyList(v string) error {
	if len(splitList(v)) == 0 {
		return fmt.Errorf("must contain at least one element")
	}
	return nil
}

// Declarations shared by several transformations.

const replaceNullWithDefault = "replace.null.with.default"

func replaceNullKey() sdk.Key {
	return sdk.Key{Name: replaceNullWithDefault, Type: sdk.Boolean, Default: "true", Importance: sdk.Medium,
		Doc: "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."}
}

const fieldSyntaxVersion = "field.syntax.version"

func fieldSyntaxKey() sdk.Key {
	return sdk.Key{Name: fieldSyntaxVersion, Type: sdk.String, Default: "V1", Importance: sdk.High,
		Doc:       "Defines the version of the syntax to access fields. V1: field names are used as they are; V2: dots separate nested fields and backticks quote names that contain dots.",
		Validator: func(v string) error { return oneOfFold(v, "V1", "V2") }}
}

func oneOfFold(v string, allowed ...string) error {
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(v), a) {
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
}
