package broker

// CreatePartitions, versions 0-3.
//
// Grows a topic to the requested count (it cannot shrink); validate_only
// checks without changing anything. Deviation: a manual assignment for the
// new partitions is ignored (placement follows Sluice's round-robin).

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) handleCreatePartitions(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.CreatePartitionsRequest)
	resp := req.ResponseKind().(*kmsg.CreatePartitionsResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewCreatePartitionsResponseTopic()
		st.Topic = rt.Topic
		if err := b.createPartitions(req.ValidateOnly, rt); err != nil {
			st.ErrorCode = codeOf(metaErr(err))
			st.ErrorMessage = messageOf(err)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return reply{resp: resp}
}

func (b *Broker) createPartitions(validateOnly bool, rt kmsg.CreatePartitionsRequestTopic) error {
	t, ok := b.meta.Topic(rt.Topic)
	if !ok {
		return fmt.Errorf("%w: topic %q does not exist", kerr.UnknownTopicOrPartition, rt.Topic)
	}
	if int(rt.Count) <= len(t.Partitions) {
		return fmt.Errorf("%w: topic %q has %d partitions; the new count %d must be larger", kerr.InvalidPartitions, rt.Topic, len(t.Partitions), rt.Count)
	}
	if rt.Count > maxPartitionsPerTopic {
		return fmt.Errorf("%w: topic %q cannot have more than %d partitions, got %d", kerr.InvalidPartitions, rt.Topic, maxPartitionsPerTopic, rt.Count)
	}
	if validateOnly {
		return nil
	}
	return b.meta.CreatePartitions(rt.Topic, rt.Count)
}
