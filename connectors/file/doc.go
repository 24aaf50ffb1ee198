// Package file holds FileStreamSource and FileStreamSink, Sluice's ports of
// Kafka Connect's example file connectors
// (org.apache.kafka.connect.file.FileStreamSourceConnector and
// FileStreamSinkConnector), written only against the public plugin SDK.
//
// # Source
//
// One task reads the file line by line. A line ends at "\n", "\r" or "\r\n"
// (Kafka's extractLine); an unterminated last line is held back until its
// terminator arrives. Each line becomes a record with a null key and a STRING
// value, exactly as Kafka builds it:
//
//	source partition {"filename": <file as configured>}
//	source offset    {"position": <byte offset just after the line's terminator>}
//
// On Open the task seeks to the committed position of its file, so a restart
// delivers every line after the last committed one (and at most the lines
// read but not yet committed again). At the end of the file the task keeps
// the file open and follows it as it grows, like tail -f: Read waits a
// bounded time (pollInterval), wakes early on ctx cancellation or Stop, and
// returns (nil, nil) when nothing arrived. A file that does not exist yet is
// waited for, as Kafka does.
//
// Deviations from Kafka:
//   - file is required. Kafka reads standard input when it is empty, which
//     is meaningless in a plugin process; Sluice refuses the configuration
//     and names the property.
//   - A file that became shorter than the read position (truncated, or
//     replaced by a smaller one) fails Read with an error wrapping
//     sdk.ErrFatal instead of waiting forever; a rotation by rename is not
//     noticed (Kafka neither).
//   - Invalid UTF-8 is replaced by U+FFFD, as Java's decoder does; the
//     position still counts the file's bytes.
//
// # Sink
//
// The task appends one line per record to the file (created if missing,
// mode 0644). The line is the record's value in string form:
//
//	string           as is (Kafka's toString)
//	[]byte           the raw bytes
//	nil              "null" (what Kafka's println writes)
//	anything else    JSON: structs as objects in field order, maps with
//	                 sorted keys, bytes inside a value in base64, Decimals
//	                 as exact numbers, time.Time in RFC 3339, NaN and
//	                 ±Inf as strings
//
// Kafka writes Java's toString of structs and maps ("Struct{id=1}"), which no
// tool can read back; JSON is the documented deviation. A value of a Go type
// outside the record model is reported to the errant reporter and skipped.
//
// Invariant: Flush writes out the buffer and fsyncs the file before it
// returns offsets, so every offset the runtime commits is on disk; it
// returns, per topic partition, the Kafka offset of the last record written
// or reported errant, plus one. Records written after the last Flush may be
// written again after a restart (at-least-once).
package file
