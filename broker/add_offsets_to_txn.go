package broker

// AddOffsetsToTxn, versions 0-4.
//
// Served by the transaction coordinator (package txn): adds the group's
// __consumer_offsets partition to the transaction, so the transaction's
// markers complete its TxnOffsetCommit.

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleAddOffsetsToTxn(c *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.AddOffsetsToTxnRequest)
	return reply{wait: func() kmsg.Response { return b.txns.AddOffsetsToTxn(c.ctx, req) }}
}
