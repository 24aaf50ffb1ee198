package dlq

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The transaction steps of a replay that kgo has no API for outside a
// consumer group session: committing a group's offsets inside the
// producer's transaction (AddOffsetsToTxn, then TxnOffsetCommit with
// generation -1 and no member, which Kafka accepts for a group that has no
// members), and reading the progress back.

// commitTxnOffsets adds offsets of topic for group to prod's open
// transaction. Records must have been produced in it: kgo ends a
// transaction with EndTxn only when it added partitions.
func commitTxnOffsets(ctx context.Context, prod *kgo.Client, txnID, group, topic string, offsets map[int32]int64) error {
	id, epoch, err := prod.ProducerID(ctx)
	if err != nil {
		return fmt.Errorf("producer id: %w", err)
	}
	if err := retryRetriable(ctx, func() error {
		req := kmsg.NewPtrAddOffsetsToTxnRequest()
		req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Group = txnID, id, epoch, group
		resp, err := req.RequestWith(ctx, prod)
		if err != nil {
			return err
		}
		return kerr.ErrorForCode(resp.ErrorCode)
	}); err != nil {
		return fmt.Errorf("add offsets of group %q to transaction: %w", group, err)
	}
	return retryRetriable(ctx, func() error {
		req := kmsg.NewPtrTxnOffsetCommitRequest()
		req.TransactionalID, req.Group, req.ProducerID, req.ProducerEpoch = txnID, group, id, epoch
		req.Generation, req.MemberID = -1, ""
		rt := kmsg.NewTxnOffsetCommitRequestTopic()
		rt.Topic = topic
		for p, o := range offsets {
			rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
			rp.Partition, rp.Offset, rp.LeaderEpoch = p, o, -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, prod)
		if err != nil {
			return fmt.Errorf("commit offsets in transaction: %w", err)
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					return fmt.Errorf("commit offset of %s/%d in transaction: %w", t.Topic, p.Partition, err)
				}
			}
		}
		return nil
	})
}

// commitPlain commits offsets outside a transaction: used when a chunk
// produced nothing (every record skipped or dropped), so there is nothing
// to make atomic with the commit.
func commitPlain(ctx context.Context, adm *kadm.Client, group, topic string, offsets map[int32]int64) error {
	os := make(kadm.Offsets)
	for p, o := range offsets {
		os.Add(kadm.Offset{Topic: topic, Partition: p, At: o, LeaderEpoch: -1})
	}
	resps, err := adm.CommitOffsets(ctx, group, os)
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		return fmt.Errorf("commit offsets of group %q: %w", group, err)
	}
	return nil
}

// fetchProgress reads group's committed offsets on topic. stable waits
// out pending transactional commits (UNSTABLE_OFFSET_COMMIT), which must
// be done after the producer fenced its predecessors.
func fetchProgress(ctx context.Context, adm *kadm.Client, group, topic string, stable bool) (map[int32]int64, error) {
	fctx := ctx
	if stable {
		fctx = kadm.RequireStable(ctx)
	}
	var out map[int32]int64
	err := retryRetriable(ctx, func() error {
		resps, err := adm.FetchOffsets(fctx, group)
		if errors.Is(err, kerr.GroupIDNotFound) {
			out = map[int32]int64{}
			return nil
		}
		if err != nil {
			return err
		}
		out = map[int32]int64{}
		var perr error
		resps.Each(func(o kadm.OffsetResponse) {
			switch {
			case o.Topic != topic:
			case o.Err != nil:
				perr = o.Err
			case o.At >= 0:
				out[o.Partition] = o.At
			}
		})
		return perr
	})
	if err != nil {
		return nil, fmt.Errorf("read progress (group %q): %w", group, err)
	}
	return out, nil
}

// retryRetriable calls fn until it returns nil or an error that is not a
// retriable Kafka error (CONCURRENT_TRANSACTIONS while markers are being
// written, UNSTABLE_OFFSET_COMMIT, COORDINATOR_LOAD_IN_PROGRESS …), with a
// growing backoff, at most 20 times.
func retryRetriable(ctx context.Context, fn func() error) error {
	backoff := 20 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := fn()
		var ke *kerr.Error
		if err == nil || attempt == 19 || !errors.As(err, &ke) || !ke.Retriable {
			return err
		}
		if err := sleepCtx(ctx, backoff); err != nil {
			return err
		}
		backoff = min(2*backoff, time.Second)
	}
}

// replayPartitioner sends a record to its Partition when that is set and
// exists in the target (the original partition, on a replay to the
// original topic), else by key as Kafka's default partitioner does (murmur2),
// else round robin.
func replayPartitioner() kgo.Partitioner {
	return kgo.BasicConsistentPartitioner(func(topic string) func(*kgo.Record, int) int {
		keyed := kgo.StickyKeyPartitioner(nil).ForTopic(topic)
		var next atomic.Uint64
		return func(r *kgo.Record, n int) int {
			switch {
			case r.Partition >= 0 && int(r.Partition) < n:
				return int(r.Partition)
			case r.Key != nil:
				return keyed.Partition(r, n)
			}
			return int(next.Add(1) % uint64(n))
		}
	})
}
