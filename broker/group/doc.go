// Package group is the broker's classic consumer-group coordinator: the
// JoinGroup/SyncGroup/Heartbeat/LeaveGroup rebalance protocol, committed
// offsets (OffsetCommit, OffsetFetch), transactional offsets (TxnOffsetCommit
// completed by CompleteTxn when the broker writes a transaction marker), and
// the admin APIs over groups (DescribeGroups, ListGroups, DeleteGroups,
// OffsetDelete).
//
// Everything about a group is opaque: protocol type ("consumer", "connect",
// anything), protocol names, member metadata and assignments are bytes the
// coordinator stores and hands back. The only exception is OffsetDelete and
// offset expiry for groups of protocol type "consumer", which read the
// subscribed topics from the standard consumer subscription, as Kafka does.
//
// # Ownership and concurrency
//
// A Coordinator owns partitions of __consumer_offsets (LoadPartition); a group
// belongs to partition PartitionFor(group). State is guarded by two levels of
// mutex:
//
//   - Coordinator.mu guards the partition table and the group index
//     (name → *group). It is held only for lookups and index changes.
//   - group.mu guards everything about one group: state, members, generation,
//     committed and pending transactional offsets, timers. Functions named
//     ...Locked expect it held.
//   - Coordinator.mu also guards each partition's index producer id → groups
//     with pending offsets of that producer (partition.txnGroups), and the
//     CompleteTxn calls that arrive while the partition loads.
//
// Lock order is group.mu → Coordinator.mu (a group may remove itself from the
// index while holding its own lock); never the reverse. A group removed from
// the index (deleted, expired, unloaded) is marked removed under its lock, and
// a request that finds a removed group looks it up again.
//
// Writes to the Store for one group (offset commits, group metadata) are made
// while holding group.mu, so the log order of a group's records is the order in
// which the in-memory state changed, and an OffsetCommit is answered only after
// Store.Append returned. A slow Store therefore stalls that group (only).
//
// Requests that block (JoinGroup until the rebalance completes, SyncGroup until
// the leader's assignment) register a one-slot channel on the member and wait
// on it without the lock. Timers (initial rebalance delay, rebalance timeout,
// session timeouts, offset retention checks) are time.AfterFunc callbacks that
// take group.mu and check a token, so a stale timer does nothing; time is read
// from Config.Now. Tests drive timers with testing/synctest.
//
// A JoinGroup whose context is cancelled (the client connection closed) while
// it waits removes the member if it is dynamic, so the rebalance is not held
// until the rebalance timeout by a member that can never answer. A static
// member stays, as in Kafka, and is expected to rejoin with its instance id.
// A cancelled SyncGroup only stops waiting; the session timeout decides.
//
// # Transactional offsets
//
// TxnOffsetCommit writes its offsets with Store.AppendTxn, a transactional
// batch of the producer, and holds them as pending for that producer id (per
// group, per partition). They are not visible to OffsetFetch: without
// RequireStable it answers the last committed offset, with RequireStable
// (v7+) such a partition answers UNSTABLE_OFFSET_COMMIT and the client retries.
// When the broker has written the producer's COMMIT or ABORT marker into a
// __consumer_offsets partition it calls CompleteTxn, which applies (commit)
// or drops (abort) the producer's pending offsets in every group of that
// partition; replay does the same at a marker record, and offsets still
// pending at the end of the log stay pending until the marker comes. As in
// Kafka, of a committed and a pending offset of one partition the one written
// later to the log wins at commit time: a regular OffsetCommit written after
// a TxnOffsetCommit of the same partition stands when that transaction
// commits, and vice versa. The write order is kept per group as a counter
// (group.logSeq) that follows the log order because a group's writes are
// made under its lock (and replayed in log order).
//
// Interactions, following Kafka's group coordinator (OffsetMetadataManager):
// an offset tombstone (OffsetDelete, expiry, group deletion; transactional or
// not) removes the committed offset and every producer's pending offset of
// that partition. DeleteGroups still requires an Empty group; pending offsets
// do not prevent it: they are dropped, a tombstone is written also for
// partitions that have only a pending offset, and the later COMMIT marker
// applies nothing. Expiry never removes a committed offset of a partition with
// a pending offset, pending offsets never expire, and a group with pending
// offsets is never removed as empty.
//
// Files: coordinator.go (partitions, index, lookup), group.go (group state),
// member.go (members, sessions), rebalance.go (join phase, protocol vote),
// store.go and load.go (records and replay), expire.go (offset retention),
// txn.go (pending transactional offsets, CompleteTxn), one file per Kafka API
// (join_group.go … offset_delete.go, txn_offset_commit.go).
//
// # Invariants
//
//   - An acknowledged OffsetCommit is in the Store: it survives New+LoadPartition.
//   - An acknowledged TxnOffsetCommit is in the Store as a transactional batch;
//     its offsets are visible exactly when its producer's COMMIT marker is in
//     the Store, live (CompleteTxn) and after New+LoadPartition alike, and
//     never after an ABORT marker.
//   - The in-memory state after live requests and CompleteTxn calls is the
//     state replay rebuilds from the same log.
//   - The generation id only grows while a group exists; each completed join
//     phase increments it (also when the group becomes Empty).
//   - A group in Stable or CompletingRebalance has a leader that is a member.
//
// # Record formats in __consumer_offsets (Kafka's exact formats, via kmsg)
//
//	offset commit    key   = OffsetCommitKey v1   int16 version=1 | string group | string topic | int32 partition
//	                 value = OffsetCommitValue v3 int16 version=3 | int64 offset | int32 leader epoch
//	                                              | string metadata | int64 commit timestamp (ms)
//	group metadata   key   = GroupMetadataKey v2  int16 version=2 | string group
//	                 value = GroupMetadataValue v3 int16 version=3 | string protocol type | int32 generation
//	                                              | nullable string protocol | nullable string leader
//	                                              | int64 current state timestamp (ms)
//	                                              | [member id, instance id, client id, client host,
//	                                                 rebalance timeout, session timeout,
//	                                                 subscription bytes, assignment bytes]
//	delete           same key, nil value (tombstone)
//
// Ordinary records are written with Store.Append (ProducerID -1). The offset
// records of a TxnOffsetCommit are the same records, written with
// Store.AppendTxn as one transactional batch of the producer; the broker ends
// the transaction with a control batch (COMMIT/ABORT marker) of that producer,
// which Replay hands over as a Record with Marker set:
//
//	... | txn batch pid=P: offset(g,t,0) offset(g,t,1) | ... | control pid=P: COMMIT | ...
//	          pending for P in group g                          applied (or dropped at ABORT)
//
// Replay reads key versions 0/1 (offsets) and 2 (group metadata) and every
// value version kmsg decodes.
package group
