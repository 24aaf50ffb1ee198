package group

import "github.com/twmb/franz-go/pkg/kmsg"

// consumerProtocolType is the protocol type of Kafka consumers, whose member
// metadata is the standard ConsumerMemberMetadata (subscribed topics first).
const consumerProtocolType = "consumer"

// subscribedTopicsLocked returns the topics the members of a "consumer" group
// subscribe to for the selected protocol, or nil when they are unknown (no
// protocol selected yet, or metadata that does not decode), as Kafka's
// GroupMetadata.subscribedTopics does.
func (g *group) subscribedTopicsLocked() map[string]bool {
	if g.protocolType != consumerProtocolType || g.protocol == "" {
		return nil
	}
	topics := make(map[string]bool)
	for _, m := range g.members {
		var meta kmsg.ConsumerMemberMetadata
		if err := meta.ReadFrom(m.metadataFor(g.protocol)); err != nil {
			return nil
		}
		for _, t := range meta.Topics {
			topics[t] = true
		}
	}
	return topics
}
