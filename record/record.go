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
	SourceOffset    map[string]any // source records: the position after this record (e.g. {"position": 1234}); see SourceOffsetMap
	Offset          int64          // sink records: the Kafka offset

	// lazyOffset holds SourceOffset's keys and values while the map is not
	// built: only in records DecodeBatchOwned decoded with
	// LazySourceOffsets. SourceOffsetMap builds the map.
	lazyOffset lazyOffset
}

// lazyOffset is a decoded source offset not yet made a map: vals[i] is
// the value of keys[i]. keys is the batch's key set, shared; vals is the
// record's own. A nil vals is no lazy offset.
type lazyOffset struct {
	keys []string
	vals []any
}

// SourceOffsetMap returns the record's source offset: SourceOffset when it
// is set, else the offset DecodeBatchOwned(src, LazySourceOffsets) left
// undecoded, which it makes a map once and stores in SourceOffset (so,
// like an assignment to SourceOffset, it must not run concurrently with
// other uses of r). Code that may see such records reads the source offset
// only through this method; for every other record it is SourceOffset.
func (r *Record) SourceOffsetMap() map[string]any {
	if r.SourceOffset == nil && r.lazyOffset.vals != nil {
		r.SourceOffset = r.lazyOffset.build()
		r.lazyOffset = lazyOffset{}
	}
	return r.SourceOffset
}

// sourceOffset is SourceOffsetMap for readers that must not write r (the
// encoder): a lazy offset is built afresh on each call.
func (r *Record) sourceOffset() map[string]any {
	if r.SourceOffset == nil && r.lazyOffset.vals != nil {
		return r.lazyOffset.build()
	}
	return r.SourceOffset
}

func (l *lazyOffset) build() map[string]any {
	m := make(map[string]any, len(l.keys))
	for i, k := range l.keys {
		m[k] = l.vals[i]
	}
	return m
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
