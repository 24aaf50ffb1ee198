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
//
// Invariants:
//   - An offset is stored only after the broker acknowledged every record of
//     its batch and of every earlier batch; after a failed or abandoned batch
//     nothing more is stored in that run. A restart therefore re-reads at most
//     the unacknowledged window (at-least-once, no loss).
//   - Batches already acknowledged when one is committed are coalesced into one
//     offsets write.
//   - A stop (ctx cancel) stops Read, waits up to
//     task.shutdown.graceful.timeout.ms for in-flight acks, stores their
//     offsets, calls Stop, then releases (kills) the plugin process.
//   - A Read error, a panic of an in-process task or the death of the plugin
//     process fails the task; batches acknowledged before are still committed.
//
// # Sink tasks
//
//	consumer group connect-NAME ─► poll (≤ max.poll.records) ─► convert ─► Write
//	  ─► every offset.flush.interval.ms, on revocation and on stop:
//	     Flush ─► commit exactly the returned offsets
//
// Invariants:
//   - The group's committed offset of a partition is only ever a value Flush
//     returned, and never past the records handed to Write; partitions not
//     assigned are ignored. A failed task is not flushed: its restart resumes
//     from the last commit and the sink sees the unflushed records again.
//   - Rebalances happen only between polls (kgo BlockRebalanceOnPoll); task
//     calls from the poll loop and from rebalance callbacks are serialized.
//   - Errant records are logged and counted (the DLQ comes later).
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
package runtime
