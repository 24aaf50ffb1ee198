package dlq

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Filter selects dead-letter records; Show and Replay share it. The zero
// Filter selects every record. Fields combine with AND.
type Filter struct {
	// Connector is the connector name (exact).
	Connector string `json:"connector,omitempty"`
	// ErrorClass is the exception class name, exact or as the last
	// dot-separated part ("DataException" matches
	// "org.apache.kafka.connect.errors.DataException", "NumError" matches
	// "*strconv.NumError").
	ErrorClass string `json:"error_class,omitempty"`
	// Stage is the failing stage (case-insensitive), e.g. VALUE_CONVERTER.
	Stage Stage `json:"stage,omitempty"`
	// OriginalTopic is the topic the record failed on (exact).
	OriginalTopic string `json:"original_topic,omitempty"`
	// Message is a substring of the exception message.
	Message string `json:"message,omitempty"`
	// MessageRegexp is a regular expression (RE2) matched against the
	// exception message.
	MessageRegexp string `json:"message_regexp,omitempty"`
	// From and To bound the record timestamp: From <= ts < To. Zero is
	// unbounded.
	From time.Time `json:"from_time,omitzero"`
	To   time.Time `json:"to_time,omitzero"`
	// Partitions are the DLQ partitions to read; empty is all.
	Partitions []int32 `json:"partitions,omitempty"`
	// StartOffset (inclusive) and EndOffset (exclusive) bound DLQ offsets
	// in every selected partition. 0 is unbounded for both.
	StartOffset int64 `json:"start_offset,omitempty"`
	EndOffset   int64 `json:"end_offset,omitempty"`
}

// ErrInvalid is matched (errors.Is) by every *InvalidError: a Filter,
// ListOptions or ReplayOptions field has a bad value.
var ErrInvalid = errors.New("invalid parameter")

// InvalidError names the parameter that is invalid, with the JSON / REST
// name of the field (error_class, start_offset, rate …).
type InvalidError struct {
	Field  string
	Reason string
}

func (e *InvalidError) Error() string { return fmt.Sprintf("bad %s: %s", e.Field, e.Reason) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// matcher is a compiled Filter.
type matcher struct {
	f  Filter
	re *regexp.Regexp
}

// compile validates f.
func (f Filter) compile() (*matcher, error) {
	m := &matcher{f: f}
	if f.MessageRegexp != "" {
		re, err := regexp.Compile(f.MessageRegexp)
		if err != nil {
			return nil, &InvalidError{"message_regexp", err.Error()}
		}
		m.re = re
	}
	if f.StartOffset < 0 {
		return nil, &InvalidError{"start_offset", "must not be negative"}
	}
	if f.EndOffset < 0 {
		return nil, &InvalidError{"end_offset", "must not be negative"}
	}
	if f.EndOffset > 0 && f.EndOffset <= f.StartOffset {
		return nil, &InvalidError{"end_offset", fmt.Sprintf("%d is not after start_offset %d", f.EndOffset, f.StartOffset)}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return nil, &InvalidError{"to", fmt.Sprintf("%s is not after from %s", f.To.Format(time.RFC3339), f.From.Format(time.RFC3339))}
	}
	for _, p := range f.Partitions {
		if p < 0 {
			return nil, &InvalidError{"partition", fmt.Sprintf("%d is negative", p)}
		}
	}
	return m, nil
}

// validate checks the partitions against the topic's.
func (m *matcher) validate(tm topicMeta) error {
	for _, p := range m.f.Partitions {
		if _, ok := tm.leaders[p]; !ok {
			return &InvalidError{"partition", fmt.Sprintf("topic %q has no partition %d", tm.name, p)}
		}
	}
	return nil
}

// partitions is the DLQ partitions to read, in order.
func (m *matcher) partitions(tm topicMeta) []int32 {
	if len(m.f.Partitions) == 0 {
		return tm.partitions()
	}
	ps := slices.Clone(m.f.Partitions)
	slices.Sort(ps)
	return slices.Compact(ps)
}

// window narrows a partition's [start, end) to the offset range.
func (m *matcher) window(start, end int64) (int64, int64) {
	if m.f.StartOffset > start {
		start = m.f.StartOffset
	}
	if m.f.EndOffset > 0 && m.f.EndOffset < end {
		end = m.f.EndOffset
	}
	return start, max(start, end)
}

// match reports whether e passes every criterion but the partition and
// offset range (window and partitions handle those).
func (m *matcher) match(e *Entry) bool {
	f := &m.f
	c := &e.Context
	switch {
	case f.Connector != "" && c.Connector != f.Connector:
		return false
	case f.ErrorClass != "" && c.ErrorClass != f.ErrorClass && !strings.HasSuffix(c.ErrorClass, "."+f.ErrorClass):
		return false
	case f.Stage != "" && !strings.EqualFold(string(c.Stage), string(f.Stage)):
		return false
	case f.OriginalTopic != "" && c.Topic != f.OriginalTopic:
		return false
	case f.Message != "" && !strings.Contains(c.Message, f.Message):
		return false
	case m.re != nil && !m.re.MatchString(c.Message):
		return false
	case !f.From.IsZero() && e.Timestamp.Before(f.From):
		return false
	case !f.To.IsZero() && !e.Timestamp.Before(f.To):
		return false
	case e.Offset < f.StartOffset || (f.EndOffset > 0 && e.Offset >= f.EndOffset):
		return false
	}
	return true
}
