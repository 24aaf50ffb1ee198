// Package runtime runs connectors: the worker configuration, the standalone
// herder (Worker), and the source and sink task loops, with Kafka Connect's
// property names and WorkerSourceTask / WorkerSinkTask semantics.
//
// Connectors and task instances come from a Plugins: InProcess (sdk
// connectors linked into the binary; tests and benchmarks) or Subprocess
// (plugin processes through plugins/host, one per task). The loops are the
// same for both.
//
// # Source tasks
//
//	Read ─► convert (key, value, headers) ─► create topic (KIP-158, first sight)
//	  ─► kgo.Produce (idempotent, acks=all) ─► batch queue (≤ 32, in read order)
//	  ─► all records of the batch acknowledged ─► offsets.Save ─► task.Commit
//	     (at most once per source.offset.commit.interval.ms, default 0:
//	     after every batch; the batches acknowledged in between are stored
//	     together)
//
// Invariants:
//   - An offset is stored only after the broker acknowledged every record of
//     its batch and of every earlier batch; after a failed or abandoned batch
//     nothing more is stored in that run. A restart therefore re-reads at most
//     the unacknowledged window (at-least-once, no loss).
//   - Batches already acknowledged when one is committed, and with
//     source.offset.commit.interval.ms > 0 those acknowledged within the
//     interval, are coalesced into one offsets write; a stop stores whatever
//     was acknowledged. (Kafka Connect stores source offsets every
//     offset.flush.interval.ms, 60 s by default. Per batch, the standalone
//     worker's file write and fsync are a third of its CPU at 10,000 CDC
//     events/s. The stalls a 1 s interval once caused came from the
//     Postgres connector's Read taking a record or two at a time, since
//     fixed: docs/adr/0010's addenda.)
//   - A stop (ctx cancel) stops Read, waits up to
//     task.shutdown.graceful.timeout.ms for in-flight acks, stores their
//     offsets, calls Stop, then releases (kills) the plugin process.
//   - A Read error, a panic of an in-process task or the death of the plugin
//     process fails the task; batches acknowledged before are still committed.
//
// # Sink tasks
//
//	consumer group connect-NAME ─► poll (≤ max.poll.records) ─► convert ─► transforms ─► Write
//	  ─► every offset.flush.interval.ms, on revocation and on stop:
//	     Flush ─► commit exactly the returned offsets
//
// Invariants:
//   - The group's committed offset of a partition is only ever a value Flush
//     returned, and never past the records handed to Write; partitions not
//     assigned are ignored. The one exception: records never handed to Write
//     (dropped by a transformation, or skipped under errors.tolerance=all)
//     after the last durable one are committed past, once their dead-letter
//     records are acknowledged. A failed task is not flushed: its restart
//     resumes from the last commit and the sink sees the unflushed records
//     again.
//   - Rebalances happen only between polls (kgo BlockRebalanceOnPoll); task
//     calls from the poll loop and from rebalance callbacks are serialized.
//
// # Errors (errors.* properties, tolerance.go)
//
// A record that fails a stage (conversion, a transformation, a produce the
// broker refuses, or reported errant by a sink) fails the task under
// errors.tolerance=none, with the stage, topic, partition and offset in the
// reason. Under all it is skipped: counted, logged when errors.log.enable,
// and produced to errors.deadletterqueue.topic.name with the
// __connect.errors.* headers (package dlq) when one is configured, for
// source connectors too. No offset passes a skipped record before its
// dead-letter record is acknowledged. Retriable failures (sdk.ErrRetriable,
// retriable broker errors) of Read and Write are retried for
// errors.retry.timeout with jittered exponential delays.
//
// # Failures
//
// A failed task is FAILED with its reason and restarted after a backoff that
// doubles from task.restart.backoff.initial.ms (1s) to
// task.restart.backoff.max.ms (60s); every run resumes from committed offsets.
// The worker never exits because of a task.
//
// # Headers
//
// Header values cross the log as in Kafka's SimpleHeaderConverter, reduced:
// see headerBytes. Source offsets are stored by package offsets.
//
// # Config providers
//
// Connector configs may hold ${env:NAME} (an environment variable of the
// worker) and ${file:PATH:KEY} (property KEY of the Java .properties file
// PATH), Kafka's KIP-297 syntax, whole values or parts of them. Stored
// configs keep the placeholders; they are resolved on the worker when a
// connector starts (its TaskConfigs sees the values; the task configs it
// returns get the placeholders back, see RestorePlaceholders) and at every
// task start. An unknown provider, a missing variable, file or key fails
// the connector or task with an error naming the property and the
// placeholder, never a value. Validation resolves what this worker can and
// checks the values. Both providers are built in; the worker property
// config.providers (and config.providers.*) is accepted for Kafka
// compatibility, with a warning for names other than env and file.
//
// # Metrics
//
// Worker.Metrics serves Prometheus metrics from a registry the worker owns
// (Worker.Registry), labels connector and task:
// sluice_connect_task_records_read_total, _records_written_total,
// _records_failed_total, sluice_connect_task_batch_duration_seconds,
// sluice_connect_task_offset_commit_duration_seconds,
// sluice_connect_task_offset_commit_failures_total,
// sluice_connect_task_state (label state; 1 for the current one), and
// sluice_connect_sink_lag_records (labels topic, partition: the high
// watermark of the last fetch minus the committed offset).
package runtime
