package broker

// IncrementalAlterConfigs, versions 0-1.
//
// SET, DELETE, APPEND and SUBTRACT (the last two for list-typed configs
// such as cleanup.policy) on a topic or this broker. Every change is
// validated before any is applied.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/config"
)

func (b *Broker) handleIncrementalAlterConfigs(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.IncrementalAlterConfigsRequest)
	resp := req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
	for _, rr := range req.Resources {
		sr := kmsg.NewIncrementalAlterConfigsResponseResource()
		sr.ResourceType, sr.ResourceName = rr.ResourceType, rr.ResourceName
		err := b.incrementalAlter(rr, req.ValidateOnly)
		if err != nil {
			sr.ErrorCode = codeOf(metaErr(err))
			sr.ErrorMessage = messageOf(err)
		}
		resp.Resources = append(resp.Resources, sr)
	}
	return reply{resp: resp}
}

func (b *Broker) incrementalAlter(rr kmsg.IncrementalAlterConfigsRequestResource, validateOnly bool) error {
	current, lookup, err := b.currentConfigs(rr.ResourceType, rr.ResourceName)
	if err != nil {
		return err
	}
	set := map[string]string{}
	var del []string
	for _, c := range rr.Configs {
		def, ok := lookup(c.Name)
		if !ok {
			return fmt.Errorf("%w: unknown config %q", kerr.InvalidConfig, c.Name)
		}
		val := ""
		if c.Value != nil {
			val = *c.Value
		}
		switch c.Op {
		case kmsg.IncrementalAlterConfigOpSet:
			set[c.Name] = val
		case kmsg.IncrementalAlterConfigOpDelete:
			del = append(del, c.Name)
		case kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract:
			if def.Type != config.List {
				return fmt.Errorf("%w: %s is only allowed on list configs; %q is not a list", kerr.InvalidConfig, c.Op, c.Name)
			}
			base, ok := current[c.Name]
			if !ok {
				base = def.Default
			}
			set[c.Name] = editList(base, val, c.Op == kmsg.IncrementalAlterConfigOpAppend)
		default:
			return fmt.Errorf("%w: unknown operation %d for %q", kerr.InvalidRequest, c.Op, c.Name)
		}
	}
	return b.alterConfigs(rr.ResourceType, rr.ResourceName, set, del, false, validateOnly)
}

// currentConfigs returns a resource's dynamic configs and its definitions.
func (b *Broker) currentConfigs(typ kmsg.ConfigResourceType, name string) (map[string]string, func(string) (config.Def, bool), error) {
	switch typ {
	case resourceTopic:
		t, ok := b.meta.Topic(name)
		if !ok {
			return nil, nil, fmt.Errorf("%w: topic %q does not exist", kerr.UnknownTopicOrPartition, name)
		}
		return t.Configs, config.TopicDef, nil
	case resourceBroker:
		if err := b.checkBrokerResource(name); err != nil {
			return nil, nil, err
		}
		return b.meta.BrokerConfigs(), config.BrokerDef, nil
	}
	return nil, nil, fmt.Errorf("%w: resource type %d is not served", kerr.InvalidRequest, typ)
}

// editList appends or removes the comma-separated items of val in base.
func editList(base, val string, add bool) string {
	var items []string
	for _, s := range strings.Split(base, ",") {
		if s = strings.TrimSpace(s); s != "" {
			items = append(items, s)
		}
	}
	for _, v := range strings.Split(val, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		i := slices.Index(items, v)
		switch {
		case add && i < 0:
			items = append(items, v)
		case !add && i >= 0:
			items = slices.Delete(items, i, i+1)
		}
	}
	return strings.Join(items, ",")
}
