package sdk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Type is a configuration value's type, with Kafka Connect's names.
type Type int

const (
	String Type = iota
	Boolean
	Int    // 32-bit
	Short  // 16-bit
	Long   // 64-bit
	Double // float64
	List   // comma-separated
	Class  // a class (connector, converter, transform) name
	Password
)

var typeNames = [...]string{"STRING", "BOOLEAN", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"}

// String returns Kafka Connect's name of the type (STRING, INT, …).
func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType is the inverse of Type.String.
func ParseType(s string) (Type, bool) {
	i := slices.Index(typeNames[:], strings.ToUpper(s))
	return Type(i), i >= 0
}

// Importance ranks a configuration key in documentation, as Kafka Connect does.
type Importance int

const (
	High Importance = iota
	Medium
	Low
)

var importanceNames = [...]string{"HIGH", "MEDIUM", "LOW"}

func (i Importance) String() string {
	if i >= 0 && int(i) < len(importanceNames) {
		return importanceNames[i]
	}
	return fmt.Sprintf("Importance(%d)", int(i))
}

// ParseImportance is the inverse of Importance.String.
func ParseImportance(s string) (Importance, bool) {
	i := slices.Index(importanceNames[:], strings.ToUpper(s))
	return Importance(i), i >= 0
}

// Key declares one configuration property. The declaration drives
// validation, the REST config/validate answer and the generated docs.
type Key struct {
	Name       string
	Type       Type
	Default    string // the value used when the property is absent (unless Required)
	Required   bool   // no default: absence is an error
	Importance Importance
	Doc        string
	// Validator checks a present value after its type was checked; the error
	// text is shown to the user next to the property name. May be nil.
	Validator func(value string) error
}

// ConfigDef is the ordered set of a connector's configuration keys.
type ConfigDef struct {
	keys []Key
}

// NewConfigDef returns an empty definition; add keys with Define.
func NewConfigDef() *ConfigDef { return &ConfigDef{} }

// Define adds a key and returns d for chaining. A duplicate or empty name is
// a programmer error and panics.
func (d *ConfigDef) Define(k Key) *ConfigDef {
	if k.Name == "" {
		panic("sdk: ConfigDef.Define: empty key name")
	}
	if _, ok := d.Key(k.Name); ok {
		panic(fmt.Sprintf("sdk: ConfigDef.Define: key %q defined twice", k.Name))
	}
	d.keys = append(d.keys, k)
	return d
}

// Keys returns the keys in definition order.
func (d *ConfigDef) Keys() []Key {
	if d == nil {
		return nil
	}
	return slices.Clone(d.keys)
}

// Key returns the key named name.
func (d *ConfigDef) Key(name string) (Key, bool) {
	if d == nil {
		return Key{}, false
	}
	for _, k := range d.keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// Value returns cfg[name], or the key's default when the property is absent.
func (d *ConfigDef) Value(cfg map[string]string, name string) string {
	if v, ok := cfg[name]; ok {
		return v
	}
	k, _ := d.Key(name)
	return k.Default
}

// Validate returns property → problems; unknown properties are NOT errors (Kafka Connect passes worker-level keys through).
// It returns nil when cfg is valid.
func (d *ConfigDef) Validate(cfg map[string]string) map[string][]string {
	if d == nil {
		return nil
	}
	var problems map[string][]string
	add := func(name, msg string) {
		if problems == nil {
			problems = make(map[string][]string)
		}
		problems[name] = append(problems[name], msg)
	}
	for _, k := range d.keys {
		v, ok := cfg[k.Name]
		if !ok {
			if k.Required {
				add(k.Name, fmt.Sprintf("Missing required configuration %q which has no default value.", k.Name))
			}
			continue
		}
		if err := checkType(k.Type, v); err != nil {
			add(k.Name, fmt.Sprintf("Invalid value %s for configuration %s: %v", shown(k, v), k.Name, err))
			continue
		}
		if k.Validator != nil {
			if err := k.Validator(v); err != nil {
				add(k.Name, fmt.Sprintf("Invalid value %s for configuration %s: %v", shown(k, v), k.Name, err))
			}
		}
	}
	return problems
}

func shown(k Key, v string) string {
	if k.Type == Password {
		return "[hidden]"
	}
	return v
}

func checkType(t Type, v string) error {
	var err error
	s := strings.TrimSpace(v)
	switch t {
	case Boolean:
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			return fmt.Errorf("expected value to be either true or false")
		}
	case Int:
		_, err = strconv.ParseInt(s, 10, 32)
	case Short:
		_, err = strconv.ParseInt(s, 10, 16)
	case Long:
		_, err = strconv.ParseInt(s, 10, 64)
	case Double:
		_, err = strconv.ParseFloat(s, 64)
	}
	if err != nil {
		return fmt.Errorf("not a number of type %s", t)
	}
	return nil
}

// OneOf is a Validator accepting only the given values.
func OneOf(values ...string) func(string) error {
	return func(v string) error {
		if slices.Contains(values, v) {
			return nil
		}
		return fmt.Errorf("must be one of %s", strings.Join(values, ", "))
	}
}

// Range is a Validator for numbers in [lo, hi].
func Range(lo, hi float64) func(string) error {
	return func(v string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < lo || f > hi {
			return fmt.Errorf("value must be in [%v, %v]", lo, hi)
		}
		return nil
	}
}

// NonEmpty is a Validator rejecting an empty or blank value.
func NonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}
