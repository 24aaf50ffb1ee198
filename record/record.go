package record

import "time"

// Header is one record header; Schema is nil for schemaless values.
type Header struct {
	Key    string
	Schema *Schema
	Value  any
}

// Record is one record as it moves between a connector and the runtime.
type Record struct {
	Topic           string
	Partition       int32 // -1: let the producer choose
	KeySchema       *Schema
	Key             any
	ValueSchema     *Schema
	Value           any
	Headers         []Header
	Timestamp       time.Time      // zero: the broker's time
	SourcePartition map[string]any // source records: where it came from (e.g. {"filename": "/x"})
	SourceOffset    map[string]any // source records: the position after this record (e.g. {"position": 1234})
	Offset          int64          // sink records: the Kafka offset
}

// Validate checks the key, value and headers against their schemas.
func (r *Record) Validate() error {
	if err := validate(r.KeySchema, r.Key, "key", 0); err != nil {
		return err
	}
	if err := validate(r.ValueSchema, r.Value, "value", 0); err != nil {
		return err
	}
	for i := range r.Headers {
		h := &r.Headers[i]
		if err := validate(h.Schema, h.Value, "headers."+h.Key, 0); err != nil {
			return err
		}
	}
	return nil
}
