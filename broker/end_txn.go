package broker

// EndTxn, versions 0-4.
//
// Served by the transaction coordinator (package txn): answered once the
// commit or abort decision is durable in __transaction_state; markers are
// then written to every partition of the transaction. Deviation: v5
// (KIP-890 part 2, an epoch bump per transaction) is not served.

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleEndTxn(c *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.EndTxnRequest)
	return reply{wait: func() kmsg.Response { return b.txns.EndTxn(c.ctx, req) }}
}
