package cluster

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Where a partition's end offset lies beyond its last record (a batch that
// compaction emptied, transaction markers), the consumer advances without
// delivering anything, so the tail cannot tell ReadToEnd it got there; the
// Java consumer has position() for this, kgo has no equivalent. ReadToEnd
// therefore probes each partition it waits on: a direct Fetch from the
// applied position shows whether any data record lies before the end.

// dataFrom returns the first offset >= from that may hold a data record
// below end: from itself when one does, else how far the probe saw nothing
// but empty batches and control records (which may reach end or beyond).
func (l *TopicLog) dataFrom(ctx context.Context, p int32, from, end int64) (int64, error) {
	tds, err := l.adm.ListTopics(ctx, l.topic)
	if err != nil {
		return from, err
	}
	td := tds[l.topic]
	pd, ok := td.Partitions[p]
	if td.Err != nil || !ok {
		return from, fmt.Errorf("partition %d: no metadata (%v)", p, td.Err)
	}
	for from < end {
		req := kmsg.NewPtrFetchRequest()
		req.ReplicaID = -1
		req.MaxWaitMillis = 0
		req.MinBytes = 1
		req.MaxBytes = 1 << 20
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = l.topic
		rt.TopicID = td.ID
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = p
		rp.FetchOffset = from
		rp.CurrentLeaderEpoch = -1
		rp.LogStartOffset = -1
		rp.PartitionMaxBytes = 64 << 10 // the broker still returns one whole batch
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		kresp, err := l.side.Broker(int(pd.Leader)).Request(ctx, req)
		if err != nil {
			return from, err
		}
		resp := kresp.(*kmsg.FetchResponse)
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return from, err
		}
		var part *kmsg.FetchResponseTopicPartition
		for i := range resp.Topics {
			for j := range resp.Topics[i].Partitions {
				if resp.Topics[i].Partitions[j].Partition == p {
					part = &resp.Topics[i].Partitions[j]
				}
			}
		}
		if part == nil {
			return from, fmt.Errorf("partition %d: not in fetch response", p)
		}
		if err := kerr.ErrorForCode(part.ErrorCode); err != nil {
			return from, err
		}
		fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
			KeepControlRecords: true, Offset: from, Topic: l.topic, Partition: p,
		}, part, kgo.DefaultDecompressor(), nil)
		if fp.Err != nil {
			return from, fp.Err
		}
		for _, r := range fp.Records {
			if !r.Attrs.IsControl() && r.Offset >= from {
				return from, nil // data to wait for
			}
		}
		if next <= from {
			return from, nil // nothing fetched: the tail will get there
		}
		from = next
	}
	return from, nil
}
