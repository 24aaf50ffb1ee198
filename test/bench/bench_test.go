package bench

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

var (
	records    = flag.Int("records", 1_000_000, "records per workload")
	brokers    = flag.String("brokers", "sluice,kfake", "comma-separated brokers to measure: sluice (SLUICE_BIN), kfake (the peer)")
	diskMiB    = flag.Int("disk-mib", 1024, "MiB written by the disk measurement (0 skips it)")
	flushOnAck = flag.Bool("flush-on-ack", false, "create Sluice's topics with sluice.flush.on.ack=true (acks=all waits for fsync)")
	sizes      = []int{100, 1000}
	partCounts = []int{1, 4}
)

// say prints one result line to stdout, where `go test -bench` shows it.
func say(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func BenchmarkBrokers(b *testing.B) {
	peer, err := brokerproc.Build(brokerproc.KfakePackage, "kfakeserver")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := brokerproc.Binary(); err != nil {
		b.Fatalf("broker under test (SLUICE_BIN=%q): %v", os.Getenv("SLUICE_BIN"), err)
	}
	if brokerproc.IsStandIn() {
		say("note: SLUICE_BIN=kfake, so \"sluice\" below is the kfake stand-in")
	}
	bins := map[string]string{"sluice": "", "kfake": peer} // "" is SLUICE_BIN
	for _, name := range strings.Split(*brokers, ",") {
		bin, ok := bins[name]
		if !ok {
			b.Fatalf("-brokers: unknown broker %q (want sluice or kfake)", name)
		}
		b.Run(name, func(b *testing.B) {
			var peak workloadResult
			for _, size := range sizes {
				for _, parts := range partCounts {
					w := workload{broker: name, bin: bin, size: size, partitions: parts, records: *records}
					w.flushOnAck = *flushOnAck && name == "sluice"
					res := w.run(b, 0)
					say("%s produce %s: %.0f rec/s %.1f MB/s p50 %s p99 %s rss %d MB",
						name, w.label(), res.produceRate, res.produceMBps, ms(res.p50), ms(res.p99), res.rss>>20)
					say("%s consume %s: %.0f rec/s %.1f MB/s", name, w.label(), res.consumeRate, res.consumeMBps)
					b.ReportMetric(res.produceRate, w.metric("produce-rec/s"))
					b.ReportMetric(float64(res.p99.Microseconds())/1000, w.metric("p99-ms"))
					b.ReportMetric(res.consumeRate, w.metric("consume-rec/s"))
					if res.produceRate > peak.produceRate {
						peak, peak.w = res, w
					}
				}
			}
			// Half the peak produce rate, for about 10 s of records.
			w := peak.w
			rate := peak.produceRate / 2
			w.records = min(*records, int(rate*10))
			res := w.run(b, rate)
			say("%s produce %s at half peak (%.0f rec/s target): %.0f rec/s %.1f MB/s p50 %s p99 %s rss %d MB",
				name, w.label(), rate, res.produceRate, res.produceMBps, ms(res.p50), ms(res.p99), res.rss>>20)
			b.ReportMetric(float64(res.p99.Microseconds())/1000, "half-peak-p99-ms")
		})
	}
	if *diskMiB > 0 {
		dir := b.TempDir()
		nosync, withSync, err := measureDisk(filepath.Join(dir, "disk.bench"), *diskMiB)
		if err != nil {
			b.Fatal(err)
		}
		say("disk sequential write %d MiB in 1 MiB chunks (%s): %.0f MB/s without fsync, %.0f MB/s with a final fsync",
			*diskMiB, dir, nosync, withSync)
	}
}
