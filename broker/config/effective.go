package config

import (
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Effective returns a topic config's effective value: the topic override,
// else the most specific broker synonym set (converted to the topic config's
// unit), else the default. It returns "" for an unknown name.
func Effective(topicConfigs, brokerConfigs map[string]string, name string) string {
	r, ok := ResolveTopicConfig(name, topicConfigs, Layer{kmsg.ConfigSourceDynamicBrokerConfig, brokerConfigs})
	if !ok {
		return ""
	}
	return r.Value
}

// EffectiveBroker returns a broker config's value, else its default ("" for
// an unknown name or a config without default).
func EffectiveBroker(brokerConfigs map[string]string, name string) string {
	if v, ok := brokerConfigs[name]; ok {
		return v
	}
	d, _ := BrokerDef(name)
	return d.Default
}

// The typed accessors below parse an effective value. Values reaching them
// were validated on the way in; should one still not parse, the declared
// default is used, so a bad stored value never stops the broker.

// EffectiveInt64 returns Effective parsed as an integer.
func EffectiveInt64(topicConfigs, brokerConfigs map[string]string, name string) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(Effective(topicConfigs, brokerConfigs, name)), 10, 64)
	if err != nil {
		d, _ := TopicDef(name)
		v, _ = strconv.ParseInt(d.Default, 10, 64)
	}
	return v
}

// EffectiveBool returns Effective parsed as a boolean.
func EffectiveBool(topicConfigs, brokerConfigs map[string]string, name string) bool {
	v, err := ParseBool(Effective(topicConfigs, brokerConfigs, name))
	if err != nil {
		d, _ := TopicDef(name)
		v, _ = ParseBool(d.Default)
	}
	return v
}

// EffectiveFloat64 returns Effective parsed as a double.
func EffectiveFloat64(topicConfigs, brokerConfigs map[string]string, name string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(Effective(topicConfigs, brokerConfigs, name)), 64)
	if err != nil {
		d, _ := TopicDef(name)
		v, _ = strconv.ParseFloat(d.Default, 64)
	}
	return v
}

// EffectiveList returns Effective split as a list.
func EffectiveList(topicConfigs, brokerConfigs map[string]string, name string) []string {
	return ParseList(Effective(topicConfigs, brokerConfigs, name))
}

// BrokerInt64 returns a broker config parsed as an integer, else its default.
func BrokerInt64(brokerConfigs map[string]string, name string) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(EffectiveBroker(brokerConfigs, name)), 10, 64)
	if err != nil {
		d, _ := BrokerDef(name)
		v, _ = strconv.ParseInt(d.Default, 10, 64)
	}
	return v
}

// BrokerBool returns a broker config parsed as a boolean, else its default.
func BrokerBool(brokerConfigs map[string]string, name string) bool {
	v, err := ParseBool(EffectiveBroker(brokerConfigs, name))
	if err != nil {
		d, _ := BrokerDef(name)
		v, _ = ParseBool(d.Default)
	}
	return v
}
