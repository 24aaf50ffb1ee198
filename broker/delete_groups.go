package broker

// DeleteGroups, versions 0-2.
//
// Served by the group coordinator (package group); only empty groups can be deleted (NON_EMPTY_GROUP otherwise).

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleDeleteGroups(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.groups.DeleteGroups(c.ctx, kreq.(*kmsg.DeleteGroupsRequest))}
}
