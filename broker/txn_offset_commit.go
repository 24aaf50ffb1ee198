package broker

// TxnOffsetCommit, versions 0-5.
//
// Served by the group coordinator (package group): the offsets are written
// to __consumer_offsets as a transactional batch and become visible when
// the transaction's commit marker is written (dropped on abort).

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleTxnOffsetCommit(c *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.TxnOffsetCommitRequest)
	return reply{wait: func() kmsg.Response { return b.groups.TxnOffsetCommit(c.ctx, req) }}
}
