package bench

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connectors/datagen"
	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

// BenchmarkDatagenBoundary isolates what BenchmarkConnectDatagen's boundary
// cost is made of: DatagenSource's Read called in a loop, in process and
// through the plugin subprocess (encode, gRPC over the unix socket, decode),
// with no converter, producer or broker. Its CPU figure (this process plus
// the plugin, per record) moves far less with the neighbours' load than
// wall-clock rates; "boundary" is what the plugin path adds per record.
// Output, per schema and round:
//
//	boundary datagen bytes100: in-process 0.41 µs/rec cpu, plugin 1.20 µs/rec cpu: boundary 0.79 µs/rec
func BenchmarkDatagenBoundary(b *testing.B) {
	pluginBin, err := brokerproc.Binary()
	if err == nil && brokerproc.IsStandIn() {
		pluginBin, err = brokerproc.Build("./cmd/sluice", "sluice")
	}
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	found, err := host.Discover(ctx, pluginBin, []string{"DatagenSource"}, nil, logger)
	if err != nil || len(found) != 1 {
		b.Fatalf("discover DatagenSource in %s: %v (found %d)", pluginBin, err, len(found))
	}
	n := *connectRecords
	for _, schema := range strings.Split(*connectSchemas, ",") {
		var in, pl []float64
		for range max(*connectRounds, 1) {
			var inHost float64
			if strings.Contains(*connectModes, "in-process") { // -connect-modes=plugin: to profile the host side alone
				inHost, _ = readBoundary(ctx, b, schema, n, nil, logger)
			}
			plHost, plPlugin := readBoundary(ctx, b, schema, n, &found[0], logger)
			in, pl = append(in, inHost), append(pl, plHost+plPlugin)
			say("boundary datagen %s: in-process %.3f µs/rec cpu, plugin %.3f µs/rec cpu (host %.3f, plugin process %.3f): boundary %.3f µs/rec",
				schema, inHost, plHost+plPlugin, plHost, plPlugin, plHost+plPlugin-inHost)
		}
		slices.Sort(in)
		slices.Sort(pl)
		mi, mp := in[len(in)/2], pl[len(pl)/2]
		say("boundary datagen %s medians: in-process %.3f µs/rec cpu, plugin %.3f µs/rec cpu: boundary %.3f µs/rec", schema, mi, mp, mp-mi)
		b.ReportMetric(mp-mi, schema+"-boundary-µs/rec")
	}
}

// readBoundary reads n records of schema from a DatagenSource task, in
// process (p nil) or in a plugin process, and returns the CPU time per
// record in µs of this process and of the plugin process.
func readBoundary(ctx context.Context, b *testing.B, schema string, n int, p *host.Plugin, logger *slog.Logger) (self, plugin float64) {
	b.Helper()
	conn := datagen.New()
	cfgs, err := conn.TaskConfigs(ctx, map[string]string{"topic": "t", "schema": schema, "count": strconv.Itoa(n)}, 1)
	if err != nil {
		b.Fatal(err)
	}
	var task sdk.SourceTask
	pid := 0
	if p == nil {
		task = conn.NewTask()
	} else {
		proc, err := host.Launch(ctx, *p, "boundary/0", logger)
		if err != nil {
			b.Fatal(err)
		}
		defer proc.Stop(context.WithoutCancel(ctx))
		task, pid = proc.SourceTask(), proc.Pid()
	}
	if err := task.Configure(ctx, cfgs[0]); err != nil {
		b.Fatal(err)
	}
	if err := task.Open(ctx, nil); err != nil {
		b.Fatal(err)
	}
	self0, child0 := rusage(syscall.RUSAGE_SELF), procCPU(pid)
	for got := 0; got < n; {
		recs, err := task.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		got += len(recs)
	}
	cpu := rusage(syscall.RUSAGE_SELF) - self0
	var child time.Duration
	if pid != 0 {
		child = procCPU(pid) - child0
	}
	_ = task.Stop(ctx)
	return float64(cpu.Microseconds()) / float64(n), float64(child.Microseconds()) / float64(n)
}
