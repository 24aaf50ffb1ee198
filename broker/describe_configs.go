package broker

// DescribeConfigs, versions 1-4.
//
// Topics (resource type 2) answer every topic config with its effective
// value, source and, when asked, synonyms (topic override, then the broker
// config it falls back to, then the default) and documentation (v3+).
// Brokers (type 4, name "" or this node's id) answer the broker configs.
// Sensitive values are never returned. Deviation: broker loggers (type 8)
// are not served.

import (
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/broker/config"
)

const (
	resourceTopic  = 2
	resourceBroker = 4
)

func (b *Broker) handleDescribeConfigs(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.DescribeConfigsRequest)
	resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
	for _, rr := range req.Resources {
		sr := kmsg.NewDescribeConfigsResponseResource()
		sr.ResourceType, sr.ResourceName = rr.ResourceType, rr.ResourceName
		resolved, err := b.resolveResource(rr.ResourceType, rr.ResourceName)
		if err != nil {
			sr.ErrorCode = codeOf(metaErr(err))
			sr.ErrorMessage = messageOf(err)
			resp.Resources = append(resp.Resources, sr)
			continue
		}
		wanted := map[string]bool{}
		for _, n := range rr.ConfigNames {
			wanted[n] = true
		}
		for _, r := range resolved {
			if rr.ConfigNames != nil && !wanted[r.Def.Name] {
				continue
			}
			sr.Configs = append(sr.Configs, describedConfig(r, req.IncludeSynonyms, req.IncludeDocumentation))
		}
		resp.Resources = append(resp.Resources, sr)
	}
	return reply{resp: resp}
}

// resolveResource resolves the configs of a topic or of this broker.
func (b *Broker) resolveResource(typ kmsg.ConfigResourceType, name string) ([]config.Resolved, error) {
	switch typ {
	case resourceTopic:
		t, ok := b.meta.Topic(name)
		if !ok {
			return nil, fmt.Errorf("%w: topic %q does not exist", kerr.UnknownTopicOrPartition, name)
		}
		return config.ResolveTopicLayers(t.Configs, b.brokerLayers()...), nil
	case resourceBroker:
		if err := b.checkBrokerResource(name); err != nil {
			return nil, err
		}
		return config.ResolveBrokerLayers(b.brokerLayers()...), nil
	default:
		return nil, fmt.Errorf("%w: resource type %d is not served", kerr.InvalidRequest, typ)
	}
}

// brokerLayers are the broker's config layers, most precedent first:
// dynamic cluster-wide configs, then the static ones given at start.
func (b *Broker) brokerLayers() []config.Layer {
	return []config.Layer{
		{Source: kmsg.ConfigSourceDynamicDefaultBrokerConfig, Configs: b.meta.BrokerConfigs()},
		{Source: kmsg.ConfigSourceStaticBrokerConfig, Configs: b.cfg.Configs},
	}
}

func (b *Broker) checkBrokerResource(name string) error {
	if name == "" || name == strconv.Itoa(int(b.cfg.NodeID)) {
		return nil
	}
	return fmt.Errorf("%w: broker %q is not this broker (node %d)", kerr.InvalidRequest, name, b.cfg.NodeID)
}

func describedConfig(r config.Resolved, synonyms, docs bool) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name = r.Def.Name
	if !r.Def.Sensitive && !r.Null {
		v := r.Value
		c.Value = &v
	}
	c.ReadOnly = r.Def.ReadOnly
	c.IsSensitive = r.Def.Sensitive
	c.Source = r.Source
	c.ConfigType = r.Def.Type.Kmsg()
	if docs {
		d := r.Def.Doc
		c.Documentation = &d
	}
	if synonyms {
		for _, s := range r.Synonyms {
			cs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
			cs.Name, cs.Source = s.Name, s.Source
			if !r.Def.Sensitive {
				v := s.Value
				cs.Value = &v
			}
			c.ConfigSynonyms = append(c.ConfigSynonyms, cs)
		}
	}
	return c
}
