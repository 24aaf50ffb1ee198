// Inspecting and replaying (this file documents what headers.go does not).
//
// An Inspector (NewInspector) works against any Kafka-protocol cluster:
// List and Summary count a DLQ's records and break them down by connector,
// error class, stage and original topic over a bounded scan; Show returns
// the records a Filter selects; Replay produces them again; NewHandler
// serves all three over REST under /dlq. Reads are plain read_committed
// Fetch requests (scan.go), so a bounded range [start, end) knows when it
// is done even across transaction markers.
//
// # Replay progress
//
// A replay has a name (DefaultReplayName: "<dlq>-to-<target|origin>").
// Its progress is the committed offsets of consumer group
// "sluice-dlq-replay-<name>" on the DLQ topic, and its producer's
// transactional id is the same string. Records are produced in chunks
// (BatchSize records or CommitInterval, whichever first), each chunk one
// transaction that also commits the chunk's end positions
// (AddOffsetsToTxn + TxnOffsetCommit, generation -1):
//
//	InitProducerId(txn id)       fences an older run, aborts its open txn
//	OffsetFetch(RequireStable)   progress p per partition
//	fetch [p, end) ─► filter ─► fix-up ─► produce ┐ one transaction
//	                      TxnOffsetCommit(pos) ───┘ EndTxn(commit)
//
// Invariants:
//   - A record is in its target (read_committed) iff the progress is past
//     it: both are written by one transaction. Running a replay twice, or
//     again after a crash or a cancelled context, replays each record once.
//   - Two runs of one name cannot both commit: the later InitProducerId
//     fences the earlier producer. In one process a second run of a
//     running name is refused (ErrReplayRunning).
//   - Records the filter rejects or the Fixer drops advance progress (a
//     chunk that produced nothing commits its positions with a plain
//     OffsetCommit, since there is nothing to make atomic). Replaying them
//     later needs another name.
//   - The end offsets are taken when the replay starts: records that
//     arrive later are for the next run.
//   - Replayed records keep key, value, non-context headers and the DLQ
//     record's timestamp (Kafka Connect's reporter writes the original
//     record's timestamp there); a target topic with
//     message.timestamp.type=LogAppendTime replaces it.
//   - Purge deletes DLQ records only below the committed progress.
//
// Exactly-once holds for consumers that read the target read_committed;
// read_uncommitted consumers may also see records of aborted chunks.
package dlq
