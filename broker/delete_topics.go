package broker

// DeleteTopics, versions 1-6.
//
// A deleted topic's logs are closed and removed before the answer goes
// out, so a topic created again under the same name starts empty. v6
// accepts topic ids. Internal topics cannot be deleted.

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) handleDeleteTopics(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.DeleteTopicsRequest)
	resp := req.ResponseKind().(*kmsg.DeleteTopicsResponse)
	targets := req.Topics
	if req.Version < 6 {
		targets = nil
		for _, name := range req.TopicNames {
			n := name
			targets = append(targets, kmsg.DeleteTopicsRequestTopic{Topic: &n})
		}
	}
	for _, rt := range targets {
		st := kmsg.NewDeleteTopicsResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		if err := b.deleteTopic(rt, &st); err != nil {
			st.ErrorCode = codeOf(metaErr(err))
			st.ErrorMessage = messageOf(err)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return reply{resp: resp}
}

func (b *Broker) deleteTopic(rt kmsg.DeleteTopicsRequestTopic, st *kmsg.DeleteTopicsResponseTopic) error {
	var name string
	switch {
	case rt.Topic != nil:
		name = *rt.Topic
	default:
		t, ok := b.meta.TopicByID(rt.TopicID)
		if !ok {
			return kerr.UnknownTopicID
		}
		name = t.Name
		st.Topic = &name
	}
	t, ok := b.meta.Topic(name)
	if !ok {
		return fmt.Errorf("%w: topic %q does not exist", kerr.UnknownTopicOrPartition, name)
	}
	st.TopicID = t.ID
	if t.Internal {
		return fmt.Errorf("%w: %q is an internal topic and cannot be deleted", kerr.InvalidTopicException, name)
	}
	if err := b.meta.DeleteTopic(name); err != nil {
		return err
	}
	b.parts.drop(name)
	return nil
}
