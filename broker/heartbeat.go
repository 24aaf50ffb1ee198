package broker

// Heartbeat, versions 0-4.
//
// Served by the group coordinator (package group).

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleHeartbeat(c *conn, kreq kmsg.Request) reply {
	return reply{resp: b.groups.Heartbeat(c.ctx, kreq.(*kmsg.HeartbeatRequest))}
}
