package broker

// OffsetCommit, versions 2-9.
//
// Served by the group coordinator (package group); answered only after the offsets are in __consumer_offsets.

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleOffsetCommit(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.groups.OffsetCommit(c.ctx, kreq.(*kmsg.OffsetCommitRequest))}
}
