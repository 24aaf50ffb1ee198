package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/connectors/datagen"
	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/offsets"
	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

var (
	connectRecords = flag.Int("connect-records", 500_000, "records per connect workload (BenchmarkConnectDatagen)")
	connectSchemas = flag.String("connect-schemas", "bytes100,bytes1k", "comma-separated datagen schemas measured by BenchmarkConnectDatagen")
	connectModes   = flag.String("connect-modes", "in-process,plugin", "comma-separated connector modes measured by BenchmarkConnectDatagen: in-process, plugin (the boundary cost needs both)")
	connectRounds  = flag.Int("connect-rounds", 3, "runs of each connect workload; the median is reported")
	connectOffsets = flag.String("connect-offsets", "file", "source offset store of the connect worker: file (offset.storage.file.filename, fsync per commit, what a user runs) or memory")
)

// connectMode is how the worker gets DatagenSource.
type connectMode struct {
	name    string // in the output: in-process or plugin
	plugins runtime.Plugins
}

type connectResult struct {
	rate       float64       // records/s from Worker.Run to end offsets reaching the count
	steadyRate float64       // records/s from the first record visible to the count
	firstAt    time.Duration // from Worker.Run to the first record visible
	recBytes   float64       // mean key+value bytes of a record on the broker
	cpuHost    time.Duration // this process (the worker; also the end-offset poller)
	cpuPlugin  time.Duration // plugin processes (0 in process)
	cpuBroker  time.Duration
	rss        int64 // broker peak RSS
}

