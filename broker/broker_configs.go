package broker

import (
	"maps"
	"strconv"

	"github.com/sluicehq/sluice/broker/config"
)

// refreshBrokerConfigs recomputes the merged broker configs: dynamic ones
// (in the metadata quorum) override static ones (--config). It runs at
// start and whenever the dynamic configs change.
func (b *Broker) refreshBrokerConfigs() {
	m := maps.Clone(b.cfg.Configs)
	if m == nil {
		m = map[string]string{}
	}
	if b.meta != nil {
		maps.Copy(m, b.meta.BrokerConfigs())
	}
	b.bcfg.Store(&m)
}

// brokerConfigs is the merged set of explicitly set broker configs; the
// caller must not modify it.
func (b *Broker) brokerConfigs() map[string]string {
	if m := b.bcfg.Load(); m != nil {
		return *m
	}
	return b.cfg.Configs
}

// brokerValue is the effective value of a broker config.
func (b *Broker) brokerValue(name string) string {
	if v, ok := b.brokerConfigs()[name]; ok {
		return v
	}
	if d, ok := config.BrokerDef(name); ok {
		return d.Default
	}
	return ""
}

func (b *Broker) brokerInt(name string, def int64) int64 {
	n, err := strconv.ParseInt(b.brokerValue(name), 10, 64)
	if err != nil {
		return def
	}
	return n
}

func (b *Broker) brokerBool(name string) bool {
	v, _ := strconv.ParseBool(b.brokerValue(name))
	return v
}

func (b *Broker) socketRequestMaxBytes() int64 {
	return b.brokerInt("socket.request.max.bytes", 104857600)
}
