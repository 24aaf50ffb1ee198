// Package compaction checks the broker's log cleaner end to end: on a topic
// with cleanup.policy=compact, small segments and a short
// delete.retention.ms, overwritten values and expired tombstones must
// disappear, while the latest value of every live key stays at its
// original offset.
//
// Env: SLUICE_BIN (see test/internal/brokerproc).
package compaction
