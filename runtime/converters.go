package runtime

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/convert"
	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/record"
)

// Converter turns record keys or values into bytes and back at the log
// boundary (package convert provides them).
type Converter interface {
	FromRecord(topic string, schema *record.Schema, value any) ([]byte, error)
	ToRecord(topic string, data []byte) (*record.Schema, any, error)
}

// ConverterFactory builds the converter named class with its properties
// (key.converter.* or value.converter.*, prefix removed); convert.New.
type ConverterFactory func(class string, isKey bool, props map[string]string) (Converter, error)

// DefaultConverters builds converters with package convert.
func DefaultConverters(class string, isKey bool, props map[string]string) (Converter, error) {
	return convert.New(class, isKey, props)
}

// converters are one task's key and value converters, with their class
// names for error reports.
type converters struct {
	key, value           Converter
	keyClass, valueClass string
}

func newConverters(f ConverterFactory, c *ConnectorConfig) (converters, error) {
	k, err := f(c.KeyConverter, true, c.KeyConverterProps)
	if err != nil {
		return converters{}, fmt.Errorf("key.converter %s: %w", c.KeyConverter, err)
	}
	v, err := f(c.ValueConverter, false, c.ValueConverterProps)
	if err != nil {
		return converters{}, fmt.Errorf("value.converter %s: %w", c.ValueConverter, err)
	}
	return converters{key: k, value: v, keyClass: c.KeyConverter, valueClass: c.ValueConverter}, nil
}

// Headers use the equivalent of Kafka Connect's SimpleHeaderConverter,
// reduced: on the way out a string is its UTF-8 bytes, []byte is itself,
// booleans and numbers are their decimal text, nil is a null header value and
// anything else is JSON. On the way in every non-null header value is an
// optional string (no type inference yet).
func headerBytes(h record.Header) ([]byte, error) {
	switch v := h.Value.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(v), nil
	case []byte:
		return v, nil
	case bool:
		return strconv.AppendBool(nil, v), nil
	case int8, int16, int32, int64, int, float32, float64:
		return fmt.Appendf(nil, "%v", v), nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", h.Key, err)
		}
		return b, nil
	}
}

func headerFromKafka(h kgo.RecordHeader) record.Header {
	if h.Value == nil {
		return record.Header{Key: h.Key, Schema: record.OptionalStringSchema()}
	}
	return record.Header{Key: h.Key, Schema: record.OptionalStringSchema(), Value: string(h.Value)}
}

// toKafka converts a source record for producing.
func (c converters) toKafka(rec *record.Record) (*kgo.Record, error) {
	if rec.Topic == "" {
		return nil, fmt.Errorf("record has no topic")
	}
	key, err := c.key.FromRecord(rec.Topic, rec.KeySchema, rec.Key)
	if err != nil {
		return nil, &stageError{dlq.StageKeyConverter, c.keyClass, fmt.Errorf("convert key for topic %s: %w", rec.Topic, err)}
	}
	value, err := c.value.FromRecord(rec.Topic, rec.ValueSchema, rec.Value)
	if err != nil {
		return nil, &stageError{dlq.StageValueConverter, c.valueClass, fmt.Errorf("convert value for topic %s: %w", rec.Topic, err)}
	}
	kr := &kgo.Record{Topic: rec.Topic, Key: key, Value: value, Timestamp: rec.Timestamp}
	if len(rec.Headers) > 0 {
		kr.Headers = make([]kgo.RecordHeader, 0, len(rec.Headers))
		for _, h := range rec.Headers {
			b, err := headerBytes(h)
			if err != nil {
				return nil, &stageError{dlq.StageHeaderConverter, SimpleHeaderConverter, err}
			}
			kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: b})
		}
	}
	if rec.Partition >= 0 {
		kr.Context = withExplicitPartition(rec.Partition)
	}
	return kr, nil
}

// fromKafka converts a consumed record for a sink.
func (c converters) fromKafka(kr *kgo.Record) (record.Record, error) {
	rec := record.Record{Topic: kr.Topic, Partition: kr.Partition, Offset: kr.Offset, Timestamp: kr.Timestamp}
	var err error
	if rec.KeySchema, rec.Key, err = c.key.ToRecord(kr.Topic, kr.Key); err != nil {
		return rec, &stageError{dlq.StageKeyConverter, c.keyClass, fmt.Errorf("convert key of %s/%d@%d: %w", kr.Topic, kr.Partition, kr.Offset, err)}
	}
	if rec.ValueSchema, rec.Value, err = c.value.ToRecord(kr.Topic, kr.Value); err != nil {
		return rec, &stageError{dlq.StageValueConverter, c.valueClass, fmt.Errorf("convert value of %s/%d@%d: %w", kr.Topic, kr.Partition, kr.Offset, err)}
	}
	if len(kr.Headers) > 0 {
		rec.Headers = make([]record.Header, 0, len(kr.Headers))
		for _, h := range kr.Headers {
			rec.Headers = append(rec.Headers, headerFromKafka(h))
		}
	}
	return rec, nil
}
