package cdcbench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/test/internal/brokerproc"
	"github.com/sluicehq/sluice/test/internal/procs"
)

var (
	snapshotRows  = flag.Int("cdc-snapshot-rows", 1_000_000, "rows of about 1 KB in the snapshot workload (a); 0 skips it")
	streamEvents  = flag.Int("cdc-stream-events", 300_000, "inserts and updates in the streaming workload (b, c, d); 0 skips it")
	streamWriters = flag.Int("cdc-writers", 4, "concurrent writer connections of the streaming workload")
	latencyRate   = flag.Int("cdc-latency-rate", 10_000, "changes/s committed during the latency workload (e); 0 skips it")
	latencyFor    = flag.Duration("cdc-latency-duration", 15*time.Second, "length of the latency workload")
	streamRounds  = flag.Int("cdc-rounds", 3, "rounds of the streaming workload: the connector and pg_recvlogical take turns, medians compared")
	withConduit   = flag.Bool("cdc-conduit", true, "run the Conduit peer (d)")
	workerProps   = flag.String("cdc-worker-props", "", "extra worker properties for every Sluice worker, as k=v,k=v (experiments)")
)

// BenchmarkPostgresCDC runs workloads (a) to (e) of the package doc.
func BenchmarkPostgresCDC(b *testing.B) {
	root, err := brokerproc.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin, err := brokerproc.Build("./cmd/sluice", "sluice-cdcbench")
	if err != nil {
		b.Fatal(err)
	}
	brk := brokerproc.StartT(b, brokerproc.Options{Bin: bin})
	adm := newAdmin(b, brk.Addr)
	db := pgtest.NewDB(b, "sluice_cdcbench")
	conn, err := pgx.Connect(context.Background(), pgtest.DSN(db))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	conduitBin, why := "", "-cdc-conduit=false"
	if *withConduit {
		conduitBin, why = conduitBinary(root)
	}
	say("cdcbench: %d cores, load average %s at start; broker %s (subprocess), PostgreSQL on 127.0.0.1:5432 database %s", runtime.NumCPU(), loadAverage(), bin, db)
	if conduitBin == "" {
		say("cdcbench: no Conduit peer: %s", why)
	}
	for range b.N {
		if *snapshotRows > 0 {
			benchSnapshot(b, bin, brk.Addr, adm, conn, db, conduitBin)
		}
		if *streamEvents > 0 {
			benchStream(b, bin, brk, adm, conn, db, conduitBin)
		}
		if *latencyRate > 0 {
			benchLatency(b, bin, brk, adm, conn, db)
		}
	}
	say("cdcbench: load average %s at the end", loadAverage())
}

func exec1(b testing.TB, conn *pgx.Conn, sql string, args ...any) {
	b.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
}

// benchSnapshot is workload (a).
func benchSnapshot(b *testing.B, bin, brokerAddr string, adm *kadm.Client, conn *pgx.Conn, db, conduitBin string) {
	n := int64(*snapshotRows)
	start := time.Now()
	exec1(b, conn, `CREATE TABLE snap_items (id bigint PRIMARY KEY, seq bigint NOT NULL, payload text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`)
	for lo := int64(1); lo <= n; lo += 100_000 {
		exec1(b, conn, `INSERT INTO snap_items (id, seq, payload) SELECT g, g, repeat(md5(g::text), 30) FROM generate_series($1::bigint, $2::bigint) g`, lo, min(lo+99_999, n))
	}
	exec1(b, conn, `VACUUM ANALYZE snap_items`)
	// The load's dirty pages are written out now, not while a snapshot
	// reads: otherwise the first reader pays for the checkpoint.
	exec1(b, conn, `CHECKPOINT`)
	say("cdcbench snapshot: %d rows of about 1 KB loaded in %s", n, time.Since(start).Round(time.Millisecond))

	topic := "sl.public.snap_items"
	createTopic(b, adm, topic)
	start = time.Now()
	w := startSluice(b, bin, brokerAddr, connectorProps(db, "sl", "snapshot.mode", "initial_only",
		"table.include.list", "public.snap_items", "slot.name", db+"_snap", "publication.name", db+"_snap",
		"publication.autocreate.mode", "filtered"))
	waitRecords(b, adm, topic, n, 10*time.Minute, w.failed("sl"))
	el := time.Since(start)
	w.stop()
	sl := float64(n) / el.Seconds()
	say("cdcbench (a) snapshot sluice: %d rows in %s: %.0f events/s", n, el.Round(time.Millisecond), sl)
	b.ReportMetric(sl, "snapshot-events/s")

	if conduitBin == "" {
		return
	}
	topic = "conduit_snap"
	createTopic(b, adm, topic)
	start = time.Now()
	c := startConduit(b, conduitBin, conduitPipeline(db, "snap_items", db+"_csnap", db+"_csnap", "initial", brokerAddr, topic))
	waitRecords(b, adm, topic, n, 10*time.Minute, c.failed)
	el = time.Since(start)
	c.stop()
	cd := float64(n) / el.Seconds()
	say("cdcbench (d) snapshot conduit: %d rows in %s: %.0f events/s; sluice/conduit %.2fx (goal >= 1.5x)", n, el.Round(time.Millisecond), cd, sl/cd)
	b.ReportMetric(cd, "conduit-snapshot-events/s")
	exec1(b, conn, `DROP TABLE snap_items`)
}

