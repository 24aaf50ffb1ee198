package broker

// OffsetForLeaderEpoch, versions 2-4.
//
// Answers the end offset of the requested leader epoch (the start of the
// next higher epoch, or the log end for the current one), as consumers use
// to detect truncation. Deviation: follower requests (replica id >= 0) are
// answered like consumer requests: there is no replication yet.

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) handleOffsetForLeaderEpoch(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.OffsetForLeaderEpochRequest)
	resp := req.ResponseKind().(*kmsg.OffsetForLeaderEpochResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewOffsetForLeaderEpochResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.LeaderEpoch, sp.EndOffset = -1, -1
			p, err := b.parts.get(rt.Topic, rp.Partition)
			switch {
			case err != nil:
				sp.ErrorCode = codeOf(logErr(err))
			case checkLeaderEpoch(p, rp.CurrentLeaderEpoch) != nil:
				sp.ErrorCode = checkLeaderEpoch(p, rp.CurrentLeaderEpoch).Code
			default:
				sp.LeaderEpoch, sp.EndOffset = p.log.EndOffsetForEpoch(rp.LeaderEpoch)
			}
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return reply{resp: resp}
}
