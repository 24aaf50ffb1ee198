// Package convert holds Kafka Connect's converters: the translation between
// the record model (github.com/sluicehq/sluice/record) and the bytes of a
// Kafka record's key, value or header.
//
//   - org.apache.kafka.connect.json.JsonConverter (alias json): byte-for-byte
//     the JSON Kafka Connect's JsonConverter writes, envelope
//     {"schema":...,"payload":...} when schemas.enable=true (the default).
//   - org.apache.kafka.connect.storage.StringConverter (alias string).
//   - org.apache.kafka.connect.converters.ByteArrayConverter (alias bytes).
//
// A converter is configured with Kafka Connect's own property names (the
// worker has already stripped the "key.converter." / "value.converter."
// prefix); unknown properties are ignored, as Kafka Connect ignores them.
// Converters are safe for concurrent use: their only state is a bounded
// schema cache guarded by a mutex.
//
// Where the JSON differs from Kafka's, the difference is listed on
// JSONConverter. Errors are *DataError values (Kafka's DataException) that
// name the path of the offending value, e.g. "address.zip".
package convert
