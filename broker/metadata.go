package broker

// Metadata, versions 0-12.
//
// A null topic list (an empty one at v0) asks for every topic. Unknown
// topics are created only when auto.create.topics.enable is true (Sluice's
// default is false) and the client allows it (v4+); creation is
// synchronous, so the answer already describes the new topic.
// Deviation: authorized operations are not computed (no ACLs yet).

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/meta"
)

func (b *Broker) handleMetadata(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.MetadataRequest)
	resp := req.ResponseKind().(*kmsg.MetadataResponse)
	for _, br := range b.meta.Brokers() {
		mb := kmsg.NewMetadataResponseBroker()
		mb.NodeID, mb.Host, mb.Port, mb.Rack = br.NodeID, br.Host, br.Port, br.Rack
		resp.Brokers = append(resp.Brokers, mb)
	}
	cid := b.meta.ClusterID()
	resp.ClusterID = &cid
	resp.ControllerID = b.meta.ControllerID()

	all := req.Topics == nil || (req.Version == 0 && len(req.Topics) == 0)
	if all {
		for _, t := range b.meta.Topics() {
			resp.Topics = append(resp.Topics, metadataTopic(t))
		}
		return reply{resp: resp}
	}
	autoCreate := b.brokerBool("auto.create.topics.enable") && (req.Version < 4 || req.AllowAutoTopicCreation)
	for _, rt := range req.Topics {
		var (
			t  meta.Topic
			ok bool
		)
		switch {
		case rt.Topic != nil:
			t, ok = b.meta.Topic(*rt.Topic)
		case req.Version >= 10:
			t, ok = b.meta.TopicByID(rt.TopicID)
		}
		if ok {
			resp.Topics = append(resp.Topics, metadataTopic(t))
			continue
		}
		mt := kmsg.NewMetadataResponseTopic()
		mt.Topic, mt.TopicID = rt.Topic, rt.TopicID
		switch {
		case rt.Topic == nil:
			mt.ErrorCode = kerr.UnknownTopicID.Code
		case validTopicName(*rt.Topic) != nil:
			mt.ErrorCode = kerr.InvalidTopicException.Code
		case autoCreate:
			_, err := b.meta.CreateTopic(*rt.Topic, -1, -1, nil, false)
			if err == nil || metaErr(err) == kerr.TopicAlreadyExists {
				if nt, ok := b.meta.Topic(*rt.Topic); ok {
					resp.Topics = append(resp.Topics, metadataTopic(nt))
					continue
				}
			}
			mt.ErrorCode = codeOf(metaErr(err))
		default:
			mt.ErrorCode = kerr.UnknownTopicOrPartition.Code
		}
		resp.Topics = append(resp.Topics, mt)
	}
	return reply{resp: resp}
}

func metadataTopic(t meta.Topic) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.Name
	mt.Topic = &name
	mt.TopicID = t.ID
	mt.IsInternal = t.Internal
	for _, p := range t.Partitions {
		mp := kmsg.NewMetadataResponseTopicPartition()
		mp.Partition = p.ID
		mp.Leader = p.Leader
		mp.LeaderEpoch = p.LeaderEpoch
		mp.Replicas = append([]int32(nil), p.Replicas...)
		mp.ISR = append([]int32(nil), p.ISR...)
		mt.Partitions = append(mt.Partitions, mp)
	}
	return mt
}
