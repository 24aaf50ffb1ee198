package runtime

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/transforms"
)

// Connector property names the worker itself reads (Kafka Connect's).
const (
	NameConfig           = "name"
	ConnectorClassConfig = "connector.class"
	TasksMaxConfig       = "tasks.max"
	TopicsConfig         = "topics"
	TopicsRegexConfig    = "topics.regex"
	TransformsConfig     = "transforms"
	PredicatesConfig     = "predicates"
)

// ConnectorConfigDef declares the connector properties the worker reads; the
// connector's own keys come from its Spec.
func ConnectorConfigDef() *sdk.ConfigDef {
	d := sdk.NewConfigDef().
		Define(sdk.Key{Name: NameConfig, Type: sdk.String, Required: true, Importance: sdk.High,
			Doc: "Unique name of the connector.", Validator: validName}).
		Define(sdk.Key{Name: ConnectorClassConfig, Type: sdk.Class, Required: true, Importance: sdk.High,
			Doc: "Connector plugin: its name or one of its aliases (e.g. a Kafka Connect class name).", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: TasksMaxConfig, Type: sdk.Int, Default: "1", Importance: sdk.High,
			Doc: "Maximum number of tasks.", Validator: positive}).
		Define(sdk.Key{Name: KeyConverterConfig, Type: sdk.Class, Importance: sdk.Low,
			Doc: "Overrides the worker's key.converter; key.converter.* are then read from the connector config."}).
		Define(sdk.Key{Name: ValueConverterConfig, Type: sdk.Class, Importance: sdk.Low,
			Doc: "Overrides the worker's value.converter; value.converter.* are then read from the connector config."}).
		Define(sdk.Key{Name: HeaderConverterConfig, Type: sdk.Class, Importance: sdk.Low,
			Doc: "Header converter; only SimpleHeaderConverter is supported.", Validator: sdk.OneOf(SimpleHeaderConverter)}).
		Define(sdk.Key{Name: TopicsConfig, Type: sdk.List, Importance: sdk.High,
			Doc: "Sink connectors: topics to consume (this or topics.regex)."}).
		Define(sdk.Key{Name: TopicsRegexConfig, Type: sdk.String, Importance: sdk.High,
			Doc: "Sink connectors: regular expression of the topics to consume (this or topics)."}).
		Define(sdk.Key{Name: TopicCreationGroupsConfig, Type: sdk.List, Importance: sdk.Low,
			Doc: "Source connectors: named topic creation groups, matched in order before the default group (KIP-158)."}).
		Define(sdk.Key{Name: TransformsConfig, Type: sdk.List, Importance: sdk.Low,
			Doc: "Aliases of the single message transforms applied in order (transforms.ALIAS.type and the transformation's options; transforms.ALIAS.predicate, transforms.ALIAS.negate)."}).
		Define(sdk.Key{Name: PredicatesConfig, Type: sdk.List, Importance: sdk.Low,
			Doc: "Aliases of the predicates transforms refer to (predicates.ALIAS.type and the predicate's options)."})
	return defineErrorHandling(d)
}

func validName(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("must not be empty")
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f || r == '/' {
			return fmt.Errorf("must not contain control characters or '/'")
		}
	}
	return nil
}

// ConnectorConfig is a validated connector configuration.
type ConnectorConfig struct {
	Name     string
	Class    string // as the user wrote it
	Spec     sdk.Spec
	TasksMax int
	// Sink connectors: one of Topics and TopicsRegex is set.
	Topics      []string
	TopicsRegex string
	// Converters: the connector's override or the worker's.
	KeyConverter        string
	KeyConverterProps   map[string]string
	ValueConverter      string
	ValueConverterProps map[string]string
	// TopicCreation is nil when the source connector does not create topics.
	TopicCreation *TopicCreation
	// Errors is the error handling (errors.*).
	Errors ErrorHandling
	// Props is the whole configuration, as given to the connector.
	Props map[string]string
}

// checkConnectorConfig applies the worker's rules (ConnectorConfigDef, sink
// topics, topic creation) and the connector's ConfigDef to props. The
// connector's own Validate is called by the caller.
func checkConnectorConfig(props map[string]string, spec sdk.Spec, w *WorkerConfig, p problems) *ConnectorConfig {
	def := ConnectorConfigDef()
	p.merge(def.Validate(props))
	p.merge(spec.Config.Validate(props))
	p.merge(transforms.Validate(props))
	c := &ConnectorConfig{
		Name:                props[NameConfig],
		Class:               props[ConnectorClassConfig],
		Spec:                spec,
		KeyConverter:        w.KeyConverter,
		KeyConverterProps:   w.KeyConverterProps,
		ValueConverter:      w.ValueConverter,
		ValueConverterProps: w.ValueConverterProps,
		Props:               props,
	}
	c.TasksMax, _ = strconv.Atoi(strings.TrimSpace(def.Value(props, TasksMaxConfig)))
	c.Errors = parseErrorHandling(def, props)
	if v := strings.TrimSpace(props[KeyConverterConfig]); v != "" {
		c.KeyConverter, c.KeyConverterProps = v, withPrefix(props, "key.converter.")
	}
	if v := strings.TrimSpace(props[ValueConverterConfig]); v != "" {
		c.ValueConverter, c.ValueConverterProps = v, withPrefix(props, "value.converter.")
	}
	switch spec.Kind {
	case sdk.Sink:
		c.Topics = splitList(props[TopicsConfig])
		c.TopicsRegex = strings.TrimSpace(props[TopicsRegexConfig])
		switch {
		case len(c.Topics) > 0 && c.TopicsRegex != "":
			p.add(TopicsConfig, "topics and topics.regex are mutually exclusive")
			p.add(TopicsRegexConfig, "topics and topics.regex are mutually exclusive")
		case len(c.Topics) == 0 && c.TopicsRegex == "":
			p.add(TopicsConfig, "a sink connector needs topics or topics.regex")
		case c.TopicsRegex != "":
			if _, err := regexp.Compile(c.TopicsRegex); err != nil {
				p.add(TopicsRegexConfig, "Invalid regular expression: %v", err)
			}
		}
	case sdk.Source:
		for _, k := range []string{TopicsConfig, TopicsRegexConfig} {
			if _, ok := props[k]; ok {
				p.add(k, "only sink connectors consume topics")
			}
		}
		c.TopicCreation = parseTopicCreation(props, w.TopicCreationEnable, p)
	}
	return c
}
