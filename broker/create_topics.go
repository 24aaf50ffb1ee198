package broker

// CreateTopics, versions 2-7.
//
// Topic configs use Kafka's names and are validated before anything is
// created; an invalid one is refused with INVALID_CONFIG and a message
// naming the property and the reason. validate_only checks without
// creating. v5+ answers carry the resolved configs, v7+ the topic id.
// Deviations: at most 10000 partitions per topic; a manual replica assignment is accepted only as a partition
// count and replication factor (placement follows Sluice's round-robin).

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/config"
)

func (b *Broker) handleCreateTopics(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.CreateTopicsRequest)
	resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
	seen := map[string]int{}
	for _, rt := range req.Topics {
		seen[rt.Topic]++
	}
	for _, rt := range req.Topics {
		st := kmsg.NewCreateTopicsResponseTopic()
		st.Topic = rt.Topic
		st.NumPartitions, st.ReplicationFactor = -1, -1
		var err error
		if seen[rt.Topic] > 1 {
			err = kerr.InvalidRequest
			st.ErrorMessage = messageOf(fmt.Errorf("topic %q appears more than once in the request", rt.Topic))
		} else {
			err = b.createTopic(req, rt, &st)
		}
		if err != nil {
			st.ErrorCode = codeOf(metaErr(err))
			if st.ErrorMessage == nil {
				st.ErrorMessage = messageOf(err)
			}
		}
		resp.Topics = append(resp.Topics, st)
	}
	return reply{resp: resp}
}

// maxPartitionsPerTopic bounds what one request can make the broker open.
// Kafka has no such bound; a request for two billion partitions would
// exhaust the node instead of being refused.
const maxPartitionsPerTopic = 10000

func (b *Broker) createTopic(req *kmsg.CreateTopicsRequest, rt kmsg.CreateTopicsRequestTopic, st *kmsg.CreateTopicsResponseTopic) error {
	if err := validTopicName(rt.Topic); err != nil {
		return fmt.Errorf("%w: %v", kerr.InvalidTopicException, err)
	}
	partitions, rf := rt.NumPartitions, rt.ReplicationFactor
	if len(rt.ReplicaAssignment) > 0 {
		if partitions != -1 || rf != -1 {
			return fmt.Errorf("%w: a replica assignment needs num_partitions and replication_factor -1", kerr.InvalidRequest)
		}
		partitions, rf = int32(len(rt.ReplicaAssignment)), int16(len(rt.ReplicaAssignment[0].Replicas))
	}
	if partitions == -1 {
		partitions = int32(b.brokerInt("num.partitions", 1))
	}
	if rf == -1 {
		rf = int16(b.brokerInt("default.replication.factor", 1))
	}
	if partitions < 1 || partitions > maxPartitionsPerTopic {
		return fmt.Errorf("%w: number of partitions must be between 1 and %d, got %d", kerr.InvalidPartitions, maxPartitionsPerTopic, partitions)
	}
	if rf < 1 || int(rf) > len(b.meta.Brokers()) {
		return fmt.Errorf("%w: replication factor %d, but %d broker(s) available", kerr.InvalidReplicationFactor, rf, len(b.meta.Brokers()))
	}
	configs := map[string]string{}
	for _, c := range rt.Configs {
		if c.Value != nil {
			configs[c.Name] = *c.Value
		}
	}
	if err := config.ValidateTopicConfigs(configs); err != nil {
		return fmt.Errorf("%w: %v", kerr.InvalidConfig, err)
	}
	if _, exists := b.meta.Topic(rt.Topic); exists {
		return fmt.Errorf("%w: topic %q already exists", kerr.TopicAlreadyExists, rt.Topic)
	}
	if !req.ValidateOnly {
		t, err := b.meta.CreateTopic(rt.Topic, partitions, rf, configs, false)
		if err != nil {
			return err
		}
		st.TopicID = t.ID
	}
	st.NumPartitions, st.ReplicationFactor = partitions, rf
	for _, r := range config.ResolveTopicLayers(configs, b.brokerLayers()...) {
		c := kmsg.NewCreateTopicsResponseTopicConfig()
		c.Name = r.Def.Name
		c.ReadOnly, c.IsSensitive = r.Def.ReadOnly, r.Def.Sensitive
		c.Source = int8(r.Source)
		if !r.Def.Sensitive && !r.Null {
			v := r.Value
			c.Value = &v
		}
		st.Configs = append(st.Configs, c)
	}
	return nil
}