// BenchmarkConnectDatagen measures records/s from DatagenSource through a
// standalone worker into a fresh Sluice broker subprocess, with the
// connector linked in process and served by the plugin subprocess
// (`sluice plugin serve DatagenSource`, found by host.Discover as the
// worker does). The figure runs from Worker.Run until the topic's end
// offsets reach -connect-records (polled every 5 ms); "boundary cost" is how
// much slower the plugin runs than in process. The worker runs in this
// process with what a user would configure: StringConverter keys,
// JsonConverter values with schemas.enable=false, the offsets file. The
// broker is a subprocess (SLUICE_BIN, as for BenchmarkBrokers) so that its
// CPU time is measured apart from the worker's (this process) and the
// plugin's (waited-for children). Output, one line per run, e.g.
//
//	connect datagen bytes100 plugin: 290000 rec/s 47.3 MB/s (boundary cost 7.1%); ...
//
// (MB is 10^6 bytes of record keys and values as stored.)
func BenchmarkConnectDatagen(b *testing.B) {
	if *connectRecords <= 0 {
		b.Skip("-connect-records=0")
	}
	if _, err := brokerproc.Binary(); err != nil {
		b.Fatalf("broker under test (SLUICE_BIN=%q): %v", os.Getenv("SLUICE_BIN"), err)
	}
	// The plugin is the built-in served by the sluice binary; the kfake
	// stand-in cannot serve it, so then build ./cmd/sluice for the plugin.
	pluginBin, err := brokerproc.Binary()
	if brokerproc.IsStandIn() {
		say("note: SLUICE_BIN=kfake, so the broker below is the kfake stand-in")
		pluginBin, err = brokerproc.Build("./cmd/sluice", "sluice")
	}
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("CONNECT_BENCH_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	found, err := host.Discover(ctx, pluginBin, []string{"DatagenSource"}, nil, logger)
	cancel()
	if err != nil || len(found) != 1 {
		b.Fatalf("discover DatagenSource in %s: %v (found %d)", pluginBin, err, len(found))
	}
	modes := []connectMode{
		{name: "in-process", plugins: runtime.NewInProcess(datagen.New())},
		{name: "plugin", plugins: runtime.NewSubprocess(found, logger)},
	}
	modes = slices.DeleteFunc(modes, func(m connectMode) bool { return !slices.Contains(strings.Split(*connectModes, ","), m.name) })
	if len(modes) == 0 {
		b.Fatalf("-connect-modes=%q: want in-process, plugin or both", *connectModes)
	}
	rounds := max(*connectRounds, 1)
	for _, schema := range strings.Split(*connectSchemas, ",") {
		results := map[string][]connectResult{}
		for round := range rounds {
			for _, m := range modes {
				res := runConnect(b, schema, m, *connectRecords, logger)
				results[m.name] = append(results[m.name], res)
				suffix := ""
				if m.name == "plugin" && len(results["in-process"]) > round {
					suffix = fmt.Sprintf(" (boundary cost %.1f%%)", boundaryCost(results["in-process"][round].rate, res.rate))
				}
				say("connect datagen %s %s: %.0f rec/s %.1f MB/s%s; steady %.0f rec/s after %s to the first record; cpu per 1M records: worker %.2f s plugin %.2f s broker %.2f s; broker rss %d MB",
					schema, m.name, res.rate, res.rate*res.recBytes/1e6, suffix,
					res.steadyRate, ms(res.firstAt),
					perMillion(res.cpuHost, *connectRecords), perMillion(res.cpuPlugin, *connectRecords), perMillion(res.cpuBroker, *connectRecords),
					res.rss>>20)
			}
		}
		for _, m := range modes {
			med := median(results[m.name])
			if rounds > 1 {
				say("connect datagen %s %s median of %d: %.0f rec/s %.1f MB/s", schema, m.name, rounds, med.rate, med.rate*med.recBytes/1e6)
			}
			b.ReportMetric(med.rate, schema+"-"+m.name+"-rec/s")
		}
		if len(modes) == 2 {
			cost := boundaryCost(median(results["in-process"]).rate, median(results["plugin"]).rate)
			// On shared cores the wall-clock figures move with the neighbours'
			// load; CPU per record does not. With every process CPU-bound,
			// throughput falls by the share of CPU the boundary adds.
			cpuIn, cpuPl := medianCPU(results["in-process"]), medianCPU(results["plugin"])
			cpuCost := (1 - cpuIn/cpuPl) * 100
			say("connect datagen %s boundary cost of the medians: %.1f%%; cpu per 1M records (worker+plugin+broker) in-process %.2f s, plugin %.2f s: %.1f%% as a cpu-bound estimate",
				schema, cost, perMillion(time.Duration(cpuIn), *connectRecords), perMillion(time.Duration(cpuPl), *connectRecords), cpuCost)
			b.ReportMetric(cost, schema+"-boundary-cost-%")
			b.ReportMetric(cpuCost, schema+"-cpu-boundary-cost-%")
		}
	}
}

// runConnect runs one datagen connector of n records against a fresh broker.
func runConnect(b *testing.B, schema string, m connectMode, n int, logger *slog.Logger) connectResult {
	b.Helper()
	label := "connect datagen " + schema + " " + m.name
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp(b.TempDir(), "connect-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	brk, err := brokerproc.Start(brokerproc.Options{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		b.Fatalf("%s: %v", label, err)
	}
	brokerStopped := false
	defer func() {
		if !brokerStopped {
			_ = brk.Stop(30 * time.Second)
		}
	}()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brk.Addr))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	const topic = "datagen"
	if resp, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil || resp.Err != nil {
		b.Fatalf("%s: create topic: %v %v", label, err, resp.Err)
	}

	wc, _, err := runtime.ParseWorkerConfig(map[string]string{
		"bootstrap.servers":               brk.Addr,
		"key.converter":                   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                 "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":  "false",
		"offset.storage.file.filename":    filepath.Join(dir, "offsets.json"),
		"task.restart.backoff.initial.ms": "100000", // a failure shows as a stall, reported below
		"task.restart.backoff.max.ms":     "100000",
	})
	if err != nil {
		b.Fatalf("%s: worker config: %v", label, err)
	}
	opts := runtime.Options{Config: wc, Plugins: m.plugins, Logger: logger, ProgressInterval: -1}
	switch *connectOffsets {
	case "file":
	case "memory":
		opts.Offsets = offsets.NewMemory()
	default:
		b.Fatalf("-connect-offsets=%q: want file or memory", *connectOffsets)
	}
	w, err := runtime.NewWorker(opts)
	if err != nil {
		b.Fatal(err)
	}
	cc, err := w.ValidateConnector(ctx, map[string]string{
		"name": "datagen", "connector.class": "DatagenSource", "tasks.max": "1",
		"topic": topic, "schema": schema, "count": strconv.Itoa(n),
	})
	if err != nil {
		b.Fatalf("%s: %v", label, err)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	self0, children0, broker0 := rusage(syscall.RUSAGE_SELF), rusage(syscall.RUSAGE_CHILDREN), procCPU(brk.Pid())
	start := time.Now()
	go func() { done <- w.Run(runCtx, []*runtime.ConnectorConfig{cc}) }()

	// Measurement, not a wait for correctness: poll the end offsets.
	var firstAt time.Duration
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err == nil {
			err = ends.Error()
		}
		if err != nil {
			b.Fatalf("%s: list end offsets: %v", label, err)
		}
		var got int64
		ends.Each(func(o kadm.ListedOffset) { got += o.Offset })
		if got > 0 && firstAt == 0 {
			firstAt = time.Since(start)
		}
		if got >= int64(n) {
			break
		}
		select {
		case <-tick.C:
		case err := <-done:
			b.Fatalf("%s: worker stopped after %d of %d records: %v", label, got, n, err)
		case <-ctx.Done():
			b.Fatalf("%s: %d of %d records after %s; task status %+v", label, got, n, time.Since(start), w.Status("datagen"))
		}
	}
	elapsed := time.Since(start)
	res := connectResult{rate: float64(n) / elapsed.Seconds(), firstAt: firstAt}
	if steady := elapsed - firstAt; steady > 0 {
		res.steadyRate = float64(n) / steady.Seconds()
	}
	res.cpuHost = rusage(syscall.RUSAGE_SELF) - self0
	res.cpuBroker = procCPU(brk.Pid()) - broker0
	if st := w.Status("datagen"); len(st) != 1 || st[0].Restarts > 0 || st[0].State != runtime.Running {
		b.Fatalf("%s: task status %+v, want one running task that never restarted", label, st)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			b.Fatalf("%s: worker: %v", label, err)
		}
	case <-time.After(time.Minute):
		b.Fatalf("%s: worker did not stop", label)
	}
	// The plugin processes have been waited for now; the broker still runs.
	res.cpuPlugin = rusage(syscall.RUSAGE_CHILDREN) - children0
	res.recBytes = sampleRecordBytes(ctx, b, brk.Addr, topic)
	if res.rss, err = brk.PeakRSS(); err != nil {
		b.Fatal(err)
	}
	brokerStopped = true
	if err := brk.Stop(30 * time.Second); err != nil {
		b.Errorf("%s: %v", label, err)
	}
	return res
}

