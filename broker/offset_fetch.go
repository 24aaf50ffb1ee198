package broker

// OffsetFetch, versions 1-9.
//
// Served by the group coordinator (package group). RequireStable (v7+) never waits: there are no transactions yet.

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleOffsetFetch(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.groups.OffsetFetch(c.ctx, kreq.(*kmsg.OffsetFetchRequest))}
}
