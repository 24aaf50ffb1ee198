// Package offsets stores source connectors' offsets: for each connector and
// source partition, the position after the last record the broker
// acknowledged. The runtime saves an offset only after every record up to it
// was acknowledged, so a task restarted from the store re-reads at most what
// was not yet acknowledged, and never skips an acknowledged record's
// successor.
//
// File is the standalone store (offset.storage.file.filename). Its content is
// keyed like Kafka Connect's FileOffsetBackingStore — key [connector name,
// source partition], value the source offset, both JSON — but the file is a
// JSON document instead of a serialized Java HashMap:
//
//	{
//	  "format": "sluice.offsets.v1",
//	  "offsets": [
//	    {"key":["<connector>",{<source partition>}],"value":{<source offset>}},
//	    ...                 one entry per line, sorted by the key's JSON text
//	  ]
//	}
//
// For example, after a Postgres source committed LSN 42:
//
//	{"key":["pg",{"server":"db1"}],"value":{"lsn":42}}
//
// Keys are canonical JSON (object keys sorted), so one source partition has
// one entry however its map was built.
//
// A save writes the whole document to "<file>.tmp", fsyncs it, renames it over
// the file and fsyncs the directory, so a crash leaves either the old or the
// new document, never a torn one. Integers read back as int64 when they fit,
// other numbers as float64 (the SDK's rule for offsets that cross a process
// boundary). Memory is the in-memory twin, for tests.
package offsets
