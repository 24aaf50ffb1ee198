// Package postgres holds PostgresCdcSource (alias
// io.debezium.connector.postgresql.PostgresConnector), a change-data-capture
// source for PostgreSQL 14+ built on logical decoding with the built-in
// pgoutput plugin (jackc/pgx and jackc/pglogrepl), written only against
// the public plugin SDK. Its configuration keys, records and offsets follow
// Debezium's PostgreSQL connector, so existing consumers understand them.
// Decisions are in docs/adr/0015-postgres-cdc.md.
//
// # Records
//
//	topic      <topic.prefix>.<schema>.<table>      change events
//	           <topic.prefix>.message               pg_logical_emit_message events
//	           __debezium-heartbeat.<topic.prefix>  heartbeats (heartbeat.interval.ms)
//	key        Struct <prefix>.<schema>.<table>.Key: the primary key (or
//	           message.key.columns); null for a table without either
//	value      Struct <prefix>.<schema>.<table>.Envelope:
//	           before, after  <…>.Value (optional); before only with REPLICA
//	                          IDENTITY FULL (a delete's before holds the key,
//	                          other NOT NULL columns get Debezium's fallbacks)
//	           source         io.debezium.connector.postgresql.Source
//	           op             c, u, d, r (snapshot), t (truncate)
//	           ts_ms, ts_us, ts_ns, transaction (always null)
//	           a delete is followed by a tombstone (tombstones.on.delete); an
//	           update that changes the key is a delete, a tombstone and a create
//
// Types map as Debezium's defaults (time.precision.mode=adaptive,
// decimal.handling.mode=precise) do: see types.go; unchanged TOASTed values
// pgoutput does not send become unavailable.value.placeholder. A row with a
// value the connector cannot map (a multi-dimensional array, say) becomes a
// failed record (sdk.FailedRecord) of its raw columns with the event's
// offset, which errors.tolerance sends to the dead-letter queue or fails
// the task with; in an incremental snapshot it fails the task.
//
// # Offsets
//
// Source partition {"server": topic.prefix}. A streamed event's offset:
//
//	lsn_commit  commit LSN of its transaction (transactions are emitted
//	            whole, in commit order)
//	seq         its number within the transaction, from 1
//	lsn, txId, ts_usec   the change's LSN, the transaction id, commit time
//
// (lsn_commit, seq) orders every event. Open with a committed offset starts
// replication at lsn_commit (the server skips transactions that committed
// earlier) and drops the events at or below (lsn_commit, seq): resume is
// exact, with no gap and no duplicate. Snapshot records carry snapshot=true,
// snapshot_seq and the slot's consistent point; the last one
// last_snapshot_record=true. Once a signal of the kafka channel was acted
// on, every offset also holds incremental_snapshot_signal_offset, its
// offset in the signal topic: a restart reads the topic after it. While an
// incremental snapshot runs, every offset also holds its state
// (incremental_snapshot_correlation_id, _collections, _primary_key,
// _maximum_key; JSON strings, see incremental_offset.go): a restart goes
// on from the chunk after the last one wholly delivered, so at most one
// chunk is read again. An offset without them: no snapshot is running.
//
// # Invariants
//
//   - The slot's confirmed flush position never passes a position the
//     runtime has not committed: Commit confirms the commit LSN of the last
//     durable record's transaction (the transaction itself stays
//     replayable), and only when every record handed out was committed and
//     no transaction is open does the position follow the server's WAL end
//     (keepalives, heartbeats), so an idle connector does not hold WAL.
//   - Memory is bounded: changes are handed on as they are decoded, through
//     a queue of max.queue.size records; a large transaction is never held
//     whole. On PostgreSQL 14+ the stream runs pgoutput protocol 2 with
//     streaming 'on': a transaction beyond logical_decoding_work_mem
//     arrives in blocks before it commits, goes to a temporary file of its
//     own (raw pgoutput messages; subtransaction aborts truncate it) and
//     is replayed through the same decoder at Stream Commit, dropped at
//     Stream Abort (spill.go). Only committed changes are emitted, in
//     commit order, numbered as protocol 1 numbers them. Disk use: the
//     open streamed transactions' changes, under $TMPDIR. Older servers
//     run protocol 1 and spill on their side.
//   - Read is woken once per transaction (after its commit is decoded), not
//     per record, and whenever the queue is full: a batch holds whole
//     transactions, up to max.batch.size (reader.wake; docs/adr/0010).
//   - A snapshot reads every captured table in REPEATABLE READ
//     transactions (snapshot.max.threads of them, one table at a time each)
//     that imported the snapshot the slot exported at creation, so the
//     snapshot and the stream from the slot's consistent point meet without
//     a gap or an overlap. An interrupted snapshot is not resumed:
//     the next start drops the slot and takes the snapshot again.
//   - A lost connection (server restart, walsender terminated) is retried
//     with backoff from the last record handed out; a slot that is gone or
//     lost its WAL fails the task with a fatal error that says how to
//     recover, unless snapshot.mode=when_needed, which takes a new snapshot.
//
// # Files
//
//	connector.go  Spec, Validate (connects and checks the server), TaskConfigs
//	configdef.go  the ConfigDef: Debezium's key names, defaults, validators
//	config.go     the parsed configuration
//	filter.go     include/exclude lists, message.key.columns
//	task.go       the SourceTask: Read from the queue, Commit, Stop
//	setup.go      Open's work: publication, slot, snapshot decision
//	reader.go     the goroutine that owns the connections; reconnects, status updates, heartbeats
//	stream.go     pgoutput messages to change events
//	dml.go        Insert/Update/Delete decoded without pglogrepl (the hot path); unmappable rows
//	spill.go      protocol 2: streamed in-progress transactions spilled to temporary files
//	snapshot.go   the initial snapshot (keyset-paginated chunks, parallel tables)
//	incremental.go  incremental snapshots (DBLog watermarks), signals from the signal table
//	incremental_offset.go  an incremental snapshot's state in the offsets, resume
//	signals.go    the kafka signal channel (signal.enabled.channels=kafka; docs/adr/0017-cdc-signals.md)
//	offset.go     positions, offsets, the progress shared with Commit
//	slot.go       slots and publications
//	catalog.go    pg_catalog lookups (types, columns, primary keys, tables)
//	table.go      a table's schemas and row decoding
//	envelope.go   Debezium's record shapes; boxing an event's values without an allocation each
//	types.go, timefmt.go  PostgreSQL text forms to Kafka Connect values
//	connect.go    connection settings and error classification
package postgres
