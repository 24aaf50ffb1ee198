// Package log is the broker's partition log: one *Log per topic partition,
// in its own directory, holding Kafka magic 2 record batches exactly as the
// producer sent them. Only baseOffset and partitionLeaderEpoch (both
// outside the CRC) are rewritten on append; Read returns stored bytes
// without re-encoding. Two documented exceptions change bytes under the
// CRC, each recomputing it: message.timestamp.type=LogAppendTime (attribute
// bit and maxTimestamp, as Kafka does) and compaction output.
//
// # On disk
//
//	<partition dir>/
//	  00000000000000000000.log        batches back to back
//	  00000000000000000000.index      sparse offset index
//	  00000000000000000000.timeindex  sparse time index
//	  00000000000000000000.txnindex   aborted transactions whose marker is here
//	  00000000000000001234.log        next segment, base offset 1234
//	  00000000000000001234.index
//	  00000000000000001234.timeindex
//	  00000000000000001234.txnindex
//	  00000000000000001234.snapshot   producer state for offsets < 1234
//	  leader-epoch-checkpoint         "0\n<n>\n<epoch> <startOffset>\n..."
//	  log-start-offset                decimal, when DeleteRecords/retention moved it
//	  recovery-point                  decimal: segments wholly below are fsynced
//	  clean-shutdown                  present only between Close and Open
//	  cleaner-checkpoint              compaction progress (compacted logs)
//	  *.cleaned, *.swap               compaction output being swapped in
//	                                  (compact_swap.go); recovery finishes
//	                                  or discards them
//
//	.log      +--------------------+--------------------+----
//	          | batch @ base       | batch @ base+n     | ...
//	          +--------------------+--------------------+----
//	          batch = baseOffset int64 | batchLength int32 | leaderEpoch int32 |
//	                  magic int8 (2) | crc uint32 | attributes int16 | ... |
//	                  records        (see batch.go for every field)
//
//	.index    +-----------------+----------------+
//	          | relOffset u32   | position u32   |  one entry per
//	          +-----------------+----------------+  index.interval.bytes
//	.timeindex+-----------------+----------------+
//	          | maxTimestamp i64| relOffset u32  |  when the max grew
//	          +-----------------+----------------+
//	.txnindex +-------------+-----------+--------------+-------------+-----------+
//	          | version i16 | producer  | firstOffset  | lastOffset  | LSO after |
//	          | (0)         | id i64    | i64          | i64 (marker)| i64       |
//	          +-------------+-----------+--------------+-------------+-----------+
//	          34 bytes per ABORT marker, in marker order (txnindex.go); the
//	          file exists, possibly empty, for every segment
//	.snapshot version u16 (2) | crc32c u32 | count i32 | producers, each
//	          with its open transaction's first offset (snapshot.go)
//
// Names are the segment base offset zero padded to 20 digits, as in Kafka.
// All integers are big endian. Index files grow entry by entry (no
// preallocation) and are searched with pread, never loaded into memory.
// Auxiliary files are written to a temporary name, fsynced and renamed.
//
// # Invariants
//
//   - An acknowledged batch that the flush policy promised durable survives a
//     crash: with flush.messages reached Append returns only after the
//     fsync; Sync(offset) returns only after an fsync covering offset.
//   - Recovery never loses an fsynced batch and keeps exactly the prefix of
//     intact batches: it verifies length, magic, CRC and offset order of
//     every batch in segments not known to be fsynced, truncates at the
//     first bad one and drops any later segment.
//   - Offsets only grow: batch base offsets strictly increase across the
//     log, segments are contiguous (each starts where the previous ends;
//     compaction keeps the last batch of a segment, possibly empty, to
//     keep it so), and the log start offset only moves up.
//   - The active (last) segment is never deleted or compacted.
//   - Memory does not grow with data written: no batch is cached; per
//     segment only a fixed summary is kept; producer state is bounded by
//     producer.id.expiration.ms; compaction's key map is bounded.
//   - A batch is readable once Append returns and is never seen half
//     written: appends and reads share Log.mu.
//   - Transactions (txn.go): LastStableOffset is the first offset of the
//     oldest open transaction (else EndOffset), and AbortedTransactions
//     lists every ABORT marker's {producer, first offset}. After a crash or
//     restart both are exactly what the surviving batches define: the
//     snapshot carries open transactions, recovery replays data batches and
//     markers after it, and rebuilds every .txnindex from the first one it
//     cannot trust (missing, torn, or in a segment it had to verify).
//   - A .txnindex lives and dies with its segment: retention deletes it,
//     compaction carries its entries into the merged segment, recovery
//     deletes it when it drops the segment.
//   - Compaction never cleans past the last stable offset, drops the data
//     of aborted transactions (so it never becomes a key's latest value)
//     and keeps every COMMIT/ABORT marker (compact_txn.go).
//   - A producer with an open transaction is never expired.
//
// Concurrency and lock order are described on Log; group commit in sync.go;
// recovery in recovery.go (transactions: txn_recovery.go); compaction in
// compact.go.
//
// The config field FsyncOnAck is not acted on by the log itself: the
// broker reads it and calls Sync before acknowledging acks=all.
package log
