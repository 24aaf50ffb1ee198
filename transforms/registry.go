package transforms

import (
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
)

const (
	kafkaPkg          = "org.apache.kafka.connect.transforms."
	kafkaPredicatePkg = "org.apache.kafka.connect.transforms.predicates."
	// kafkaVersion is the Apache Kafka release whose transformations these
	// follow; reported as each plugin's version.
	kafkaVersion = "4.0.0"
)

// Plugins returns every transformation and predicate, freshly built: the
// caller may keep or change the result.
func Plugins() []Plugin {
	var ps []Plugin
	for _, f := range []func() []Plugin{
		castPlugins, dropHeadersPlugins, extractFieldPlugins, filterPlugins,
		flattenPlugins, headerFromPlugins, hoistFieldPlugins, insertFieldPlugins,
		insertHeaderPlugins, maskFieldPlugins, regexRouterPlugins, replaceFieldPlugins,
		setSchemaMetadataPlugins, timestampConverterPlugins, timestampRouterPlugins,
		valueToKeyPlugins, extractNewRecordStatePlugins, predicatePlugins,
	} {
		ps = append(ps, f()...)
	}
	return ps
}

// Lookup finds the plugin whose Name or one of whose Aliases is name.
func Lookup(plugins []Plugin, name string) (Plugin, bool) {
	name = strings.TrimSpace(name)
	for _, p := range plugins {
		if p.Name == name {
			return p, true
		}
	}
	for _, p := range plugins {
		for _, a := range p.Aliases {
			if a == name {
				return p, true
			}
		}
	}
	return Plugin{}, false
}

// variants builds the $Key and $Value plugins of a Kafka transformation
// named base (e.g. "Cast"). def is called once per plugin so each has its
// own declaration; mk builds an instance for one side from checked options.
func variants(base string, def func() *sdk.ConfigDef, mk func(s side, c conf) (Transformation, error)) []Plugin {
	out := make([]Plugin, 0, 2)
	for _, v := range []struct {
		suffix string
		s      side
	}{{"$Key", keySide}, {"$Value", valueSide}} {
		out = append(out, single(base+v.suffix, def, func(c conf) (Transformation, error) { return mk(v.s, c) }))
	}
	return out
}

// single builds the plugin of a Kafka transformation without variants.
func single(short string, def func() *sdk.ConfigDef, mk func(c conf) (Transformation, error)) Plugin {
	d := def()
	return Plugin{
		Name:    kafkaPkg + short,
		Aliases: []string{short},
		Kind:    KindTransformation,
		Version: kafkaVersion,
		Config:  d,
		NewTransformation: func(cfg map[string]string) (Transformation, error) {
			c, err := newConf(d, cfg)
			if err != nil {
				return nil, err
			}
			return mk(c)
		},
	}
}
