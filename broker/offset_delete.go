package broker

// OffsetDelete, versions 0.
//
// Served by the group coordinator (package group); refuses partitions of topics the group is still subscribed to (GROUP_SUBSCRIBED_TO_TOPIC).

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleOffsetDelete(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.groups.OffsetDelete(c.ctx, kreq.(*kmsg.OffsetDeleteRequest))}
}
