package file

import (
	"context"
	"fmt"
	"maps"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Names of the sink connector: Sluice's name and Kafka's class names.
const (
	SinkName      = "FileStreamSink"
	SinkClass     = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	sinkShortName = "FileStreamSinkConnector"
)

// Sink is the FileStreamSink connector. topics and topics.regex are the
// runtime's business, as in Kafka.
type Sink struct{}

// NewSink returns the FileStreamSink connector.
func NewSink() *Sink { return &Sink{} }

var _ sdk.SinkConnector = (*Sink)(nil)

// Spec implements sdk.Connector.
func (s *Sink) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    SinkName,
		Version: Version,
		Kind:    sdk.Sink,
		Config:  sinkConfigDef(),
		Aliases: []string{SinkClass, sinkShortName},
	}
}

// Validate implements sdk.Connector; the ConfigDef says everything.
func (s *Sink) Validate(context.Context, map[string]string) map[string][]string { return nil }

// TaskConfigs implements sdk.Connector: one task, as in Kafka (two tasks
// appending to one file would interleave partial writes).
func (s *Sink) TaskConfigs(_ context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	if maxTasks < 1 {
		return nil, fmt.Errorf("file sink: tasks.max %d is less than 1", maxTasks)
	}
	if _, err := parseSinkConfig(cfg); err != nil {
		return nil, err
	}
	return []map[string]string{maps.Clone(cfg)}, nil
}

// NewTask implements sdk.SinkConnector.
func (s *Sink) NewTask() sdk.SinkTask { return &sinkTask{} }
