// Package txn is the broker's transaction coordinator: InitProducerId for
// transactional producers, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, the
// admin APIs DescribeTransactions and ListTransactions, and Verify, the
// check a transactional Produce makes (KIP-890 part 1). It speaks Kafka's
// classic protocol, "transaction version 1": the epoch is bumped by
// InitProducerId and by fencing, not by every EndTxn.
//
// # Life of a transaction
//
//	InitProducerId ──► Empty ──AddPartitions/AddOffsets──► Ongoing ──EndTxn──► PrepareCommit|PrepareAbort
//	                     ▲                                   │ (timeout or InitProducerId:        │ markers written
//	                     │                                   │  bump epoch, PrepareAbort)         ▼ (async, retried)
//	                     └──────────── AddPartitions ─────── CompleteCommit|CompleteAbort ◄───────┘
//
// EndTxn is answered once PrepareCommit/PrepareAbort is durable; a marker
// writer then calls Markers.WriteMarkers for the transaction's partitions,
// retries failed ones with exponential backoff, and persists CompleteCommit/
// CompleteAbort with no partitions. Kafka's PrepareEpochFence is never
// visible: the epoch bump that fences a producer and PrepareAbort are one
// write.
//
// # Ownership and concurrency
//
// A Coordinator owns partitions of __transaction_state (LoadPartition); a
// transactional id belongs to partition PartitionFor(id). State is guarded
// by two levels of mutex, as in package group:
//
//   - Coordinator.mu guards the partition table and the index
//     (id → *txn). It is held only for lookups and index changes.
//   - txn.mu guards everything about one transactional id: its metadata,
//     the last producer id/epoch (KIP-360 retries), the marker generation.
//     Functions named ...Locked expect it held.
//
// Lock order is txn.mu → Coordinator.mu; never the reverse. A txn removed
// from the index (expired, unloaded) is marked removed under its lock, and a
// request that finds a removed txn looks it up again.
//
// Every transition is written to the Store while holding txn.mu and becomes
// the in-memory state only once Append returned nil, so memory never runs
// ahead of the log and a failed write changes nothing. Writes use the
// partition's context (cancelled by UnloadPartition/Close), never the
// request's. A slow Store stalls that transactional id (only).
//
// Goroutines: one background goroutine (timeout aborts, id expiry; stopped
// by Close) and at most one marker writer per transactional id, started
// after a Prepare transition (a new one needs the transaction completed).
// Marker writers belong to their partition: UnloadPartition and Close cancel
// them and wait for them. At most Config.MarkerConcurrency WriteMarkers
// calls are in flight; the others wait for a slot. A writer completes the
// transaction only if txn's marker generation is still its own. Time is read
// from Config.Now; waits use timers, so tests drive them with
// testing/synctest.
//
// # Invariants
//
//   - An acknowledged transition (a successful answer) is in the Store: it
//     survives New+LoadPartition, and a loaded PrepareCommit/PrepareAbort
//     has its markers written again.
//   - Markers of a transaction carry the epoch persisted with its Prepare
//     state; a fenced transaction's abort markers carry the bumped epoch.
//   - A transactional id has at most one marker writer.
//   - Empty, CompleteCommit and CompleteAbort have no partitions.
//
// # Record format in __transaction_state (Kafka's exact format, via kmsg)
//
//	key   = TxnMetadataKey v0    int16 version=0 | string transactional id
//	value = TxnMetadataValue v0  int16 version=0 | int64 producer id | int16 producer epoch
//	                             | int32 timeout (ms) | int8 state
//	                             | [string topic, [int32 partition]]
//	                             | int64 last update timestamp (ms)
//	                             | int64 start timestamp (ms, -1 if none)
//	delete = same key, nil value (tombstone)
//
//	state: 0 Empty  1 Ongoing  2 PrepareCommit  3 PrepareAbort
//	       4 CompleteCommit  5 CompleteAbort  6 Dead  7 PrepareEpochFence
//
// Replay reads key version 0 and value versions 0 and 1 (kmsg decodes both;
// v1's tagged fields are ignored). The last producer id and epoch are not
// in v0, so, as in Kafka, a KIP-360 retry that spans a reload is fenced.
//
// Files: coordinator.go (config, index, persistence), load.go (loading,
// unloading, Close), state.go (states and metadata), store.go (records and
// replay), markers.go (marker writers), timeout.go (timeout aborts, id
// expiry), verify.go, and one file per Kafka API (init_producer_id.go …
// list_transactions.go).
package txn
