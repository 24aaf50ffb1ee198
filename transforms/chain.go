package transforms

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/record"
)

// Chain is the sequence of transformations a connector configures with
// transforms=a,b, each optionally guarded by a predicate. Its
// transformations keep only immutable configuration and schema caches
// guarded by their own locks, so a Chain may be shared, though the runtime
// builds one per task.
type Chain struct {
	steps []step
}

type step struct {
	alias, class string
	t            Transformation
	predAlias    string
	predClass    string
	pred         Predicate // nil: always applies
	negate       bool
}

// Len returns the number of transformations in the chain.
func (c *Chain) Len() int {
	if c == nil {
		return 0
	}
	return len(c.steps)
}

// ConfigError carries every configuration problem, keyed by full property
// name ("transforms.a.field"), as Validate returns them.
type ConfigError struct {
	Problems map[string][]string
}

func (e *ConfigError) Error() string {
	keys := make([]string, 0, len(e.Problems))
	for k := range e.Problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("invalid transforms configuration:")
	for _, k := range keys {
		for _, m := range e.Problems[k] {
			fmt.Fprintf(&b, " %s: %s;", k, m)
		}
	}
	return strings.TrimSuffix(b.String(), ";")
}

// ApplyError is a transformation or predicate failing on one record.
type ApplyError struct {
	Alias string // the alias in transforms=…
	Class string // the transformation's class name
	Err   error
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("transform %q (%s): %v", e.Alias, e.Class, e.Err)
}

func (e *ApplyError) Unwrap() error { return e.Err }

// Apply runs rec through the chain in order. A transformation is skipped
// when its predicate (negated if so configured) does not match. keep=false
// means a transformation dropped the record; the rest of the chain is not
// run. A nil or empty chain returns rec unchanged. A panic inside a
// transformation or predicate is returned as an *ApplyError.
func (c *Chain) Apply(rec record.Record) (out record.Record, keep bool, err error) {
	if c == nil {
		return rec, true, nil
	}
	for i := range c.steps {
		st := &c.steps[i]
		if st.pred != nil {
			match, err := safeTest(st.pred, rec)
			if err != nil {
				return rec, false, &ApplyError{Alias: st.alias, Class: st.class,
					Err: fmt.Errorf("predicate %q (%s): %w", st.predAlias, st.predClass, err)}
			}
			if match == st.negate {
				continue
			}
		}
		next, keep, err := safeApply(st.t, rec)
		if err != nil {
			return rec, false, &ApplyError{Alias: st.alias, Class: st.class, Err: err}
		}
		if !keep {
			return next, false, nil
		}
		rec = next
	}
	return rec, true, nil
}

// errPanic marks a recovered panic.
var errPanic = errors.New("panic")

func safeApply(t Transformation, rec record.Record) (out record.Record, keep bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, keep, err = rec, false, fmt.Errorf("%w: %v", errPanic, p)
		}
	}()
	return t.Apply(rec)
}

func safeTest(p Predicate, rec record.Record) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return p.Test(rec)
}

// Validate checks the transforms and predicates of a connector's
// properties and returns every problem keyed by full property name; the
// map is empty when the configuration is fine. It never panics.
func Validate(props map[string]string) (problems map[string][]string) {
	problems = map[string][]string{}
	defer func() {
		if p := recover(); p != nil {
			problems["transforms"] = append(problems["transforms"], fmt.Sprintf("internal error validating transforms: %v", p))
		}
	}()
	_, problems = build(props)
	return problems
}

// NewChain builds the chain configured in props; with problems it returns
// a *ConfigError carrying the same map as Validate.
func NewChain(props map[string]string) (*Chain, error) {
	c, problems := build(props)
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	return c, nil
}

// problemSet collects problems by property.
type problemSet map[string][]string

func (p problemSet) add(prop, format string, args ...any) {
	p[prop] = append(p[prop], fmt.Sprintf(format, args...))
}

