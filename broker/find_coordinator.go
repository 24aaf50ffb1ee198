package broker

// FindCoordinator, versions 0-6.
//
// Every group's coordinator is the leader of its __consumer_offsets
// partition (abs(hash(group)) % offsets.topic.num.partitions, as Kafka
// computes it); on a single node that is this broker. Batched keys (v4+)
// are answered one by one.
// A transactional id's coordinator (key type 1) is likewise the leader of its
// __transaction_state partition. Deviation: share coordinators (type 2) are
// answered with INVALID_REQUEST (no share groups).

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
	var (
		topic string
		p     int32
	)
	switch keyType {
	case 0:
		if key == "" {
			return kerr.InvalidGroupID
		}
		topic, p = offsetsTopic, b.groups.PartitionFor(key)
	case 1:
		if key == "" {
			return kerr.InvalidRequest
		}
		topic, p = txnTopic, b.txns.PartitionFor(key)
	default:
		return kerr.InvalidRequest
	}
	t, ok := b.meta.Topic(topic)
	if !ok {
		return kerr.CoordinatorNotAvailable
	}
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
