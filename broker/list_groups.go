package broker

// ListGroups, versions 0-5.
//
// Served by the group coordinator (package group), with the v4 states filter and v5 types filter.

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleListGroups(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.groups.ListGroups(c.ctx, kreq.(*kmsg.ListGroupsRequest))}
}
