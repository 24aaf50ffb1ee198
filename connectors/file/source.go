package file

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Names of the source connector: Sluice's name and Kafka's class names.
const (
	SourceName      = "FileStreamSource"
	SourceClass     = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	sourceShortName = "FileStreamSourceConnector"
	// Version of both file connectors.
	Version = "1.0.0"
)

// Offset keys, exactly Kafka's.
const (
	PartitionFilename = "filename"
	OffsetPosition    = "position"
)

// defaultPollInterval bounds how long Read waits at the end of the file
// before returning (nil, nil); Kafka waits one second.
const defaultPollInterval = 500 * time.Millisecond

// Source is the FileStreamSource connector.
type Source struct {
	pollInterval time.Duration
}

// NewSource returns the FileStreamSource connector.
func NewSource() *Source { return &Source{pollInterval: defaultPollInterval} }

var _ sdk.SourceConnector = (*Source)(nil)

// Spec implements sdk.Connector.
func (s *Source) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    SourceName,
		Version: Version,
		Kind:    sdk.Source,
		Config:  sourceConfigDef(),
		Aliases: []string{SourceClass, sourceShortName},
	}
}

// Validate implements sdk.Connector; the ConfigDef says everything.
func (s *Source) Validate(context.Context, map[string]string) map[string][]string { return nil }

// TaskConfigs implements sdk.Connector: one task whatever maxTasks is, as in
// Kafka (a file has one reader).
func (s *Source) TaskConfigs(_ context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	if maxTasks < 1 {
		return nil, fmt.Errorf("file source: tasks.max %d is less than 1", maxTasks)
	}
	if _, err := parseSourceConfig(cfg); err != nil {
		return nil, err
	}
	return []map[string]string{maps.Clone(cfg)}, nil
}

// NewTask implements sdk.SourceConnector.
func (s *Source) NewTask() sdk.SourceTask {
	return newSourceTask(s.pollInterval)
}
