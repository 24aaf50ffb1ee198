package convert

import (
	"github.com/sluicehq/sluice/record"
)

// byteArrayConverter is org.apache.kafka.connect.converters.ByteArrayConverter:
// bytes pass through unchanged.
type byteArrayConverter struct{ schema *record.Schema }

// FromRecord accepts a nil or Bytes schema and a []byte (or nil) value.
func (byteArrayConverter) FromRecord(topic string, schema *record.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != record.Bytes {
		return nil, dataErr("invalid schema type for ByteArrayConverter: %s", kafkaTypeName(schema.Type))
	}
	switch v := value.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	}
	return nil, dataErr("ByteArrayConverter is not compatible with objects of type %T", value)
}

// ToRecord returns an optional bytes schema and data (nil stays nil).
func (c byteArrayConverter) ToRecord(topic string, data []byte) (*record.Schema, any, error) {
	if data == nil {
		return c.schema, nil, nil
	}
	return c.schema, data, nil
}
