package broker

// DescribeGroups, versions 0-5.
//
// Served by the group coordinator (package group); authorized operations are not computed (no ACLs yet).

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleDescribeGroups(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.groups.DescribeGroups(c.ctx, kreq.(*kmsg.DescribeGroupsRequest))}
}
