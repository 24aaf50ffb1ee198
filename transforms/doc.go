// Package transforms holds the single message transforms (SMTs) and
// predicates, with Kafka Connect's names, variants and options, and the
// chain a connector configures with transforms=a,b and predicates=p.
//
// # What it owns
//
// Plugins lists every transformation and predicate (built fresh on each
// call: there is no package-level registry), under Kafka's class name with
// the short name as alias (org.apache.kafka.connect.transforms.Cast$Value,
// Cast$Value). Validate checks a connector's properties; NewChain builds
// the Chain that the runtime applies to each record.
//
// Transformations (Kafka 3.x/4.x options; $Key and $Value variants where
// Kafka has them): Cast, DropHeaders, ExtractField, Filter, Flatten,
// HeaderFrom, HoistField, InsertField, InsertHeader, MaskField,
// RegexRouter, ReplaceField, SetSchemaMetadata, TimestampConverter,
// TimestampRouter, ValueToKey, and Debezium's
// io.debezium.transforms.ExtractNewRecordState. Predicates:
// TopicNameMatches, HasHeaderKey, RecordIsTombstone.
//
// # Invariants
//
//   - Apply never modifies its input: structs, maps and header slices are
//     copied before they change, so a record may be shared with the caller.
//   - A transformation's output key and value match their schemas when the
//     input's did (the tests check Record.Validate on outputs).
//   - Derived schemas are cached by the pointer of the input schema (bounded
//     caches, guarded by a mutex), so records with the same schema get the
//     same output schema pointer, which converters may rely on for caching.
//   - Run-time failures are errors, never panics: Chain.Apply turns a panic
//     in a transformation or predicate into an *ApplyError; Validate and
//     NewChain never panic on any input (FuzzValidate).
//   - Validate reports every problem under its full property name
//     (transforms.a.field, predicates.p.pattern); NewChain fails with a
//     *ConfigError exactly when Validate reports problems.
//
// # Deviations from Kafka
//
//   - Regular expressions are Go's RE2: Java look-around and
//     back-references are rejected at validation. Replacements use Java's
//     syntax ($1, ${name}, backslash escapes).
//   - SimpleDateFormat patterns (TimestampConverter, TimestampRouter) are
//     translated to Go layouts: letters y Y M d D H h m s S a E z Z X and
//     quoted literals are supported; S must follow '.' or ','; literals Go
//     would read as layout elements (digits, "Jan", "PM" …) are rejected.
//   - Y (week year, used by Confluent's TimestampRouter example
//     "YYYYMM") is formatted as the calendar year y; Java's week year
//     differs only for the last days of December that fall in a week
//     containing 1 January.
//   - InsertHeader infers the literal's type for scalars only (boolean,
//     the smallest integer type, float32/float64, ISO date/time/timestamp,
//     else string); Kafka also parses arrays and maps.
//   - InsertField's offset.field uses Record.Offset for every record; Kafka
//     rejects it for source records.
//   - field.syntax.version=V2 (nested paths) is supported by ExtractField
//     only.
//   - Cast of a schemaless time.Time or Decimal is an error, as in Kafka
//     (they have no inferable Connect type); with a schema they cast.
//   - ExtractNewRecordState also recognises a struct envelope by its op,
//     before and after fields (not only a schema name ending ".Envelope"),
//     and unwraps schemaless map envelopes (Debezium passes those
//     unchanged). drop.fields.keep.schema.compatible=true drops only the
//     optional fields named in the header. The delete-to-tombstone mode
//     turns deletes into tombstones (null value and schema) and drops the
//     original tombstones.
package transforms
