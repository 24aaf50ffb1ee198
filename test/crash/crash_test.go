package crash

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

const (
	topic       = "crash"
	partitions  = 3
	group       = "crash-group"
	preRecords  = 300  // produced and committed by the group before any kill
	ackedPerRun = 1000 // new acknowledgements awaited between kills
)

func TestCrashRecovery(t *testing.T) {
	kills := 5
	if v := os.Getenv("SLUICE_CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("SLUICE_CRASH_KILLS=%q: want a count >= 0", v)
		}
		kills = n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	b := brokerproc.StartT(t, brokerproc.Options{
		Configs: []string{"group.initial.rebalance.delay.ms=0"},
	})
	t.Logf("broker %s pid %d, log %s", b.Addr, b.Pid(), b.LogPath)
	createTopic(ctx, t, b.Addr)

	// Before any kill: records a consumer group reads and commits.
	prod := newProducer(t, b.Addr)
	for i := range preRecords {
		prod.produce(ctx, i)
	}
	if err := prod.cl.Flush(ctx); err != nil {
		t.Fatalf("flush of the first %d records: %v", preRecords, err)
	}
	if n := prod.ackedCount(); n != preRecords {
		t.Fatalf("before any kill: %d of %d records acknowledged; errors: %v", n, preRecords, prod.firstErrors())
	}
	committed := consumeAndCommit(ctx, t, b.Addr, preRecords)

	// Produce continuously while the broker is killed and restarted.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := preRecords; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			prod.produce(ctx, i)
		}
	})
	for k := range kills {
		prod.waitAcked(ctx, t, prod.ackedCount()+ackedPerRun, "before kill "+strconv.Itoa(k+1))
		if err := b.Kill(); err != nil {
			t.Fatal(err)
		}
		if err := b.Restart(); err != nil {
			t.Fatalf("restart %d: %v", k+1, err)
		}
		t.Logf("kill %d: broker restarted as pid %d with %d records acknowledged so far", k+1, b.Pid(), prod.ackedCount())
	}
	prod.waitAcked(ctx, t, prod.ackedCount()+ackedPerRun, "after the last restart")
	close(stop)
	wg.Wait()
	flushCtx, flushCancel := context.WithTimeout(ctx, time.Minute)
	defer flushCancel()
	if err := prod.cl.Flush(flushCtx); err != nil {
		t.Fatalf("final flush: %v", err)
	}
	prod.cl.Close()
	t.Logf("%d records produced, %d acknowledged, %d failed (first errors: %v)",
		prod.producedCount(), prod.ackedCount(), prod.failedCount(), prod.firstErrors())

	verifyLog(ctx, t, b.Addr, prod)
	verifyCommitted(ctx, t, b.Addr, committed)
}

func createTopic(ctx context.Context, t *testing.T, addr string) {
	t.Helper()
	adm := newAdmin(t, addr)
	flush := "true"
	resp, err := adm.CreateTopic(ctx, partitions, 1, brokerproc.TopicConfigs(map[string]*string{
		"sluice.flush.on.ack": &flush,
	}), topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

func newAdmin(t *testing.T, addr string) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}
