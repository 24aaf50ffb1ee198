package broker

// DeleteRecords, versions 0-2.
//
// Raises the log start offset; whole segments below it are removed, and
// reads below it answer OFFSET_OUT_OF_RANGE. Offset -1 means the high
// watermark.

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) handleDeleteRecords(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.DeleteRecordsRequest)
	resp := req.ResponseKind().(*kmsg.DeleteRecordsResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewDeleteRecordsResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewDeleteRecordsResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.LowWatermark = -1
			p, err := b.parts.get(rt.Topic, rp.Partition)
			if err == nil {
				sp.LowWatermark, err = p.log.DeleteRecords(rp.Offset)
			}
			if err != nil {
				sp.LowWatermark = -1
				sp.ErrorCode = codeOf(logErr(err))
			}
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return reply{resp: resp}
}
