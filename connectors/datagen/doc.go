// Package datagen holds DatagenSource, a source connector that generates
// records for demos, tests and benchmarks, written only against the public
// plugin SDK.
//
// # Records
//
// Each task generates a numbered stream. Record number i (from 0) of task t
// is a pure function of (seed, t, i): a restarted task that resumes from a
// committed offset regenerates exactly the records it had produced after that
// offset, so "nothing lost" can be checked end to end by regenerating. The
// record carries
//
//	source partition {"task": t}
//	source offset    {"seq": i+1}      the number of the next record, i.e.
//	                                   the position after this one (ADR 10)
//	key              "key-N", N in [0, key.cardinality), STRING schema;
//	                 null when key.cardinality is 0
//	value            a Struct of the configured schema (see schemas.go):
//	                 users, orders, pageviews (the fields of Confluent's
//	                 datagen quickstarts), bytes100, bytes1k (a sequence
//	                 number, a timestamp and a payload of random bytes that
//	                 bring the value to about 100 B or 1 KiB)
//
// Timestamps inside values count from 2026-01-01T00:00:00Z and grow with i;
// the record timestamp is left to the broker.
//
// # Tasks
//
// TaskConfigs splits count and records.per.second evenly over at most
// tasks.max tasks (never more tasks than records) and gives each its index in
// the internal property task.index.
//
// # Speed
//
// Read generates up to batch.size records at once. Values are built from
// tables of pre-boxed strings, payloads are cut from one slab per batch, and
// the partition map is shared by all records of a task (the runtime treats
// records as read-only), so a record costs a handful of small allocations:
// its Struct, boxed numbers and its offset map.
//
// # Pacing
//
// With records.per.second > 0 a task keeps its average rate since its first
// Read, catching up at most one second's worth of lag. When it
// is ahead, or when count is exhausted, Read waits a bounded time (never more
// than idleWait), wakes early on ctx cancellation or Stop, and may return
// (nil, nil).
package datagen
