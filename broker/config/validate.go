package config

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Sentinels wrapped by validation errors.
var (
	ErrUnknownConfig = errors.New("unknown config")
	ErrInvalidValue  = errors.New("invalid config value")
	ErrReadOnly      = errors.New("read-only config")
)

// ValueError reports an invalid value for a named config.
type ValueError struct {
	Name, Value, Reason string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("invalid value %q for configuration %q: %s", e.Value, e.Name, e.Reason)
}

func (e *ValueError) Unwrap() error { return ErrInvalidValue }

// ValidateTopicConfigs checks that every name is a known topic config and
// every value valid. All problems are returned, joined, in name order.
func ValidateTopicConfigs(m map[string]string) error {
	return validate(m, topicDefs, "topic", false)
}

// ValidateBrokerConfigs checks that every name is a known broker config and
// every value valid (for static server properties).
func ValidateBrokerConfigs(m map[string]string) error {
	return validate(m, brokerDefs, "broker", false)
}

// ValidateDynamicBrokerConfigs is ValidateBrokerConfigs that also rejects
// read-only configs, for AlterConfigs on a broker resource.
func ValidateDynamicBrokerConfigs(m map[string]string) error {
	return validate(m, brokerDefs, "broker", true)
}

// ValidateTopicConfig checks one topic config name and value.
func ValidateTopicConfig(name, value string) error {
	return validate(map[string]string{name: value}, topicDefs, "topic", false)
}

func validate(m map[string]string, defs map[string]Def, kind string, dynamic bool) error {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		d, ok := defs[n]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%w: unknown %s config %q", ErrUnknownConfig, kind, n))
		case dynamic && d.ReadOnly:
			errs = append(errs, fmt.Errorf("%w: configuration %q cannot be altered dynamically", ErrReadOnly, n))
		default:
			if err := d.Validate(m[n]); err != nil {
				errs = append(errs, &ValueError{Name: n, Value: m[n], Reason: err.Error()})
			}
		}
	}
	return errors.Join(errs...)
}

// typeValidator checks only that a value parses as t.
func typeValidator(t Type) func(string) error {
	switch t {
	case Boolean:
		return func(s string) error { _, err := ParseBool(s); return err }
	case Int:
		return intRange(math.MinInt32, math.MaxInt32)
	case Short:
		return intRange(math.MinInt16, math.MaxInt16)
	case Long:
		return intRange(math.MinInt64, math.MaxInt64)
	case Double:
		return floatRange(math.Inf(-1), math.Inf(1))
	default:
		return func(string) error { return nil }
	}
}

// ParseBool parses Kafka's boolean syntax: "true" or "false", any case,
// surrounding spaces ignored.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("not a boolean (true or false)")
}

// ParseList splits a Kafka list value: comma-separated, items trimmed, empty
// items dropped.
func ParseList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseInt(s string) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, errors.New("out of range")
		}
		return 0, errors.New("not a number")
	}
	return v, nil
}

// intRange accepts integers in [lo, hi].
func intRange(lo, hi int64) func(string) error {
	return func(s string) error {
		v, err := parseInt(s)
		if err != nil {
			return err
		}
		if v < lo || v > hi {
			switch {
			case hi == math.MaxInt64 || hi == math.MaxInt32 || hi == math.MaxInt16:
				return fmt.Errorf("value must be at least %d", lo)
			default:
				return fmt.Errorf("value must be in [%d, %d]", lo, hi)
			}
		}
		return nil
	}
}

func atLeastInt(lo int64) func(string) error  { return intRange(lo, math.MaxInt32) }
func atLeastLong(lo int64) func(string) error { return intRange(lo, math.MaxInt64) }

func floatRange(lo, hi float64) func(string) error {
	return func(s string) error {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) {
			return errors.New("not a number")
		}
		if v < lo || v > hi {
			return fmt.Errorf("value must be in [%g, %g]", lo, hi)
		}
		return nil
	}
}

// oneOf accepts exactly one of the given strings (case-sensitive, as Kafka).
func oneOf(allowed ...string) func(string) error {
	return func(s string) error {
		for _, a := range allowed {
			if s == a {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
	}
}

// listOf accepts a non-empty list whose items are all in allowed.
func listOf(allowed ...string) func(string) error {
	item := oneOf(allowed...)
	return func(s string) error {
		items := ParseList(s)
		if len(items) == 0 {
			return fmt.Errorf("must list at least one of %s", strings.Join(allowed, ", "))
		}
		for _, it := range items {
			if item(it) != nil {
				return fmt.Errorf("%q is not one of %s", it, strings.Join(allowed, ", "))
			}
		}
		return nil
	}
}

// throttledReplicas accepts "", "*" or a list of partition:broker pairs.
func throttledReplicas(s string) error {
	if strings.TrimSpace(s) == "*" {
		return nil
	}
	for _, it := range ParseList(s) {
		p, b, ok := strings.Cut(it, ":")
		if !ok || intRange(0, math.MaxInt32)(p) != nil || intRange(0, math.MaxInt32)(b) != nil {
			return fmt.Errorf("%q is not partitionId:brokerId (or use *)", it)
		}
	}
	return nil
}
