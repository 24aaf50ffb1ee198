package broker

// AlterConfigs, versions 0-2.
//
// Replaces the whole set of dynamic configs of a topic, or of this broker
// (resource name "" or this node's id): names left out go back to their
// defaults. Every name and value is validated first; a bad one refuses the
// resource with INVALID_CONFIG naming the property and the reason.

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/config"
)

func (b *Broker) handleAlterConfigs(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.AlterConfigsRequest)
	resp := req.ResponseKind().(*kmsg.AlterConfigsResponse)
	for _, rr := range req.Resources {
		sr := kmsg.NewAlterConfigsResponseResource()
		sr.ResourceType, sr.ResourceName = rr.ResourceType, rr.ResourceName
		set := map[string]string{}
		for _, c := range rr.Configs {
			if c.Value != nil {
				set[c.Name] = *c.Value
			}
		}
		if err := b.alterConfigs(rr.ResourceType, rr.ResourceName, set, nil, true, req.ValidateOnly); err != nil {
			sr.ErrorCode = codeOf(metaErr(err))
			sr.ErrorMessage = messageOf(err)
		}
		resp.Resources = append(resp.Resources, sr)
	}
	return reply{resp: resp}
}

// alterConfigs validates and applies config changes to a topic or this
// broker. With replace, every current dynamic config not in set is removed.
func (b *Broker) alterConfigs(typ kmsg.ConfigResourceType, name string, set map[string]string, del []string, replace, validateOnly bool) error {
	switch typ {
	case resourceTopic:
		t, ok := b.meta.Topic(name)
		if !ok {
			return fmt.Errorf("%w: topic %q does not exist", kerr.UnknownTopicOrPartition, name)
		}
		if err := config.ValidateTopicConfigs(set); err != nil {
			return fmt.Errorf("%w: %v", kerr.InvalidConfig, err)
		}
		if err := knownNames(del, config.TopicDef); err != nil {
			return err
		}
		if replace {
			del = absentFrom(t.Configs, set)
		}
		if validateOnly {
			return nil
		}
		return b.meta.SetTopicConfigs(name, set, del)
	case resourceBroker:
		if err := b.checkBrokerResource(name); err != nil {
			return err
		}
		if err := config.ValidateDynamicBrokerConfigs(set); err != nil {
			return fmt.Errorf("%w: %v", kerr.InvalidConfig, err)
		}
		if err := knownNames(del, config.BrokerDef); err != nil {
			return err
		}
		if replace {
			del = absentFrom(b.meta.BrokerConfigs(), set)
		}
		if validateOnly {
			return nil
		}
		return b.meta.SetBrokerConfigs(set, del)
	default:
		return fmt.Errorf("%w: resource type %d is not served", kerr.InvalidRequest, typ)
	}
}

func knownNames(names []string, lookup func(string) (config.Def, bool)) error {
	for _, n := range names {
		if _, ok := lookup(n); !ok {
			return fmt.Errorf("%w: unknown config %q", kerr.InvalidConfig, n)
		}
	}
	return nil
}

// absentFrom lists the names in current that set does not keep.
func absentFrom(current, set map[string]string) []string {
	var out []string
	for n := range current {
		if _, ok := set[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}
