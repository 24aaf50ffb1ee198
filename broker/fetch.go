package broker

// Fetch, versions 4-16.
//
// Long polling honours max.wait.ms and min.bytes: a fetch that finds less
// than min.bytes waits for an append to any of its partitions, the
// deadline, or the connection's end. max.bytes and per-partition limits
// are honoured, except that the first batch of the first non-empty
// partition is returned whole (KIP-74). Stored batches are returned as they
// are on disk. read_uncommitted reads up to the high watermark (on this
// single node, the log end offset); read_committed up to the last stable
// offset, with the aborted transactions of the range so the client drops
// their records.
// Deviations: no incremental fetch sessions (KIP-227): every answer carries
// session id 0, which tells clients to send full fetches; no follower
// fetching or preferred read replicas.

import (
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) handleFetch(c *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.FetchRequest)
	return reply{wait: func() kmsg.Response { return b.fetch(c, req) }}
}

func (b *Broker) fetch(c *conn, req *kmsg.FetchRequest) kmsg.Response {
	resp := req.ResponseKind().(*kmsg.FetchResponse)
	if req.SessionID != 0 {
		resp.ErrorCode = kerr.FetchSessionIDNotFound.Code
		return resp
	}
	if req.SessionEpoch > 0 {
		resp.ErrorCode = kerr.InvalidFetchSessionEpoch.Code
		return resp
	}
	deadline := time.Now().Add(time.Duration(req.MaxWaitMillis) * time.Millisecond)
	wake := make(chan struct{}, 1)
	var timer *time.Timer
	for {
		resp.Topics = resp.Topics[:0]
		var watched []*partition
		total, stop := b.fetchOnce(req, resp, func(p *partition) {
			p.watch(wake)
			watched = append(watched, p)
		})
		if stop || total >= int(req.MinBytes) || !time.Now().Before(deadline) {
			for _, p := range watched {
				p.unwatch(wake)
			}
			return resp
		}
		if timer == nil {
			timer = time.NewTimer(time.Until(deadline))
			defer timer.Stop()
		}
		select {
		case <-wake:
		case <-timer.C:
			deadline = time.Now() // one last read
		case <-c.ctx.Done():
			deadline = time.Now()
		}
		for _, p := range watched {
			p.unwatch(wake)
		}
	}
}

// fetchOnce fills resp with what can be read now and returns the bytes
// read, and whether an error answer must go out without waiting. watch is
// called for each readable partition before it is read, so an append that
// races with the read still wakes the waiting fetch.
func (b *Broker) fetchOnce(req *kmsg.FetchRequest, resp *kmsg.FetchResponse, watch func(*partition)) (total int, stop bool) {
	maxBytes := int(req.MaxBytes)
	if maxBytes <= 0 {
		maxBytes = 1 << 31
	}
	for _, rt := range req.Topics {
		topic := rt.Topic
		st := kmsg.NewFetchResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		var topicErr *kerr.Error
		if req.Version >= 13 {
			name, ok := b.meta.TopicName(rt.TopicID)
			if ok {
				topic = name
			} else {
				topicErr = kerr.UnknownTopicID
			}
		}
		for _, rp := range rt.Partitions {
			sp := kmsg.NewFetchResponseTopicPartition()
			sp.Partition = rp.Partition
			// An empty record set, never a null one: librdkafka rejects
			// a null set as a malformed answer.
			sp.RecordBatches = []byte{}
			sp.HighWatermark, sp.LastStableOffset, sp.LogStartOffset = -1, -1, -1
			if topicErr != nil {
				sp.ErrorCode = topicErr.Code
				stop = true
				st.Partitions = append(st.Partitions, sp)
				continue
			}
			p, err := b.parts.get(topic, rp.Partition)
			if err != nil {
				sp.ErrorCode = codeOf(logErr(err))
				stop = true
				st.Partitions = append(st.Partitions, sp)
				continue
			}
			if ke := checkLeaderEpoch(p, rp.CurrentLeaderEpoch); ke != nil {
				sp.ErrorCode = ke.Code
				stop = true
				st.Partitions = append(st.Partitions, sp)
				continue
			}
			watch(p)
			hw, lso := p.log.EndOffset(), p.log.LastStableOffset()
			sp.HighWatermark, sp.LastStableOffset, sp.LogStartOffset = hw, lso, p.log.StartOffset()
			upTo := hw
			if req.IsolationLevel == 1 {
				upTo = lso
			}
			budget := min(int(rp.PartitionMaxBytes), maxBytes-total)
			if budget < 0 {
				budget = 0
			}
			data, rerr := p.log.Read(rp.FetchOffset, int32(budget), upTo, total == 0)
			if rerr == nil && req.IsolationLevel == 1 && len(data) > 0 {
				sp.AbortedTransactions, rerr = abortedIn(p, rp.FetchOffset, upTo)
			}
			if rerr != nil {
				sp.ErrorCode = codeOf(logErr(rerr))
				stop = true
			} else if len(data) > 0 {
				sp.RecordBatches = data
				total += len(data)
				b.metrics.fetched(topic, data)
			}
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return total, stop
}

// abortedIn lists the aborted transactions overlapping [from, upTo), which a
// read_committed consumer uses to drop aborted records.
func abortedIn(p *partition, from, upTo int64) ([]kmsg.FetchResponseTopicPartitionAbortedTransaction, error) {
	aborted, err := p.log.AbortedTransactions(from, upTo)
	if err != nil || len(aborted) == 0 {
		return nil, err
	}
	out := make([]kmsg.FetchResponseTopicPartitionAbortedTransaction, len(aborted))
	for i, a := range aborted {
		out[i] = kmsg.NewFetchResponseTopicPartitionAbortedTransaction()
		out[i].ProducerID, out[i].FirstOffset = a.ProducerID, a.FirstOffset
	}
	return out, nil
}

// checkLeaderEpoch validates a client's idea of the leader epoch (-1 skips).
func checkLeaderEpoch(p *partition, clientEpoch int32) *kerr.Error {
	if clientEpoch < 0 {
		return nil
	}
	switch ours := p.epoch.Load(); {
	case clientEpoch < ours:
		return kerr.FencedLeaderEpoch
	case clientEpoch > ours:
		return kerr.UnknownLeaderEpoch
	}
	return nil
}
