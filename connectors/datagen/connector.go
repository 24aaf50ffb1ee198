package datagen

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Name and version of the connector.
const (
	Name    = "DatagenSource"
	Version = "1.0.0"
)

// Offset keys.
const (
	PartitionTask = "task"
	OffsetSeq     = "seq"
)

// idleWait bounds how long Read waits when it has nothing to return.
const idleWait = 500 * time.Millisecond

// Connector is the DatagenSource connector.
type Connector struct{}

// New returns the DatagenSource connector.
func New() *Connector { return &Connector{} }

var _ sdk.SourceConnector = (*Connector)(nil)

// Spec implements sdk.Connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{Name: Name, Version: Version, Kind: sdk.Source, Config: configDef(), Aliases: []string{"Datagen"}}
}

// Validate implements sdk.Connector; the ConfigDef says everything.
func (c *Connector) Validate(context.Context, map[string]string) map[string][]string { return nil }

// TaskConfigs implements sdk.Connector: count and records.per.second are
// split evenly over min(maxTasks, count) tasks.
func (c *Connector) TaskConfigs(_ context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	if maxTasks < 1 {
		return nil, fmt.Errorf("datagen: tasks.max %d is less than 1", maxTasks)
	}
	conf, err := parseConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("datagen: %w", err)
	}
	n := int64(maxTasks)
	if conf.count > 0 && conf.count < n {
		n = conf.count
	}
	tasks := make([]map[string]string, n)
	for i := range n {
		t := maps.Clone(cfg)
		t[KeyTaskIndex] = strconv.FormatInt(i, 10)
		if conf.count > 0 {
			share := conf.count / n
			if i < conf.count%n {
				share++
			}
			t[KeyCount] = strconv.FormatInt(share, 10)
		}
		if conf.rate > 0 {
			t[KeyRate] = strconv.FormatFloat(conf.rate/float64(n), 'g', -1, 64)
		}
		tasks[i] = t
	}
	return tasks, nil
}

// NewTask implements sdk.SourceConnector.
func (c *Connector) NewTask() sdk.SourceTask { return newTask() }