// sampleRecordBytes returns the mean key+value size of the first records.
func sampleRecordBytes(ctx context.Context, b *testing.B, addr, topic string) float64 {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	var n, size int
	for n < 1000 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			b.Fatalf("sample records: %v", err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			n++
			size += len(r.Key) + len(r.Value)
		})
	}
	return float64(size) / float64(n)
}

// boundaryCost is how much slower the plugin ran than in process, in %.
func boundaryCost(inProcess, plugin float64) float64 { return (1 - plugin/inProcess) * 100 }

func perMillion(d time.Duration, n int) float64 { return d.Seconds() * 1e6 / float64(n) }

// median returns the result with the median rate.
func median(rs []connectResult) connectResult {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b connectResult) int {
		switch {
		case a.rate < b.rate:
			return -1
		case a.rate > b.rate:
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

// medianCPU returns the median CPU time of all processes over results.
func medianCPU(rs []connectResult) float64 {
	var cpu []float64
	for _, r := range rs {
		cpu = append(cpu, float64(r.cpuHost+r.cpuPlugin+r.cpuBroker))
	}
	slices.Sort(cpu)
	return cpu[len(cpu)/2]
}

// rusage returns the user+system CPU time of this process or of its
// waited-for children.
func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns the user+system CPU time of a running process, from
// /proc/PID/stat (Linux; 0 elsewhere).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields, in clock ticks (USER_HZ, 100 on Linux).
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}
