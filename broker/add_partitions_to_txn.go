package broker

// AddPartitionsToTxn, versions 0-5.
//
// Served by the transaction coordinator (package txn): v0-3 carry one
// transaction from a producer, v4+ batches of transactions (and VerifyOnly)
// as brokers send them in Kafka.

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleAddPartitionsToTxn(c *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.AddPartitionsToTxnRequest)
	return reply{wait: func() kmsg.Response { return b.txns.AddPartitionsToTxn(c.ctx, req) }}
}
