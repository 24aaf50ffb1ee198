// Package cdcbench measures PostgresCdcSource end to end, in one run:
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 30m ./test/cdcbench/ [-args -cdc-snapshot-rows N ...]
//
// (a) snapshot: -cdc-snapshot-rows rows of about 1 KB read by the connector
// (in the plugin subprocess of a `sluice connect standalone` worker
// process, as users run it) into a Sluice broker subprocess, events/s from the worker's start until the
// topic's end offsets hold every row;
// (b) streaming: concurrent writers commit -cdc-stream-events inserts and
// updates (pgbench-like: 3 updates and 2 inserts per transaction) while
// slots, created before the load, hold the WAL; then consumers drain the
// same WAL, each from a slot of its own: (b) the connector into the
// broker and (c) pg_recvlogical with pgoutput to /dev/null (the ceiling of
// what the server can emit) take turns for -cdc-rounds rounds, after one
// untimed pg_recvlogical pass that brings the WAL into the page cache, and
// their medians are compared; (d) Conduit v0.14's built-in Postgres source
// into the same broker through its Kafka destination (test/scripts/conduit.sh
// builds it; it also runs the snapshot of (a));
// (e) latency from commit to readable: writers commit -cdc-latency-rate
// changes/s, each row stamped with clock_timestamp() at insert (its
// transaction commits microseconds later), a consumer compares the stamp
// with the time it fetched the record; p50 and p99 after one second of
// warm-up.
//
// Each figure is one line, naming the workload, the figure and the unit;
// the machine's load average is printed first. Streaming lines also give
// the CPU time per event of each process involved (the walsender, the
// plugin, the worker, the broker; pg_recvlogical; Conduit), read from
// /proc every 10 ms: on a machine of few cores the rate is bounded by their
// sum. SLUICE_CPUPROFILE=/tmp/w-%p.prof and
// SLUICE_PLUGIN_CPUPROFILE=/tmp/p-%p.prof write CPU profiles of each worker
// and plugin process (and of the broker) the benchmark starts.
// -cdc-worker-props k=v,k=v adds worker properties to every Sluice worker
// (for example source.offset.commit.interval.ms=1000). Contention can be
// added beside it, e.g. a busy loop `bash -c 'while :; do :; done' &`,
// which is how the per-record Read wake-ups of ADR 10's addendum showed
// up. The PostgreSQL server is
// the shared local one (test/scripts/postgres.sh): the benchmark uses a
// database of its own and drops it with its slots.
package cdcbench
