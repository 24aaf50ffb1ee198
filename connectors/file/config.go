package file

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Configuration keys, with Kafka's names.
const (
	KeyFile      = "file"
	KeyTopic     = "topic"
	KeyBatchSize = "batch.size"
)

// DefaultBatchSize is Kafka's FileStreamSourceConnector default.
const DefaultBatchSize = 2000

func sourceConfigDef() *sdk.ConfigDef {
	return sdk.NewConfigDef().
		Define(sdk.Key{
			Name: KeyFile, Type: sdk.String, Required: true, Importance: sdk.High,
			Doc:       "Source filename. Required: unlike Kafka, standard input is not read (a plugin process has none).",
			Validator: sdk.NonEmpty,
		}).
		Define(sdk.Key{
			Name: KeyTopic, Type: sdk.String, Required: true, Importance: sdk.High,
			Doc:       "The topic to publish data to.",
			Validator: singleTopic,
		}).
		Define(sdk.Key{
			Name: KeyBatchSize, Type: sdk.Int, Default: strconv.Itoa(DefaultBatchSize), Importance: sdk.Low,
			Doc:       "The maximum number of records the source task can read from the file each time it is polled.",
			Validator: positive,
		})
}

func sinkConfigDef() *sdk.ConfigDef {
	return sdk.NewConfigDef().
		Define(sdk.Key{
			Name: KeyFile, Type: sdk.String, Required: true, Importance: sdk.High,
			Doc:       "Destination filename. Required: unlike Kafka, standard output is not written (it carries the plugin protocol).",
			Validator: sdk.NonEmpty,
		})
}

// singleTopic mirrors Kafka's check that topic names exactly one topic.
func singleTopic(v string) error {
	if err := sdk.NonEmpty(v); err != nil {
		return err
	}
	if strings.Contains(v, ",") {
		return fmt.Errorf("must name a single topic")
	}
	return nil
}

func positive(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return fmt.Errorf("must be at least 1")
	}
	return nil
}

// sourceConfig is a validated source configuration.
type sourceConfig struct {
	file      string
	topic     string
	batchSize int
}

func parseSourceConfig(cfg map[string]string) (sourceConfig, error) {
	def := sourceConfigDef()
	if err := problemsErr(def.Validate(cfg)); err != nil {
		return sourceConfig{}, err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(def.Value(cfg, KeyBatchSize)))
	return sourceConfig{file: cfg[KeyFile], topic: strings.TrimSpace(cfg[KeyTopic]), batchSize: n}, nil
}

func parseSinkConfig(cfg map[string]string) (string, error) {
	if err := problemsErr(sinkConfigDef().Validate(cfg)); err != nil {
		return "", err
	}
	return cfg[KeyFile], nil
}

// problemsErr folds ConfigDef problems into one error for Configure, which
// may be called with a configuration the runtime did not validate.
func problemsErr(problems map[string][]string) error {
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(problems)) {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strings.Join(problems[k], "; "))
	}
	return fmt.Errorf("invalid configuration: %s: %w", b.String(), sdk.ErrFatal)
}
