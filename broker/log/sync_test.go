package log

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestGroupCommit: appenders that call Sync while an fsync is in progress
// (modelled by holding flushMu) share the next single fsync.
func TestGroupCommit(t *testing.T) {
	l := openTest(t, t.TempDir(), DefaultConfig(), nil)
	defer l.Close()
	const writers = 16
	l.flushMu.Lock() // an fsync "in progress"
	before := l.fsyncs.Load()
	var appended, synced sync.WaitGroup
	appended.Add(writers)
	synced.Add(writers)
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			defer synced.Done()
			res, err := l.Append(makeBatch(t, batchSpec{}, recsN(fmt.Sprint(w), 3)...), 0)
			appended.Done()
			if err != nil {
				errs <- err
				return
			}
			if err := l.Sync(res.LastOffset); err != nil {
				errs <- err
				return
			}
			if l.durable.Load() <= res.LastOffset {
				errs <- fmt.Errorf("Sync(%d) returned with durable %d", res.LastOffset, l.durable.Load())
			}
		}()
	}
	appended.Wait()
	l.flushMu.Unlock()
	synced.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := l.fsyncs.Load() - before; n != 1 {
		t.Fatalf("%d fsyncs for %d writers, want 1", n, writers)
	}
}

func TestFlushMessages(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FlushMessages = 3
	l := openTest(t, t.TempDir(), cfg, nil)
	defer l.Close()
	before := l.fsyncs.Load()
	mustAppend(t, l, makeBatch(t, batchSpec{}, recsN("a", 2)...))
	if l.fsyncs.Load() != before {
		t.Fatal("flushed before flush.messages")
	}
	res := mustAppend(t, l, makeBatch(t, batchSpec{}, recsN("b", 1)...))
	if l.fsyncs.Load() != before+1 || l.durable.Load() <= res.LastOffset {
		t.Fatalf("flush.messages reached but durable is %d", l.durable.Load())
	}
}

// TestConcurrentUse runs appenders, readers, syncs and maintenance together
// under the race detector and checks every acknowledged record is read
// back exactly once.
func TestConcurrentUse(t *testing.T) {
	c := newClock()
	cfg := DefaultConfig()
	cfg.SegmentBytes = 2000
	cfg.IndexIntervalBytes = 200
	cfg.FsyncOnAck = true
	l := openTest(t, t.TempDir(), cfg, c)
	defer l.Close()
	const writers, perWriter = 4, 40
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				res, err := l.Append(makeBatch(t, batchSpec{baseTs: c.ms(), producerID: int64(w + 1), seq: int32(i)}, kv(fmt.Sprintf("w%d-%d", w, i), "v")), 1)
				if err == nil {
					err = l.Sync(res.LastOffset)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var bg sync.WaitGroup
	bg.Add(2)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			end := l.EndOffset()
			if _, err := l.Read(end/2, 4096, end, true); err != nil {
				errs <- err
				return
			}
			l.MaxTimestamp()
		}
	}()
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := l.Maintain(c.Now()); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	bg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range readAll(t, l, 0) {
		if seen[r.key] {
			t.Fatalf("record %s twice", r.key)
		}
		seen[r.key] = true
	}
	if len(seen) != writers*perWriter {
		t.Fatalf("read %d records, want %d", len(seen), writers*perWriter)
	}
}

func TestFlushMsAndRollFlush(t *testing.T) {
	c := newClock()
	cfg := DefaultConfig()
	cfg.FlushMs = 1000
	cfg.SegmentBytes = 300
	l := openTest(t, t.TempDir(), cfg, c)
	defer l.Close()
	mustAppend(t, l, makeBatch(t, batchSpec{baseTs: c.ms()}, kv("a", "1")))
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if l.durable.Load() == l.EndOffset() {
		t.Fatal("flushed before flush.ms")
	}
	c.Advance(time.Second)
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if l.durable.Load() != l.EndOffset() {
		t.Fatal("not flushed after flush.ms")
	}
	// A roll makes the closed segment durable at the next Maintain even
	// before flush.ms.
	for i := range 6 {
		mustAppend(t, l, makeBatch(t, batchSpec{baseTs: c.ms()}, kv(fmt.Sprint(i), "some value")))
	}
	l.mu.RLock()
	activeBase := l.activeLocked().base
	l.mu.RUnlock()
	if activeBase == 0 {
		t.Fatal("no roll")
	}
	if err := l.Maintain(c.Now()); err != nil {
		t.Fatal(err)
	}
	if l.durable.Load() < activeBase {
		t.Fatalf("durable %d below the rolled segment end %d", l.durable.Load(), activeBase)
	}
}
