package sdk

import "fmt"

// Kind tells sources from sinks.
type Kind int

const (
	// Source connectors read from an external system and produce records.
	Source Kind = iota + 1
	// Sink connectors consume records and write them to an external system.
	Sink
)

func (k Kind) String() string {
	switch k {
	case Source:
		return "source"
	case Sink:
		return "sink"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Spec describes a connector: what the REST API's connector-plugins answer and
// config/validate are built from.
type Spec struct {
	Name    string // the connector class name users put in connector.class
	Version string
	Kind    Kind
	Config  *ConfigDef
	// Aliases are other names accepted in connector.class, e.g.
	// org.apache.kafka.connect.file.FileStreamSourceConnector.
	Aliases []string
}
