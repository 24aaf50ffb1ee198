// Package bench compares Sluice's broker with the kfake peer
// (test/bench/kfakeserver) under the same franz-go producer and consumer on
// 127.0.0.1, and measures the disk they write to. Run it with
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 30m ./test/bench/ [-args -records N ...]
//
// Each workload (record size x partitions) gets a fresh broker process and
// data directory, so the reported peak RSS (VmHWM) belongs to that workload.
// The producer uses acks=all, idempotence, linger 5 ms and no compression;
// produce latency is per record, from the Produce call to its promise, so at
// peak rate it includes the time a record waits in the client's buffer. A
// second run per broker is paced at half that broker's peak produce rate to
// show latency below saturation.
//
// Output lines name the workload, the figure and the unit, e.g.
//
//	sluice produce 100B p=1: 912345 rec/s 91.2 MB/s p50 1.2 ms p99 4.5 ms rss 80 MB
//
// (MB is 10^6 bytes of record values.) SLUICE_BIN chooses the broker under
// test, as for every suite; the peer is always kfake.
//
// BenchmarkConnectDatagen runs DatagenSource through a standalone worker
// into the broker, with the connector in process and as a plugin subprocess,
// and prints the boundary cost both in wall-clock rate and as CPU per
// record. BenchmarkDatagenBoundary isolates the boundary: the task's Read in
// a loop, no converter, producer or broker, CPU per record of the worker and
// the plugin process. With SLUICE_PLUGIN_CPUPROFILE=/tmp/plugin-%p.prof
// (package sdk) every plugin process writes a CPU profile; -cpuprofile
// profiles the worker side.
package bench
