package broker

// DescribeTransactions, version 0.
//
// Served by the transaction coordinator (package txn).

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleDescribeTransactions(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.txns.DescribeTransactions(c.ctx, kreq.(*kmsg.DescribeTransactionsRequest))}
}
