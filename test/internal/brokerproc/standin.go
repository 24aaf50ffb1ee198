package brokerproc

// sluiceOnlyTopicConfigs are topic configs Sluice's broker accepts and the
// kfake stand-in rejects with INVALID_CONFIG.
var sluiceOnlyTopicConfigs = []string{
	"sluice.flush.on.ack",
	"min.cleanable.dirty.ratio",
}

// TopicConfigs returns configs unchanged for Sluice's broker; for the kfake
// stand-in it returns a copy without the configs kfake rejects, so the same
// test can create its topics against both.
func TopicConfigs(configs map[string]*string) map[string]*string {
	if !IsStandIn() {
		return configs
	}
	out := make(map[string]*string, len(configs))
	for k, v := range configs {
		out[k] = v
	}
	for _, k := range sluiceOnlyTopicConfigs {
		delete(out, k)
	}
	return out
}
