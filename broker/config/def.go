package config

import (
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Type is a config's value type. Its values equal kmsg.ConfigType (the
// DescribeConfigs v3+ ConfigType field), so Kmsg is a plain conversion.
type Type int

// Config types, numbered as in Kafka's DescribeConfigs response.
const (
	Boolean Type = iota + 1
	String
	Int
	Short
	Long
	Double
	List
	Class
	Password
)

var typeNames = [...]string{"UNKNOWN", "BOOLEAN", "STRING", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"}

func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return fmt.Sprintf("Type(%d)", int(t))
	}
	return typeNames[t]
}

// Kmsg returns the type as carried in DescribeConfigs responses.
func (t Type) Kmsg() kmsg.ConfigType { return kmsg.ConfigType(t) }

// Def declares one config. Validate checks a value's syntax and range; it is
// never nil for Defs returned by this package.
type Def struct {
	Name       string
	Type       Type
	Default    string // meaningful only when HasDefault; "" is a valid default
	HasDefault bool
	Doc        string
	Sensitive  bool // value never returned by DescribeConfigs
	ReadOnly   bool // cannot be altered dynamically (AlterConfigs)
	Validate   func(string) error
	// BrokerSynonyms are the broker configs supplying this topic config's
	// cluster-wide default, most specific first (topic configs only).
	BrokerSynonyms []string
}

// synonymScale converts a broker synonym's unit into its topic config's unit.
var synonymScale = map[string]int64{
	"log.retention.minutes": 60 * 1000,
	"log.retention.hours":   60 * 60 * 1000,
	"log.roll.hours":        60 * 60 * 1000,
	"log.roll.jitter.hours": 60 * 60 * 1000,
}

var (
	topicDefs  = index(topicTable())
	brokerDefs = index(brokerTable())
)

func index(defs []Def) map[string]Def {
	m := make(map[string]Def, len(defs))
	for _, d := range defs {
		if _, dup := m[d.Name]; dup {
			panic("config: duplicate definition of " + d.Name)
		}
		if d.Validate == nil {
			d.Validate = typeValidator(d.Type)
		}
		m[d.Name] = d
	}
	return m
}

func sorted(m map[string]Def) []Def {
	out := make([]Def, 0, len(m))
	for _, d := range m {
		d.BrokerSynonyms = append([]string(nil), d.BrokerSynonyms...)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TopicDefs returns every topic config definition, sorted by name.
func TopicDefs() []Def { return sorted(topicDefs) }

// BrokerDefs returns every broker config definition, sorted by name.
func BrokerDefs() []Def { return sorted(brokerDefs) }

// TopicDef looks up a topic config definition.
func TopicDef(name string) (Def, bool) {
	d, ok := topicDefs[name]
	d.BrokerSynonyms = append([]string(nil), d.BrokerSynonyms...)
	return d, ok
}

// BrokerDef looks up a broker config definition.
func BrokerDef(name string) (Def, bool) {
	d, ok := brokerDefs[name]
	return d, ok
}
