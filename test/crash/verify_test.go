package crash

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// consumeAndCommit reads want records as the consumer group, commits, and
// returns the committed offset of each partition.
func consumeAndCommit(ctx context.Context, t *testing.T, addr string, want int) map[int32]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for got := 0; got < want; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("group %s read %d of %d records: %v", group, got, want, err)
		}
		fs.EachError(func(tp string, p int32, err error) {
			t.Fatalf("group %s fetch %s/%d: %v", group, tp, p, err)
		})
		got += fs.NumRecords()
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("group %s commit: %v", group, err)
	}
	offsets := fetchCommitted(ctx, t, addr)
	var sum int64
	for _, o := range offsets {
		sum += o
	}
	if sum != int64(want) {
		t.Fatalf("group %s committed offsets %v sum to %d, want %d", group, offsets, sum, want)
	}
	return offsets
}

func fetchCommitted(ctx context.Context, t *testing.T, addr string) map[int32]int64 {
	t.Helper()
	resp, err := newAdmin(t, addr).FetchOffsets(ctx, group)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("fetch committed offsets of group %s: %v", group, err)
	}
	out := make(map[int32]int64)
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic {
			out[o.Partition] = o.At
		}
	})
	return out
}

// verifyCommitted checks the group's commits made before the kills survived.
func verifyCommitted(ctx context.Context, t *testing.T, addr string, want map[int32]int64) {
	t.Helper()
	got := fetchCommitted(ctx, t, addr)
	for p, o := range want {
		if got[p] != o {
			t.Errorf("group %s partition %d: committed offset %d after the kills, %d before", group, p, got[p], o)
		}
	}
}

// verifyLog reads every partition from offset 0 to its end and checks that
// offsets are contiguous from 0, that no record is stored twice and that
// every acknowledged record is stored.
func verifyLog(ctx context.Context, t *testing.T, addr string, prod *producer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	adm := newAdmin(t, addr)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		t.Fatalf("list start offsets: %v", err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	remaining := 0
	next := make(map[int32]int64)
	end := make(map[int32]int64)
	ends.Each(func(o kadm.ListedOffset) {
		end[o.Partition] = o.Offset
		next[o.Partition] = 0
		remaining += int(o.Offset)
	})
	starts.Each(func(o kadm.ListedOffset) {
		if o.Offset != 0 {
			t.Errorf("partition %d: log start offset %d, want 0", o.Partition, o.Offset)
		}
	})
	if len(end) != partitions {
		t.Fatalf("topic %s has %d partitions, want %d", topic, len(end), partitions)
	}

	parts := make(map[int32]kgo.Offset)
	for p := range end {
		parts[p] = kgo.NewOffset().At(0)
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	seen := make(map[int]int)
	for remaining > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("reading the log back: %d records still unread: %v", remaining, err)
		}
		fs.EachError(func(tp string, p int32, err error) {
			t.Fatalf("fetch %s/%d: %v", tp, p, err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end[r.Partition] {
				return // written after ListEndOffsets; not possible once the producer closed
			}
			if r.Offset != next[r.Partition] {
				t.Errorf("partition %d: record at offset %d, want %d (offsets not contiguous)", r.Partition, r.Offset, next[r.Partition])
			}
			next[r.Partition] = r.Offset + 1
			remaining--
			n, err := strconv.Atoi(string(r.Value))
			if err != nil {
				t.Errorf("partition %d offset %d: value %q is not a record number", r.Partition, r.Offset, r.Value)
				return
			}
			seen[n]++
		})
	}

	missing, dups, total := 0, 0, 0
	for n, c := range seen {
		total += c
		if c > 1 {
			dups++
			if dups <= 10 {
				t.Errorf("record %d stored %d times (acknowledged: %v)", n, c, prod.isAcked(n))
			}
		}
	}
	for n := range prod.producedCount() {
		if prod.isAcked(n) && seen[n] == 0 {
			missing++
			if missing <= 10 {
				t.Errorf("acknowledged record %d is not in the log", n)
			}
		}
	}
	if missing > 0 || dups > 0 {
		t.Errorf("%d acknowledged records lost, %d records duplicated (log holds %d records, %d distinct)", missing, dups, total, len(seen))
		return
	}
	t.Logf("log holds %d records, %d distinct; all %d acknowledged present once", total, len(seen), prod.ackedCount())
}
