package crash

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// producer writes records whose value is their sequence number and keeps
// which of them the broker acknowledged (promise returned nil).
type producer struct {
	cl *kgo.Client

	mu struct {
		sync.Mutex
		produced int
		acked    map[int]bool
		failed   int
		errs     []error
		ackedCh  chan struct{} // closed and replaced on every acknowledgement
	}
}

func newProducer(t *testing.T, addr string) *producer {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()), // idempotence is kgo's default
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.MaxBufferedRecords(2000),
		kgo.RetryTimeout(time.Minute),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	p := &producer{cl: cl}
	p.mu.acked = make(map[int]bool)
	p.mu.ackedCh = make(chan struct{})
	return p
}

// produce sends record n; it blocks while the client's buffer is full.
func (p *producer) produce(ctx context.Context, n int) {
	p.mu.Lock()
	p.mu.produced++
	p.mu.Unlock()
	v := strconv.Itoa(n)
	p.cl.Produce(ctx, &kgo.Record{Key: []byte("k" + v), Value: []byte(v)}, func(_ *kgo.Record, err error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if err != nil {
			p.mu.failed++
			if len(p.mu.errs) < 5 {
				p.mu.errs = append(p.mu.errs, err)
			}
			return
		}
		p.mu.acked[n] = true
		close(p.mu.ackedCh)
		p.mu.ackedCh = make(chan struct{})
	})
}

// waitAcked blocks until at least want records are acknowledged.
func (p *producer) waitAcked(ctx context.Context, t *testing.T, want int, when string) {
	t.Helper()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		n, ch := len(p.mu.acked), p.mu.ackedCh
		p.mu.Unlock()
		if n >= want {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("%s: %d records acknowledged after 1m, want %d; errors: %v", when, n, want, p.firstErrors())
		case <-ctx.Done():
			t.Fatalf("%s: %d records acknowledged, want %d: %v", when, n, want, ctx.Err())
		}
	}
}

func (p *producer) ackedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.mu.acked)
}

func (p *producer) producedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.produced
}

func (p *producer) failedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.failed
}

func (p *producer) firstErrors() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error(nil), p.mu.errs...)
}

func (p *producer) isAcked(n int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.acked[n]
}
