// Package record is Sluice's structured record model — Kafka Connect's data
// API: Schema, Struct, the logical types Decimal, Date, Time and Timestamp —
// and the compact binary batch form in which records cross the plugin
// process boundary (docs/adr/0010-connector-plugins.md).
//
// # Values
//
// The Go value of each schema type: Int8 int8, Int16 int16, Int32 int32,
// Int64 int64, Float32 float32, Float64 float64, Boolean bool, String string,
// Bytes []byte, Array []any, Map map[any]any (map[string]any is accepted for
// string keys), StructType *Struct, and nil for null. Logical types:
// Decimal (Bytes) Decimal, Date/Time (Int32) time.Time, Timestamp (Int64)
// time.Time. Schemaless data (a nil schema) may be nil, bool, any integer or
// float type above or int, string, []byte, []any, map[string]any,
// map[any]any, *Struct, Decimal or time.Time, nested.
//
// The Type constant for structs is StructType, because Struct is the value
// type.
//
// # Batch format (version 2)
//
// EncodeBatch writes, and DecodeBatch reads, this layout. uv is an unsigned
// LEB128 varint, zz a zig-zag varint, str a uv length and the bytes.
//
//	batch:
//	+-----+-----+---------+------------+--------+-----+--------+
//	| 'S' | 'B' | version | uv count   | record | ... | record |
//	+-----+-----+---------+------------+--------+-----+--------+
//	                 2
//	record:
//	+-------+-------+--------------+-------------+----------------+
//	| flags | topic | zz partition | [timestamp] | key schema ref |
//	+-------+-------+--------------+-------------+----------------+
//	+-----+------------------+-------+---------------------------+
//	| key | value schema ref | value | [uv n, n × header]        |
//	+-----+------------------+-------+---------------------------+
//	+--------------------+-----------------+-------------+
//	| [source partition] | [source offset] | [zz offset] |
//	+--------------------+-----------------+-------------+
//	flags: 1 timestamp, 2 timestamp has sub-ms nanos, 4 source partition,
//	       8 source offset, 16 offset != 0, 32 headers. [x]: present if flagged.
//	timestamp: zz Unix ms [, uv nanos within the ms]
//	topic, header key: interned string: uv 0 + str (defines the next id), or uv id+1
//	header: key, schema ref, value
//	source partition: interned per batch: uv 0 + uv n, n × (str key,
//	  tagged value) (defines the next id), or uv id+1 = a map equal to the
//	  id-th one defined (presence is flag 4, so there is no "none" ref)
//	source offset: key set ref, then the key set's n tagged values in its
//	  order. key set ref: uv 0 + uv n, n × str key (defines the next id), or
//	  uv id+1 = the id-th key set defined earlier in this batch
//
//	schema ref: uv 0 = no schema (schemaless), 1 = definition follows,
//	            id+2 = the id-th schema defined earlier in this batch.
//	schema definition (ids are given in the order definitions end, so
//	children, written as schema refs, get theirs before their parent):
//	+------+-------+--------+-----------+-------+--------------------------+
//	| type | flags | [name] | [zz vers] | [doc] | [uv n, n × (str k,str v)]|
//	+------+-------+--------+-----------+-------+--------------------------+
//	+----------------------------------------------+-----------+
//	| struct: uv n, n × (str field, schema ref)    | [default] |
//	| array: elem ref  | map: key ref, value ref   |           |
//	+----------------------------------------------+-----------+
//	flags: 1 optional, 2 default, 4 name, 8 version, 16 doc, 32 parameters
//
//	value of a schema: a presence byte (0 null, 1 present) if the schema is
//	optional or has a default, then the body:
//	  int8 1 byte | int16/32/64 zz | float32/64 IEEE little-endian 4/8 bytes
//	  boolean 0/1 | string, bytes str | array uv n, n × value
//	  map uv n, n × (key value, value value) | struct each field's value in
//	  order (a struct with no fields: one 0 byte)
//	  Decimal: str of the unscaled value's big-endian two's complement
//	  (Kafka's encoding; the scale is the schema's) | Date zz days |
//	  Time zz ms of the day | Timestamp zz Unix ms
//	schemaless (tagged) value: tag byte, then
//	  0 null | 1 false | 2 true | 3 int8 1 byte | 4 int16 zz | 5 int32 zz |
//	  6 int64 zz (Go int is written as int64) | 7 float32 | 8 float64 |
//	  9 string str | 10 bytes str | 11 []any uv n, n × tagged |
//	  12 map[string]any uv n, n × (str, tagged) | 13 map[any]any uv n,
//	  n × (tagged, tagged) | 14 *Struct schema ref, struct body |
//	  15 Decimal zz scale, str | 16 time.Time zz Unix ms, uv nanos
//
// Version 1 was the same but for the source maps, which it wrote in full
// (uv n, n × (str key, tagged value)) for every record; DecodeBatch still
// reads it, EncodeBatch writes version 2 only. Nothing persists batches.
//
// The encoder reuses a source partition definition for the same map or a
// flat map (scalar values only) with equal keys and identically-typed equal
// values, and a key set for an offset map with exactly those keys. It
// remembers only the first 16 of each per batch, and once they are all in
// use compares a new map by content only with the last one reused, so a
// batch whose maps all differ costs little more to encode than in full.
//
// # Invariants
//
//   - Every value takes at least one byte, so DecodeBatch bounds each count
//     it reads by the bytes left: malformed input is an error wrapping
//     ErrMalformed, never a panic, and allocation stays proportional to the
//     input. Nesting is limited to MaxDepth.
//   - DecodeBatch(EncodeBatch(recs)) equals recs (ValuesEqual) except that
//     times come back in UTC, Timestamp/Date/Time values at Kafka's
//     millisecond precision, Go int as int64, map[string]any under a Map
//     schema as map[any]any, and schemas with equal structure as one shared
//     *Schema, and equal source partitions as one shared map.
//   - Decoded records with the same source partition share one map: treat
//     decoded SourcePartition maps (like decoded schemas) as read-only.
//     Source offset maps are each record's own.
//   - A record's source offset is Record.SourceOffsetMap(). It is the
//     SourceOffset field for every record but those DecodeBatchOwned
//     decoded with LazySourceOffsets: their field is nil until
//     SourceOffsetMap builds the map from the values decoded with the batch
//     (held in the record, aliasing the batch's slabs and key sets) and
//     stores it there. The option changes nothing else: the same input is
//     accepted or rejected, and SourceOffsetMap returns a map equal to the
//     one eager decoding returns. Code handed such records (the worker's
//     source path) reads offsets only through SourceOffsetMap; EncodeBatch
//     does too, without storing.
//   - Decoded strings share one copy of the input; decoded []byte values
//     alias the input itself (with no spare capacity), so the input must not
//     be modified or reused while the records are in use, and keeping one
//     value keeps the whole batch's memory alive. The encoder retains
//     nothing.
//   - A batch is self-contained: interning never crosses batches.
package record
