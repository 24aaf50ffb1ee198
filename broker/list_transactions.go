package broker

// ListTransactions, versions 0-2.
//
// Served by the transaction coordinator (package txn), with the state,
// producer id, duration (v1) and id pattern (v2) filters.

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleListTransactions(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.txns.ListTransactions(c.ctx, kreq.(*kmsg.ListTransactionsRequest))}
}
