package txn

// DescribeTransactions: version 0. Deviations from Apache Kafka: none known.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DescribeTransactionsMaxVersion is the highest DescribeTransactions version served.
const DescribeTransactionsMaxVersion = 0

// DescribeTransactions describes transactional ids this coordinator owns.
func (c *Coordinator) DescribeTransactions(_ context.Context, req *kmsg.DescribeTransactionsRequest) *kmsg.DescribeTransactionsResponse {
	resp := req.ResponseKind().(*kmsg.DescribeTransactionsResponse)
	resp.Version = req.Version
	for _, id := range req.TransactionalIDs {
		resp.TransactionStates = append(resp.TransactionStates, c.describe(id))
	}
	return resp
}

func (c *Coordinator) describe(id string) kmsg.DescribeTransactionsResponseTransactionState {
	s := kmsg.NewDescribeTransactionsResponseTransactionState()
	s.TransactionalID = id
	if id == "" {
		s.ErrorCode = kerr.InvalidRequest.Code
		return s
	}
	t, code := c.acquire(id, false)
	if code != 0 {
		s.ErrorCode = code
		return s
	}
	if t == nil {
		s.ErrorCode = kerr.TransactionalIDNotFound.Code
		return s
	}
	m := t.mu.meta
	persisted := t.mu.persisted
	t.mu.Unlock()
	if !persisted { // an InitProducerId in progress for a new id
		s.ErrorCode = kerr.TransactionalIDNotFound.Code
		return s
	}
	s.State = m.state.String()
	s.TimeoutMillis = m.timeoutMillis
	s.StartTimestamp = m.startMillis
	s.ProducerID = m.producerID
	s.ProducerEpoch = m.epoch
	topics, parts := m.byTopic()
	for _, topic := range topics {
		st := kmsg.NewDescribeTransactionsResponseTransactionStateTopic()
		st.Topic = topic
		st.Partitions = parts[topic]
		s.Topics = append(s.Topics, st)
	}
	return s
}
