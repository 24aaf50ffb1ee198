package broker

// LeaveGroup, versions 0-5.
//
// Served by the group coordinator (package group), including batched leaves by group.instance.id (v3+).

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleLeaveGroup(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.groups.LeaveGroup(c.ctx, kreq.(*kmsg.LeaveGroupRequest))}
}
