package runtime

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/transforms"
)

// ByteArrayConverter passes bytes through unchanged.
const ByteArrayConverter = "org.apache.kafka.connect.converters.ByteArrayConverter"

// NewRecordFixer builds the fix-up a dead-letter replay applies to each
// record on its way back, from connector-style properties: key.converter
// and value.converter (with their key.converter.* / value.converter.*
// properties; ByteArrayConverter when absent, so a chain that only routes or
// touches headers needs none) and a transform chain (transforms=…,
// predicates=…). A record's key and value are converted to the record
// model, transformed and converted back; the producer then chooses the
// partition. Bad properties are refused naming each one.
func NewRecordFixer(props map[string]string) (dlq.Fixer, error) {
	p := problems{}
	p.merge(transforms.Validate(props))
	conn := &ConnectorConfig{KeyConverter: ByteArrayConverter, ValueConverter: ByteArrayConverter}
	if v := strings.TrimSpace(props[KeyConverterConfig]); v != "" {
		conn.KeyConverter, conn.KeyConverterProps = v, withPrefix(props, "key.converter.")
	}
	if v := strings.TrimSpace(props[ValueConverterConfig]); v != "" {
		conn.ValueConverter, conn.ValueConverterProps = v, withPrefix(props, "value.converter.")
	}
	conv, err := newConverters(DefaultConverters, conn)
	if err != nil {
		name := KeyConverterConfig
		if strings.HasPrefix(err.Error(), ValueConverterConfig) {
			name = ValueConverterConfig
		}
		p.add(name, "%v", err)
	}
	if err := p.err("replay transforms"); err != nil {
		return nil, err
	}
	chain, err := newTransformChain(props)
	if err != nil {
		return nil, err
	}
	return func(kr *kgo.Record) (*kgo.Record, bool, error) {
		rec, err := conv.fromKafka(kr)
		if err != nil {
			return nil, false, err
		}
		rec, keep, err := applyChain(chain, rec)
		if err != nil || !keep {
			return nil, false, err
		}
		rec.Partition = -1 // the target topic's partitioner decides
		out, err := conv.toKafka(&rec)
		if err != nil {
			return nil, false, fmt.Errorf("convert back: %w", err)
		}
		out.Context = nil
		return out, true, nil
	}, nil
}
