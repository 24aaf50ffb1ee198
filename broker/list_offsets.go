package broker

// ListOffsets, versions 1-9.
//
// Special timestamps: -2 earliest, -1 latest (the high watermark, or the
// last stable offset for read_committed), -3 the record with
// the largest timestamp (v7+), -4 earliest local (v8+, the same as -2: no
// tiered storage), -5 earliest pending upload (v9+, answered with -1: no
// tiered storage). A timestamp >= 0 finds the earliest record whose
// timestamp is at or after it; when there is none the answer is offset -1.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) handleListOffsets(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.ListOffsetsRequest)
	resp := req.ResponseKind().(*kmsg.ListOffsetsResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewListOffsetsResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewListOffsetsResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.Timestamp, sp.Offset, sp.LeaderEpoch = -1, -1, -1
			sp.ErrorCode = codeOf(b.listOffset(rt.Topic, req.IsolationLevel, rp, &sp))
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return reply{resp: resp}
}

func (b *Broker) listOffset(topic string, isolation int8, rp kmsg.ListOffsetsRequestTopicPartition, sp *kmsg.ListOffsetsResponseTopicPartition) *kerr.Error {
	p, err := b.parts.get(topic, rp.Partition)
	if err != nil {
		return logErr(err)
	}
	if ke := checkLeaderEpoch(p, rp.CurrentLeaderEpoch); ke != nil {
		return ke
	}
	epoch := p.epoch.Load()
	switch ts := rp.Timestamp; {
	case ts == -1 && isolation == 1:
		sp.Offset, sp.LeaderEpoch = p.log.LastStableOffset(), epoch
	case ts == -1:
		sp.Offset, sp.LeaderEpoch = p.log.EndOffset(), epoch
	case ts == -2 || ts == -4:
		sp.Offset, sp.LeaderEpoch = p.log.StartOffset(), epoch
	case ts == -5:
	case ts == -3:
		off, mts, ok, err := p.log.MaxTimestamp()
		if err != nil {
			return logErr(err)
		}
		if ok {
			sp.Offset, sp.Timestamp, sp.LeaderEpoch = off, mts, epoch
		}
	case ts >= 0:
		off, fts, ok, err := p.log.OffsetForTimestamp(ts)
		if err != nil {
			return logErr(err)
		}
		if ok {
			sp.Offset, sp.Timestamp, sp.LeaderEpoch = off, fts, epoch
		}
	default:
		return kerr.InvalidRequest
	}
	return nil
}
