package broker

// FindCoordinator, versions 0-6.
//
// Every group's coordinator is the leader of its __consumer_offsets
// partition (abs(hash(group)) % offsets.topic.num.partitions, as Kafka
// computes it); on a single node that is this broker. Batched keys (v4+)
// are answered one by one.
// Deviation: transaction coordinators (key type 1) are answered with
// COORDINATOR_NOT_AVAILABLE until transactions are served; share
// coordinators (type 2) with INVALID_REQUEST.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) handleFindCoordinator(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.FindCoordinatorRequest)
	resp := req.ResponseKind().(*kmsg.FindCoordinatorResponse)
	keys := req.CoordinatorKeys
	if req.Version < 4 {
		keys = []string{req.CoordinatorKey}
	}
	for _, key := range keys {
		c := kmsg.NewFindCoordinatorResponseCoordinator()
		c.Key = key
		c.NodeID, c.Port = -1, -1
		if ke := b.coordinatorFor(req.CoordinatorType, key, &c); ke != nil {
			c.ErrorCode = ke.Code
			msg := ke.Description
			c.ErrorMessage = &msg
		}
		resp.Coordinators = append(resp.Coordinators, c)
	}
	if req.Version < 4 && len(resp.Coordinators) == 1 {
		c := resp.Coordinators[0]
		resp.ErrorCode, resp.ErrorMessage = c.ErrorCode, c.ErrorMessage
		resp.NodeID, resp.Host, resp.Port = c.NodeID, c.Host, c.Port
		resp.Coordinators = nil
	}
	return reply{resp: resp}
}

func (b *Broker) coordinatorFor(keyType int8, key string, c *kmsg.FindCoordinatorResponseCoordinator) *kerr.Error {
	switch keyType {
	case 0:
	case 1:
		return kerr.CoordinatorNotAvailable
	default:
		return kerr.InvalidRequest
	}
	if key == "" {
		return kerr.InvalidGroupID
	}
	t, ok := b.meta.Topic(offsetsTopic)
	if !ok {
		return kerr.CoordinatorNotAvailable
	}
	p := b.groups.PartitionFor(key)
	if int(p) >= len(t.Partitions) {
		return kerr.CoordinatorNotAvailable
	}
	leader := t.Partitions[p].Leader
	for _, br := range b.meta.Brokers() {
		if br.NodeID == leader {
			c.NodeID, c.Host, c.Port = br.NodeID, br.Host, br.Port
			return nil
		}
	}
	return kerr.CoordinatorNotAvailable
}
