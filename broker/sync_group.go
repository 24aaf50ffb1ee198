package broker

// SyncGroup, versions 0-5.
//
// Served by the group coordinator (package group); a follower's answer
// waits for the leader's assignment.

import "github.com/twmb/franz-go/pkg/kmsg"

func (b *Broker) handleSyncGroup(c *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.SyncGroupRequest)
	return reply{wait: func() kmsg.Response { return b.groups.SyncGroup(c.ctx, req) }}
}
