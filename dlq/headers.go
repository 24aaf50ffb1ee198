// Package dlq writes dead-letter records with Kafka Connect's error context
// headers, and inspects, filters and replays dead-letter queues.
package dlq

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Header names, exactly Kafka Connect's (DeadLetterQueueReporter), plus the
// source-side ones Sluice adds (Kafka Connect has no source DLQ).
const (
	HeaderPrefix             = "__connect.errors."
	HeaderTopic              = HeaderPrefix + "topic"
	HeaderPartition          = HeaderPrefix + "partition"
	HeaderOffset             = HeaderPrefix + "offset"
	HeaderConnectorName      = HeaderPrefix + "connector.name"
	HeaderTaskID             = HeaderPrefix + "task.id"
	HeaderStage              = HeaderPrefix + "stage"
	HeaderClassName          = HeaderPrefix + "class.name"
	HeaderExceptionClassName = HeaderPrefix + "exception.class.name"
	HeaderExceptionMessage   = HeaderPrefix + "exception.message"
	HeaderExceptionTrace     = HeaderPrefix + "exception.stacktrace"
	// Source records only: the source partition and offset as JSON.
	HeaderSourcePartition = HeaderPrefix + "source.partition"
	HeaderSourceOffset    = HeaderPrefix + "source.offset"
)

// Stage is where in the pipeline a record failed, with Kafka Connect's names.
type Stage string

const (
	StageKeyConverter    Stage = "KEY_CONVERTER"
	StageValueConverter  Stage = "VALUE_CONVERTER"
	StageHeaderConverter Stage = "HEADER_CONVERTER"
	StageTransformation  Stage = "TRANSFORMATION"
	StageTaskPut         Stage = "TASK_PUT"
	StageTaskPoll        Stage = "TASK_POLL"
	StageKafkaProduce    Stage = "KAFKA_PRODUCE"
	StageKafkaConsume    Stage = "KAFKA_CONSUME"
)

// ErrorContext is what is known about one failed record.
type ErrorContext struct {
	Connector string
	Task      int32
	Stage     Stage
	// ClassName is the class of the failing stage: the converter,
	// transformation or connector class.
	ClassName string
	// Sink records: where the record was consumed from. Source records
	// that failed after conversion: the topic they were meant for, with
	// Partition -1 and Offset -1.
	Topic     string
	Partition int32
	Offset    int64
	// Source records only.
	SourcePartition map[string]any
	SourceOffset    map[string]any
	Err             error
}

// ErrorClass names err's type the way exception.class.name names a Java
// exception: the dynamic Go type of the innermost error that is not a
// plain wrapper (e.g. "*strconv.NumError", "*json.SyntaxError").
func ErrorClass(err error) string {
	if err == nil {
		return ""
	}
	class := reflect.TypeOf(err).String()
	for e := err; e != nil; e = errors.Unwrap(e) {
		t := reflect.TypeOf(e).String()
		if t != "*fmt.wrapError" && t != "*fmt.wrapErrors" && t != "*errors.joinError" {
			class = t
		}
	}
	return class
}

// Headers returns the context headers of ec. Values are UTF-8 strings, as
// Kafka Connect writes them; partition and offset are decimal, and absent
// when not known (negative).
func Headers(ec ErrorContext) []kgo.RecordHeader {
	hs := make([]kgo.RecordHeader, 0, 12)
	add := func(k, v string) { hs = append(hs, kgo.RecordHeader{Key: k, Value: []byte(v)}) }
	if ec.Topic != "" {
		add(HeaderTopic, ec.Topic)
	}
	if ec.Partition >= 0 && ec.Topic != "" {
		add(HeaderPartition, strconv.FormatInt(int64(ec.Partition), 10))
	}
	if ec.Offset >= 0 && ec.Topic != "" {
		add(HeaderOffset, strconv.FormatInt(ec.Offset, 10))
	}
	add(HeaderConnectorName, ec.Connector)
	add(HeaderTaskID, strconv.FormatInt(int64(ec.Task), 10))
	add(HeaderStage, string(ec.Stage))
	add(HeaderClassName, ec.ClassName)
	if ec.Err != nil {
		add(HeaderExceptionClassName, ErrorClass(ec.Err))
		add(HeaderExceptionMessage, ec.Err.Error())
		add(HeaderExceptionTrace, trace(ec.Err))
	}
	if ec.SourcePartition != nil {
		if b, err := json.Marshal(ec.SourcePartition); err == nil {
			add(HeaderSourcePartition, string(b))
		}
	}
	if ec.SourceOffset != nil {
		if b, err := json.Marshal(ec.SourceOffset); err == nil {
			add(HeaderSourceOffset, string(b))
		}
	}
	return hs
}

// trace is the error chain, outermost first, one line per wrapped error
// with its type: Go errors carry no stack, the chain is what explains them.
func trace(err error) string {
	var s string
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s != "" {
			s += "\n\tcaused by: "
		}
		s += fmt.Sprintf("%s: %s", reflect.TypeOf(e), e.Error())
	}
	return s
}

// ParseContext reads the context headers of a dead-letter record back; ok
// is false when the record has none (context headers were disabled).
func ParseContext(hs []kgo.RecordHeader) (ec Context, ok bool) {
	ec.Partition, ec.Offset, ec.Task = -1, -1, -1
	for _, h := range hs {
		v := string(h.Value)
		switch h.Key {
		case HeaderTopic:
			ec.Topic = v
		case HeaderPartition:
			if n, err := strconv.ParseInt(v, 10, 32); err == nil {
				ec.Partition = int32(n)
			}
		case HeaderOffset:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				ec.Offset = n
			}
		case HeaderConnectorName:
			ec.Connector = v
		case HeaderTaskID:
			if n, err := strconv.ParseInt(v, 10, 32); err == nil {
				ec.Task = int32(n)
			}
		case HeaderStage:
			ec.Stage = Stage(v)
		case HeaderClassName:
			ec.ClassName = v
		case HeaderExceptionClassName:
			ec.ErrorClass = v
		case HeaderExceptionMessage:
			ec.Message = v
		case HeaderExceptionTrace:
			ec.Trace = v
		case HeaderSourcePartition:
			ec.SourcePartition = v
		case HeaderSourceOffset:
			ec.SourceOffset = v
		default:
			continue
		}
		ok = true
	}
	return ec, ok
}

// Context is the error context as read back from a dead-letter record's
// headers (strings where ErrorContext holds values).
type Context struct {
	Topic           string `json:"topic,omitempty"`
	Partition       int32  `json:"partition"`
	Offset          int64  `json:"offset"`
	Connector       string `json:"connector,omitempty"`
	Task            int32  `json:"task"`
	Stage           Stage  `json:"stage,omitempty"`
	ClassName       string `json:"class_name,omitempty"`
	ErrorClass      string `json:"exception_class_name,omitempty"`
	Message         string `json:"exception_message,omitempty"`
	Trace           string `json:"exception_stacktrace,omitempty"`
	SourcePartition string `json:"source_partition,omitempty"`
	SourceOffset    string `json:"source_offset,omitempty"`
}

// IsContextHeader reports whether a header key is one of the error context
// headers (a replay strips them).
func IsContextHeader(key string) bool {
	return len(key) >= len(HeaderPrefix) && key[:len(HeaderPrefix)] == HeaderPrefix
}
