package config

import (
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Synonym is one source that could supply a config's value, as reported in
// DescribeConfigs (v1+) ConfigSynonyms.
type Synonym struct {
	Name, Value string
	Source      kmsg.ConfigSource
}

// Resolved is a config's effective value. Value is in the config's own unit
// (a log.retention.hours synonym is reported as milliseconds for
// retention.ms). Null is true when nothing, not even a default, supplies a
// value (Kafka reports a null value then). Synonyms are ordered by
// precedence, the effective one first, and keep their raw values.
type Resolved struct {
	Def      Def
	Value    string
	Null     bool
	Source   kmsg.ConfigSource
	Synonyms []Synonym
}

// Layer is one set of broker configs with the source DescribeConfigs reports
// for it. Layers are passed most precedent first (dynamic before static).
type Layer struct {
	Source  kmsg.ConfigSource
	Configs map[string]string
}

// ResolveTopic resolves every topic config, sorted by name. brokerConfigs are
// reported as DYNAMIC_BROKER_CONFIG; use ResolveTopicLayers to tell dynamic
// and static broker configs apart.
func ResolveTopic(topicConfigs, brokerConfigs map[string]string) []Resolved {
	return ResolveTopicLayers(topicConfigs, Layer{kmsg.ConfigSourceDynamicBrokerConfig, brokerConfigs})
}

// ResolveTopicLayers resolves every topic config over the given broker
// layers, sorted by name.
func ResolveTopicLayers(topicConfigs map[string]string, layers ...Layer) []Resolved {
	defs := TopicDefs()
	out := make([]Resolved, len(defs))
	for i, d := range defs {
		out[i] = resolveTopic(d, topicConfigs, layers)
	}
	return out
}

// ResolveTopicConfig resolves one topic config; false if name is unknown.
func ResolveTopicConfig(name string, topicConfigs map[string]string, layers ...Layer) (Resolved, bool) {
	d, ok := TopicDef(name)
	if !ok {
		return Resolved{}, false
	}
	return resolveTopic(d, topicConfigs, layers), true
}

func resolveTopic(d Def, topic map[string]string, layers []Layer) Resolved {
	r := Resolved{Def: d}
	if v, ok := topic[d.Name]; ok {
		r.Synonyms = append(r.Synonyms, Synonym{d.Name, v, kmsg.ConfigSourceDynamicTopicConfig})
	}
	for _, syn := range d.BrokerSynonyms {
		for _, l := range layers {
			if v, ok := l.Configs[syn]; ok {
				r.Synonyms = append(r.Synonyms, Synonym{syn, v, l.Source})
			}
		}
	}
	// The default is reported under the least specific synonym declaring
	// one (log.retention.hours=168), as Kafka does, else under the topic
	// config itself.
	dflt := Synonym{Name: d.Name, Value: d.Default, Source: kmsg.ConfigSourceDefaultConfig}
	for i := len(d.BrokerSynonyms) - 1; i >= 0; i-- {
		if bd, ok := brokerDefs[d.BrokerSynonyms[i]]; ok && bd.HasDefault {
			dflt.Name, dflt.Value = bd.Name, bd.Default
			break
		}
	}
	if d.HasDefault {
		r.Synonyms = append(r.Synonyms, dflt)
	}
	if len(r.Synonyms) == 0 {
		r.Null, r.Source = true, kmsg.ConfigSourceDefaultConfig
		return r
	}
	first := r.Synonyms[0]
	r.Source = first.Source
	r.Value = first.Value
	if first.Name != d.Name {
		r.Value = convert(first.Name, first.Value)
	}
	if first.Source == kmsg.ConfigSourceDefaultConfig {
		r.Value = d.Default
	}
	return r
}

// convert turns a broker synonym's value into its topic config's unit.
func convert(synonym, value string) string {
	scale, ok := synonymScale[synonym]
	if !ok {
		return value
	}
	v, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil {
		return value
	}
	if v < 0 {
		return "-1" // unlimited retention, whatever the unit
	}
	return strconv.FormatInt(v*scale, 10)
}

// ResolveBroker resolves every broker config, sorted by name, reporting set
// values as DYNAMIC_BROKER_CONFIG.
func ResolveBroker(brokerConfigs map[string]string) []Resolved {
	return ResolveBrokerLayers(Layer{kmsg.ConfigSourceDynamicBrokerConfig, brokerConfigs})
}

// ResolveBrokerLayers resolves every broker config over layers (most
// precedent first), sorted by name.
func ResolveBrokerLayers(layers ...Layer) []Resolved {
	defs := BrokerDefs()
	out := make([]Resolved, len(defs))
	for i, d := range defs {
		r := Resolved{Def: d}
		for _, l := range layers {
			if v, ok := l.Configs[d.Name]; ok {
				r.Synonyms = append(r.Synonyms, Synonym{d.Name, v, l.Source})
			}
		}
		if d.HasDefault {
			r.Synonyms = append(r.Synonyms, Synonym{d.Name, d.Default, kmsg.ConfigSourceDefaultConfig})
		}
		if len(r.Synonyms) == 0 {
			r.Null, r.Source = true, kmsg.ConfigSourceDefaultConfig
		} else {
			r.Value, r.Source = r.Synonyms[0].Value, r.Synonyms[0].Source
		}
		out[i] = r
	}
	return out
}
