package broker

// Produce, versions 3-12.
//
// Batches are stored as the producer sent them (compressed or not) after
// their CRC-32C is checked; only the base offset and partition leader
// epoch are rewritten. acks=0 gets no answer, acks=1 is answered once the
// batch is in the log, acks=all likewise on this single node, and after an
// fsync when the topic sets sluice.flush.on.ack=true (group-committed).
// A transactional produce must name partitions already added to the
// producer's ongoing transaction (checked with the transaction
// coordinator, as KIP-890 part 1 does), else INVALID_TXN_STATE or the
// coordinator's error. Deviation: exactly one batch per partition, as Kafka
// requires for magic 2.

import (
	"encoding/binary"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// produced is one partition's append, remembered until its answer.
type produced struct {
	p          *partition
	lastOffset int64
	sync       bool
}

func (b *Broker) handleProduce(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.ProduceRequest)
	resp := req.ResponseKind().(*kmsg.ProduceResponse)

	var reqErr *kerr.Error
	if req.Acks != 0 && req.Acks != 1 && req.Acks != -1 {
		reqErr = kerr.InvalidRequiredAcks
	}

	var syncs []produced
	for _, rt := range req.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.BaseOffset, sp.LogStartOffset, sp.LogAppendTime = -1, -1, -1
			pr, err := b.produceOne(reqErr, req.TransactionID, rt.Topic, rp, &sp)
			if err != nil {
				sp.ErrorCode = err.Code
			} else if req.Acks == -1 && pr.sync {
				syncs = append(syncs, pr)
			}
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}

	if req.Acks == 0 {
		return reply{none: true}
	}
	if len(syncs) == 0 {
		return reply{resp: resp}
	}
	return reply{wait: func() kmsg.Response {
		for _, s := range syncs {
			if err := s.p.log.Sync(s.lastOffset); err != nil {
				b.logger.Error("fsync before ack", "topic", s.p.topic, "partition", s.p.id, "err", err)
				markProduceErr(resp, s.p.topic, s.p.id, kerr.KafkaStorageError)
			}
		}
		return resp
	}}
}

// produceOne appends one partition's batch and fills sp.
func (b *Broker) produceOne(reqErr *kerr.Error, txnID *string, topic string, rp kmsg.ProduceRequestTopicPartition, sp *kmsg.ProduceResponseTopicPartition) (produced, *kerr.Error) {
	if reqErr != nil {
		return produced{}, reqErr
	}
	if err := validTopicName(topic); err != nil {
		return produced{}, kerr.InvalidTopicException
	}
	p, err := b.parts.get(topic, rp.Partition)
	if err != nil {
		return produced{}, logErr(err)
	}
	batch := rp.Records
	if len(batch) < batchHeaderLen {
		return produced{}, kerr.CorruptMessage
	}
	if n := 12 + int64(int32(binary.BigEndian.Uint32(batch[8:12]))); n != int64(len(batch)) {
		if n < int64(len(batch)) && n > 12 {
			return produced{}, kerr.InvalidRecord // more than one batch
		}
		return produced{}, kerr.CorruptMessage
	}
	transactional := batch[22]&attrTransactional != 0 // attributes are bytes 21-22
	switch {
	case txnID == nil && transactional:
		return produced{}, kerr.TransactionalIDAuthorizationFailed
	case txnID != nil && !transactional:
		return produced{}, kerr.InvalidRecord
	case txnID != nil:
		pid := int64(binary.BigEndian.Uint64(batch[43:51]))
		epoch := int16(binary.BigEndian.Uint16(batch[51:53]))
		if err := b.txns.Verify(*txnID, pid, epoch, topic, rp.Partition); err != nil {
			return produced{}, logErr(err)
		}
	}
	res, aerr := p.log.Append(batch, p.epoch.Load())
	if aerr != nil {
		if !errors.Is(aerr, kerr.NotLeaderForPartition) {
			b.logger.Debug("produce refused", "topic", topic, "partition", rp.Partition, "err", aerr)
		}
		ke := logErr(aerr)
		sp.ErrorMessage = messageOf(aerr)
		return produced{}, ke
	}
	sp.BaseOffset = res.BaseOffset
	sp.LogAppendTime = res.LogAppendTime
	sp.LogStartOffset = res.LogStartOffset
	if !res.Duplicate {
		p.notify()
		b.metrics.produced(topic, len(batch), int(int32(binary.BigEndian.Uint32(batch[57:61]))))
	}
	return produced{p: p, lastOffset: res.LastOffset, sync: p.log.Config().FsyncOnAck}, nil
}

func markProduceErr(resp *kmsg.ProduceResponse, topic string, partition int32, ke *kerr.Error) {
	for i := range resp.Topics {
		if resp.Topics[i].Topic != topic {
			continue
		}
		for j := range resp.Topics[i].Partitions {
			if resp.Topics[i].Partitions[j].Partition == partition {
				resp.Topics[i].Partitions[j].ErrorCode = ke.Code
			}
		}
	}
}

// batchHeaderLen is the size of a magic-2 record batch header.
const batchHeaderLen = 61