func build(props map[string]string) (*Chain, map[string][]string) {
	problems := problemSet{}
	plugins := Plugins()

	predAliases := aliasList(props, "predicates", problems)
	preds := make(map[string]builtPredicate, len(predAliases))
	for _, a := range predAliases {
		if bp, ok := buildPredicate(props, plugins, a, problems); ok {
			preds[a] = bp
		}
	}

	c := &Chain{}
	for _, a := range aliasList(props, "transforms", problems) {
		prefix := "transforms." + a + "."
		st := step{alias: a}
		if pa, ok := props[prefix+"predicate"]; ok && strings.TrimSpace(pa) != "" {
			st.predAlias = strings.TrimSpace(pa)
			if !slices.Contains(predAliases, st.predAlias) {
				problems.add(prefix+"predicate", "transform %q refers to predicate %q, which is not listed in predicates (%q)",
					a, st.predAlias, props["predicates"])
			} else if bp, ok := preds[st.predAlias]; ok {
				st.pred, st.predClass = bp.p, bp.class
			}
		}
		if n, ok := props[prefix+"negate"]; ok {
			switch strings.ToLower(strings.TrimSpace(n)) {
			case "true":
				st.negate = true
			case "false":
			default:
				problems.add(prefix+"negate", "transform %q: invalid value %q for negate: expected true or false", a, n)
			}
		}
		p, opts, ok := resolve(props, plugins, prefix, KindTransformation, a, problems)
		if !ok {
			continue
		}
		st.class = p.Name
		t, err := construct(func() (any, error) { return p.NewTransformation(opts) })
		if err != nil {
			fileError(problems, prefix, "transform", a, err)
			continue
		}
		tr, ok := t.(Transformation)
		if !ok || tr == nil {
			problems.add(prefix+"type", "transform %q: %s built no transformation", a, p.Name)
			continue
		}
		st.t = tr
		c.steps = append(c.steps, st)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return c, problems
}

type builtPredicate struct {
	class string
	p     Predicate
}

func buildPredicate(props map[string]string, plugins []Plugin, a string, problems problemSet) (builtPredicate, bool) {
	prefix := "predicates." + a + "."
	p, opts, ok := resolve(props, plugins, prefix, KindPredicate, a, problems)
	if !ok {
		return builtPredicate{}, false
	}
	pr, err := construct(func() (any, error) { return p.NewPredicate(opts) })
	if err != nil {
		fileError(problems, prefix, "predicate", a, err)
		return builtPredicate{}, false
	}
	pp, ok := pr.(Predicate)
	if !ok || pp == nil {
		problems.add(prefix+"type", "predicate %q: %s built no predicate", a, p.Name)
		return builtPredicate{}, false
	}
	return builtPredicate{class: p.Name, p: pp}, true
}

// aliasList parses transforms= or predicates=; duplicates are problems.
func aliasList(props map[string]string, key string, problems problemSet) []string {
	var out []string
	for _, a := range splitList(props[key]) {
		if slices.Contains(out, a) {
			problems.add(key, "duplicate alias %q", a)
			continue
		}
		out = append(out, a)
	}
	return out
}

// resolve finds the plugin named by PREFIX.type and its options (the
// properties under prefix, without it), checking them against the
// plugin's declaration.
func resolve(props map[string]string, plugins []Plugin, prefix string, kind Kind, alias string, problems problemSet) (Plugin, map[string]string, bool) {
	noun := string(kind)
	typ, ok := props[prefix+"type"]
	if !ok || strings.TrimSpace(typ) == "" {
		problems.add(prefix+"type", "Missing required configuration %q which has no default value (the class of %s %q).", prefix+"type", noun, alias)
		return Plugin{}, nil, false
	}
	p, ok := Lookup(plugins, typ)
	if !ok || p.Kind != kind {
		problems.add(prefix+"type", "unknown %s %q; known: %s", noun, strings.TrimSpace(typ), strings.Join(known(plugins, kind), ", "))
		return Plugin{}, nil, false
	}
	opts := map[string]string{}
	for k, v := range props {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			opts[name] = v
		}
	}
	delete(opts, "type")
	if kind == KindTransformation {
		delete(opts, "predicate")
		delete(opts, "negate")
	}
	bad := false
	for name, msgs := range p.Config.Validate(opts) {
		for _, m := range msgs {
			problems.add(prefix+name, "%s %q: %s", noun, alias, m)
		}
		bad = true
	}
	return p, opts, !bad
}

func known(plugins []Plugin, kind Kind) []string {
	var names []string
	for _, p := range plugins {
		if p.Kind == kind {
			if len(p.Aliases) > 0 {
				names = append(names, p.Aliases[0])
			} else {
				names = append(names, p.Name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// construct calls a plugin constructor, turning a panic into an error.
func construct(f func() (any, error)) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("%w: %v", errPanic, p)
		}
	}()
	return f()
}

func fileError(problems problemSet, prefix, noun, alias string, err error) {
	var oe *optionError
	if errors.As(err, &oe) {
		problems.add(prefix+oe.Option, "%s %q: %s", noun, alias, oe.Msg)
		return
	}
	problems.add(prefix+"type", "%s %q: %v", noun, alias, err)
}