// benchStream is workloads (b), (c) and (d): the WAL of one load, drained
// by each consumer from a slot of its own created before the load. The
// connector and pg_recvlogical take turns, -cdc-rounds times, after one
// untimed pg_recvlogical pass that brings the WAL into the page cache:
// the medians are compared, and each round's pair ran side by side in
// time, so a slower stretch of the machine weighs on both.
func benchStream(b *testing.B, bin string, brk *brokerproc.Broker, adm *kadm.Client, conn *pgx.Conn, db, conduitBin string) {
	const base = 10_000
	exec1(b, conn, `CREATE TABLE stream_items (id bigint PRIMARY KEY, seq bigint NOT NULL, payload text NOT NULL, ts bigint NOT NULL)`)
	exec1(b, conn, `INSERT INTO stream_items SELECT g, g, repeat('p', 200), 0 FROM generate_series(1, $1::bigint) g`, base)
	pub := db + "_stream"
	exec1(b, conn, `CREATE PUBLICATION `+pub+` FOR TABLE stream_items`)
	rounds := max(1, *streamRounds)
	slots := []string{db + "_s_warm", db + "_s_cd"}
	slot := func(who string, round int) string { return fmt.Sprintf("%s_s_%s%d", db, who, round) }
	for i := range rounds {
		slots = append(slots, slot("sl", i), slot("recv", i))
	}
	for _, s := range slots {
		exec1(b, conn, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, s)
	}
	b.Cleanup(func() {
		for _, s := range slots {
			_, _ = conn.Exec(context.Background(), `SELECT pg_drop_replication_slot($1) WHERE NOT (SELECT active FROM pg_replication_slots WHERE slot_name = $1)`, s)
		}
	})

	// The load: each transaction updates 3 existing rows and inserts 2.
	var next, events atomic.Int64
	next.Store(base)
	target := int64(*streamEvents)
	var wg sync.WaitGroup
	errs := make(chan error, *streamWriters)
	start := time.Now()
	for range *streamWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := pgx.Connect(context.Background(), pgtest.DSN(db))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close(context.Background())
			ids := make([]int64, 3)
			for events.Load() < target {
				var bt pgx.Batch
				for i := range ids {
					ids[i] = 1 + rand.Int64N(base)
				}
				slices.Sort(ids) // one lock order: no deadlocks between writers
				for _, id := range ids {
					bt.Queue(`UPDATE stream_items SET seq = seq + 1, payload = $2, ts = $3 WHERE id = $1`, id, "u"+fmt.Sprint(id), time.Now().UnixMicro())
				}
				for range 2 {
					bt.Queue(`INSERT INTO stream_items VALUES ($1, 1, repeat('i', 200), $2)`, next.Add(1), time.Now().UnixMicro())
				}
				// One pipeline, one Sync: an implicit transaction.
				if err := c.SendBatch(context.Background(), &bt).Close(); err != nil {
					errs <- err
					return
				}
				events.Add(5)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("stream load: %v", err)
	}
	total := events.Load()
	loadTime := time.Since(start)
	var endLSN string
	if err := conn.QueryRow(context.Background(), `SELECT pg_current_wal_lsn()::text`).Scan(&endLSN); err != nil {
		b.Fatal(err)
	}
	say("cdcbench stream: %d writers committed %d changes (3 updates + 2 inserts per transaction) in %s: %.0f changes/s written; WAL end %s",
		*streamWriters, total, loadTime.Round(time.Millisecond), float64(total)/loadTime.Seconds(), endLSN)

	walsenders := func() []int { return procs.Children(0, "walsender") }
	// (c) the ceiling: pg_recvlogical with pgoutput to /dev/null.
	recv := "/usr/lib/postgresql/15/bin/pg_recvlogical"
	if p, err := exec.LookPath("pg_recvlogical"); err == nil {
		recv = p
	}
	recvRun := func(slot string) (time.Duration, []groupCPU, error) {
		cmd := exec.Command(recv, "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", db, "-S", slot, "--start",
			"-E", endLSN, "-o", "proto_version=1", "-o", "publication_names="+pub, "-f", "/dev/null", "-n", "-F", "0")
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pgtest.Password())
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return 0, nil, err
		}
		cw := watchCPU("walsender", walsenders, "pg_recvlogical", pids(cmd.Process.Pid))
		err := cmd.Wait()
		el := time.Since(start)
		cpu := cw.end()
		if err != nil {
			return 0, nil, fmt.Errorf("%v: %s", err, out.String())
		}
		return el, cpu, nil
	}
	if _, _, err := recvRun(slots[0]); err != nil {
		b.Fatalf("pg_recvlogical: %v", err)
	}

	// (b) the connector into the broker, in a standalone worker of this
	// process with the connector in a plugin subprocess.
	sluiceRun := func(round int) (el time.Duration, steady string, cpu []groupCPU) {
		prefix := fmt.Sprintf("ss%d", round)
		topic := prefix + ".public.stream_items"
		createTopic(b, adm, topic)
		start := time.Now()
		w := startSluice(b, bin, brk.Addr, connectorProps(db, prefix, "snapshot.mode", "no_data",
			"table.include.list", "public.stream_items", "slot.name", slot("sl", round), "publication.name", pub,
			"publication.autocreate.mode", "disabled"))
		cw := watchCPU("walsender", walsenders, "plugin", w.plugins, "worker", pids(w.cmd.Process.Pid), "broker", pids(brk.Pid()))
		first := waitRecords(b, adm, topic, total, 10*time.Minute, w.failed(prefix))
		el = time.Since(start)
		cpu = cw.end()
		w.stop()
		return el, fmt.Sprintf("steady %.0f events/s after %s to the first record", float64(total)/time.Since(first).Seconds(), first.Sub(start).Round(time.Millisecond)), cpu
	}

	var recvRates, slRates []float64
	for i := range rounds {
		el, cpu, err := recvRun(slot("recv", i))
		if err != nil {
			b.Fatalf("pg_recvlogical: %v", err)
		}
		rr := float64(total) / el.Seconds()
		recvRates = append(recvRates, rr)
		say("cdcbench (c) stream pg_recvlogical (pgoutput, to /dev/null), round %d of %d: %d events in %s: %.0f events/s; %s",
			i+1, rounds, total, el.Round(time.Millisecond), rr, perEvent(cpu, total))

		el, steady, cpu := sluiceRun(i)
		sr := float64(total) / el.Seconds()
		slRates = append(slRates, sr)
		say("cdcbench (b) stream sluice, round %d of %d: %d events in %s: %.0f events/s, %.0f%% of this round's pg_recvlogical; %s; %s",
			i+1, rounds, total, el.Round(time.Millisecond), sr, 100*sr/rr, steady, perEvent(cpu, total))
	}
	ceiling, sl := median(recvRates), median(slRates)
	say("cdcbench (b) stream sluice: median %.0f events/s over %d rounds (%.0f to %.0f); pg_recvlogical median %.0f events/s (%.0f to %.0f): %.0f%% (goal >= 70%%)",
		sl, rounds, slices.Min(slRates), slices.Max(slRates), ceiling, slices.Min(recvRates), slices.Max(recvRates), 100*sl/ceiling)
	b.ReportMetric(ceiling, "pg_recvlogical-events/s")
	b.ReportMetric(sl, "stream-events/s")

	// (d) Conduit from its own slot of the same WAL.
	if conduitBin != "" {
		topic := "conduit_stream"
		createTopic(b, adm, topic)
		start = time.Now()
		c := startConduit(b, conduitBin, conduitPipeline(db, "stream_items", slots[1], pub, "never", brk.Addr, topic))
		cw := watchCPU("walsender", walsenders, "conduit", pids(c.cmd.Process.Pid), "broker", pids(brk.Pid()))
		first := waitRecords(b, adm, topic, total, 10*time.Minute, c.failed)
		el := time.Since(start)
		cpu := cw.end()
		c.stop()
		cd := float64(total) / el.Seconds()
		say("cdcbench (d) stream conduit: %d events in %s: %.0f events/s; sluice (median)/conduit %.2fx (goal >= 1.5x); steady %.0f events/s after %s to the first record; %s",
			total, el.Round(time.Millisecond), cd, sl/cd, float64(total)/time.Since(first).Seconds(), first.Sub(start).Round(time.Millisecond), perEvent(cpu, total))
		b.ReportMetric(cd, "conduit-stream-events/s")
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchLatency is workload (e).
func benchLatency(b *testing.B, bin string, brk *brokerproc.Broker, adm *kadm.Client, conn *pgx.Conn, db string) {
	brokerAddr := brk.Addr
	exec1(b, conn, `CREATE TABLE lat_items (id bigint PRIMARY KEY, stamp_us bigint NOT NULL, payload text NOT NULL)`)
	topic := "lt.public.lat_items"
	createTopic(b, adm, topic)
	w := startSluice(b, bin, brokerAddr, connectorProps(db, "lt", "snapshot.mode", "no_data",
		"table.include.list", "public.lat_items", "slot.name", db+"_lat", "publication.name", db+"_lat",
		"publication.autocreate.mode", "filtered"))
	defer w.stop()
	// Streaming once a probe row arrives: the task creates its slot after
	// the worker started, so probe rows (ids <= 0) go in until one arrives.
	deadline := time.Now().Add(time.Minute)
	for probe := int64(0); endOffset(adm, topic) == 0; probe-- {
		if time.Now().After(deadline) {
			b.Fatalf("latency: no probe row arrived within a minute (%v)", w.failed("lt")())
		}
		exec1(b, conn, `INSERT INTO lat_items VALUES ($1, 0, 'probe')`, probe)
		<-time.After(200 * time.Millisecond) // the next probe; the wait is the loop's condition
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokerAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()

	// Where the machine's CPU goes during the run (the writers' Postgres
	// backends and the benchmark's own writers and consumer included).
	cw := watchCPU("postgres", func() []int { return procs.Children(0, "postgres: ") }, "plugin", w.plugins,
		"worker", pids(w.cmd.Process.Pid), "broker", pids(brk.Pid()), "benchmark", pids(os.Getpid()))
	const writers, tick = 4, 10 * time.Millisecond
	// ackedAt and readAt, by row id: when the writer saw the commit
	// acknowledged, and when the consumer read the row. The commit's own
	// WAL flush, which the insert-time stamp includes, is not part of the
	// pipeline: commit-acknowledged to read is the latency an application
	// that commits and then waits for the event sees.
	maxRows := int64(*latencyRate)*int64(latencyFor.Seconds()+5) + 1
	ackedAt, readAt := make([]atomic.Int64, maxRows), make([]int64, maxRows)
	perTick := max(1, *latencyRate*int(tick/time.Millisecond)/1000/writers)
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make(chan error, writers)
	stop := make(chan struct{})
	start := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := pgx.Connect(context.Background(), pgtest.DSN(db))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close(context.Background())
			t := time.NewTicker(tick)
			defer t.Stop()
			var done int64 // rows this writer inserted
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				// Catch up on ticks a loaded machine delayed (the ticker
				// drops them), up to 4 ticks' worth at once.
				due := int64(time.Since(start)/tick) * int64(perTick)
				k := min(max(due-done, int64(perTick)), 4*int64(perTick))
				done += k
				hi := next.Add(k)
				if _, err := c.Exec(context.Background(), `INSERT INTO lat_items SELECT g, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, repeat('x', 200) FROM generate_series($1::bigint, $2::bigint) g`, hi-k+1, hi); err != nil {
					errs <- err
					return
				}
				acked := time.Now().UnixMicro()
				for id := hi - k + 1; id <= hi && id < int64(len(ackedAt)); id++ {
					ackedAt[id].Store(acked)
				}
			}
		}()
	}
	go func() {
		<-time.After(*latencyFor)
		close(stop)
	}()

	warm := start.Add(time.Second).UnixMicro()
	// lat is commit to readable; toProduce splits it at the record's
	// timestamp, which the worker's producer sets when it is handed the
	// record: commit to produce (Postgres, the plugin, the worker) and
	// produce to readable (linger, the broker, the consumer's fetch).
	// toPlugin ends at the envelope's ts_us, when the plugin made the
	// event (commit to there is Postgres's commit and the walsender).
	var lat, toProduce, toPlugin []time.Duration
	var seen int64
	ctx, cancel := context.WithTimeout(context.Background(), *latencyFor+2*time.Minute)
	defer cancel()
	// A poll waits under writing, which ends when the writers are done:
	// a poll that began with every row read just before they stopped
	// would otherwise wait for a row that never comes.
	writing, written := context.WithCancel(ctx)
	defer written()
	go func() {
		<-stop
		wg.Wait()
		written()
	}()
	for {
		pollCtx := writing
		if writing.Err() != nil {
			if seen >= next.Load() {
				break
			}
			pollCtx = ctx
		}
		fs := cl.PollFetches(pollCtx)
		now := time.Now().UnixMicro()
		if ctx.Err() != nil {
			b.Fatalf("latency: %d of %d rows read: %v", seen, next.Load(), ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			var v struct {
				TsUs  int64 `json:"ts_us"`
				After *struct {
					ID      int64 `json:"id"`
					StampUs int64 `json:"stamp_us"`
				}
			}
			if json.Unmarshal(r.Value, &v) != nil || v.After == nil || v.After.ID <= 0 {
				return
			}
			seen++
			if v.After.ID < int64(len(readAt)) {
				readAt[v.After.ID] = now
			}
			if v.After.StampUs >= warm {
				lat = append(lat, time.Duration(now-v.After.StampUs)*time.Microsecond)
				toProduce = append(toProduce, time.Duration(r.Timestamp.UnixMicro()-v.After.StampUs)*time.Microsecond)
				toPlugin = append(toPlugin, time.Duration(v.TsUs-v.After.StampUs)*time.Microsecond)
			}
		})
	}
	cpu := cw.end()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("latency load: %v", err)
	}
	if len(lat) == 0 {
		b.Fatal("latency: no samples")
	}
	var fromAck []time.Duration
	for id := range readAt {
		if a := ackedAt[id].Load(); a >= warm && readAt[id] != 0 {
			fromAck = append(fromAck, time.Duration(readAt[id]-a)*time.Microsecond)
		}
	}
	slices.Sort(lat)
	slices.Sort(toProduce)
	slices.Sort(toPlugin)
	slices.Sort(fromAck)
	if len(fromAck) == 0 {
		b.Fatal("latency: no row both acknowledged and read after the warm-up")
	}
	q := func(d []time.Duration, q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	p := func(x float64) time.Duration { return q(lat, x) }
	rate := float64(next.Load()) / latencyFor.Seconds()
	say("cdcbench (e) latency sluice, commit to readable from the broker at %.0f changes/s (target %d) for %s: p50 %.1f ms p99 %.1f ms max %.1f ms over %d samples (goal p99 < 50 ms), from the insert; from the commit's acknowledgement p50 %.1f ms p99 %.1f ms; insert to the plugin's event p50 %.1f ms p99 %.1f ms, to produce p50 %.1f ms p99 %.1f ms; load average %s",
		rate, *latencyRate, latencyFor.Round(time.Second), ms(p(0.5)), ms(p(0.99)), ms(lat[len(lat)-1]), len(lat),
		ms(q(fromAck, 0.5)), ms(q(fromAck, 0.99)), ms(q(toPlugin, 0.5)), ms(q(toPlugin, 0.99)), ms(q(toProduce, 0.5)), ms(q(toProduce, 0.99)), loadAverage())
	var parts []string
	for _, g := range cpu {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", g.name, 100*g.cpu.Seconds()/time.Since(start).Seconds()))
	}
	say("cdcbench (e) latency: CPU during the run, in %% of one core: %s", strings.Join(parts, ", "))
	b.ReportMetric(ms(p(0.5)), "latency-p50-ms")
	b.ReportMetric(ms(p(0.99)), "latency-p99-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
