package txn

// AddPartitionsToTxn: versions 0-5. Versions 0-3 carry one transaction from
// a producer; versions 4+ carry a batch of transactions from a broker, each
// either adding partitions or, with VerifyOnly, checking that they are
// already in the transaction (KIP-890 part 1). Deviations from Apache Kafka:
// no authorization, so version 4+ adds are accepted from any client.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// AddPartitionsToTxnMaxVersion is the highest AddPartitionsToTxn version served.
const AddPartitionsToTxnMaxVersion = 5

// AddPartitionsToTxn adds partitions to producers' transactions.
func (c *Coordinator) AddPartitionsToTxn(_ context.Context, req *kmsg.AddPartitionsToTxnRequest) *kmsg.AddPartitionsToTxnResponse {
	resp := req.ResponseKind().(*kmsg.AddPartitionsToTxnResponse)
	resp.Version = req.Version
	if req.Version < 4 {
		parts := make(map[string][]int32, len(req.Topics))
		for _, t := range req.Topics {
			parts[t.Topic] = append(parts[t.Topic], t.Partitions...)
		}
		errs := c.addPartitions(req.TransactionalID, req.ProducerID, req.ProducerEpoch, false, req.Version, parts)
		for _, t := range req.Topics {
			rt := kmsg.NewAddPartitionsToTxnResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewAddPartitionsToTxnResponseTopicPartition()
				rp.Partition = p
				rp.ErrorCode = errs[tp{t.Topic, p}]
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	for _, tx := range req.Transactions {
		parts := make(map[string][]int32, len(tx.Topics))
		for _, t := range tx.Topics {
			parts[t.Topic] = append(parts[t.Topic], t.Partitions...)
		}
		errs := c.addPartitions(tx.TransactionalID, tx.ProducerID, tx.ProducerEpoch, tx.VerifyOnly, req.Version, parts)
		rtx := kmsg.NewAddPartitionsToTxnResponseTransaction()
		rtx.TransactionalID = tx.TransactionalID
		for _, t := range tx.Topics {
			rt := kmsg.NewAddPartitionsToTxnResponseTransactionTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewAddPartitionsToTxnResponseTransactionTopicPartition()
				rp.Partition = p
				rp.ErrorCode = errs[tp{t.Topic, p}]
				rt.Partitions = append(rt.Partitions, rp)
			}
			rtx.Topics = append(rtx.Topics, rt)
		}
		resp.Transactions = append(resp.Transactions, rtx)
	}
	return resp
}

// addPartitions adds (or verifies) parts for one transaction and returns the
// error code of every partition.
func (c *Coordinator) addPartitions(id string, producerID int64, epoch int16, verifyOnly bool, version int16, parts map[string][]int32) map[tp]int16 {
	var list []tp
	for t, ps := range parts {
		for _, p := range ps {
			list = append(list, tp{t, p})
		}
	}
	errs := make(map[tp]int16, len(list))
	all := func(code int16) map[tp]int16 {
		for _, p := range list {
			errs[p] = code
		}
		return errs
	}
	unknown := false
	for _, p := range list {
		if !c.cfg.PartitionExists(p.topic, p.partition) {
			errs[p] = kerr.UnknownTopicOrPartition.Code
			unknown = true
		}
	}
	if unknown { // as Kafka: the others are not attempted
		for _, p := range list {
			if errs[p] == 0 {
				errs[p] = kerr.OperationNotAttempted.Code
			}
		}
		return errs
	}
	if verifyOnly {
		code, in := c.verify(id, producerID, epoch, list)
		if code != 0 {
			return all(fencedCode(code, version, 2))
		}
		for _, p := range list {
			if !in[p] {
				errs[p] = kerr.InvalidTxnState.Code
			}
		}
		return errs
	}
	return all(fencedCode(c.add(id, producerID, epoch, list), version, 2))
}

// add is Kafka's handleAddPartitionsToTransaction.
func (c *Coordinator) add(id string, producerID int64, epoch int16, list []tp) int16 {
	if id == "" {
		return kerr.InvalidRequest.Code
	}
	t, code := c.acquire(id, false)
	if code != 0 {
		return code
	}
	if t == nil {
		return kerr.InvalidProducerIDMapping.Code
	}
	defer t.mu.Unlock()
	if code := checkProducerLocked(t, producerID, epoch); code != 0 {
		return code
	}
	m := t.mu.meta
	if m.state == stateOngoing && m.hasAll(list) {
		return 0
	}
	return c.addLocked(t, list)
}

// checkProducerLocked checks the producer id and epoch of a request against
// t, and that no transaction of t is being completed.
func checkProducerLocked(t *txn, producerID int64, epoch int16) int16 {
	m := t.mu.meta
	switch {
	case m.producerID != producerID:
		return kerr.InvalidProducerIDMapping.Code
	case m.epoch != epoch:
		return kerr.ProducerFenced.Code
	case m.state == statePrepareCommit || m.state == statePrepareAbort:
		return kerr.ConcurrentTransactions.Code
	}
	return 0
}

// addLocked persists t as Ongoing with list added; a new transaction starts
// now.
func (c *Coordinator) addLocked(t *txn, list []tp) int16 {
	m := t.mu.meta
	next := m
	next.state = stateOngoing
	next.partitions = m.withPartitions(list)
	next.updatedMillis = c.nowMillis()
	if m.state != stateOngoing {
		next.startMillis = next.updatedMillis
	}
	return c.persistLocked(t, next)
}

// verify is Kafka's handleVerifyPartitionsInTransaction: a code for the
// whole transaction, else which partitions of list are in it.
func (c *Coordinator) verify(id string, producerID int64, epoch int16, list []tp) (int16, map[tp]bool) {
	if id == "" {
		return kerr.InvalidRequest.Code, nil
	}
	t, code := c.acquire(id, false)
	if code != 0 {
		return code, nil
	}
	if t == nil {
		return kerr.InvalidProducerIDMapping.Code, nil
	}
	defer t.mu.Unlock()
	if code := checkProducerLocked(t, producerID, epoch); code != 0 {
		return code, nil
	}
	in := make(map[tp]bool, len(list))
	for _, p := range list {
		_, in[p] = t.mu.meta.partitions[p]
	}
	return 0, in
}
