package group

// DescribeGroups: versions 0-5.
//
// As in Kafka's classic coordinator, an unknown group is described as "Dead"
// with no error; member metadata, assignments and the protocol are shown only
// when the group is Stable. With IncludeAuthorizedOperations (v3+) every group
// operation is reported as allowed (no ACLs here); otherwise the field is
// Kafka's "not requested" value, math.MinInt32.

import (
	"context"
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// groupOperations is READ | DELETE | DESCRIBE as Kafka's AclOperation bits.
const groupOperations = 1<<3 | 1<<6 | 1<<8

// DescribeGroups describes groups and their members.
func (c *Coordinator) DescribeGroups(_ context.Context, req *kmsg.DescribeGroupsRequest) *kmsg.DescribeGroupsResponse {
	r := kmsg.NewPtrDescribeGroupsResponse()
	r.Version = req.Version
	for _, name := range req.Groups {
		d := kmsg.NewDescribeGroupsResponseGroup()
		d.Group = name
		d.AuthorizedOperations = math.MinInt32
		if req.IncludeAuthorizedOperations {
			d.AuthorizedOperations = groupOperations
		}
		g, code := c.acquire(name, false)
		switch {
		case code != 0:
			d.ErrorCode = code
		case g == nil:
			d.State = stateDead.String()
		default:
			g.describeLocked(&d)
			g.mu.Unlock()
		}
		r.Groups = append(r.Groups, d)
	}
	return r
}

func (g *group) describeLocked(d *kmsg.DescribeGroupsResponseGroup) {
	d.State = g.state.String()
	d.ProtocolType = g.protocolType
	stable := g.state == stateStable
	if stable {
		d.Protocol = g.protocol
	}
	for _, m := range g.sortedMembersLocked() {
		dm := kmsg.NewDescribeGroupsResponseGroupMember()
		dm.MemberID, dm.InstanceID = m.id, m.instanceID
		dm.ClientID, dm.ClientHost = m.clientID, m.clientHost
		if stable {
			dm.ProtocolMetadata = m.metadataFor(g.protocol)
			dm.MemberAssignment = m.assignment
		}
		d.Members = append(d.Members, dm)
	}
}
