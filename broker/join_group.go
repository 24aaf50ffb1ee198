package broker

// JoinGroup, versions 0-9.
//
// Served by the group coordinator (package group); the answer waits until the rebalance completes, holding back only later answers on this connection.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/group"
)

func (b *Broker) handleJoinGroup(c *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.JoinGroupRequest)
	ctx := group.WithClient(c.ctx, c.clientID, c.host)
	return reply{wait: func() kmsg.Response { return b.groups.JoinGroup(ctx, req) }}
}
