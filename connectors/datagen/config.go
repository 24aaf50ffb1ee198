package datagen

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Configuration keys.
const (
	KeyTopic          = "topic"
	KeyRate           = "records.per.second"
	KeyKeyCardinality = "key.cardinality"
	KeySchema         = "schema"
	KeyCount          = "count"
	KeySeed           = "seed"
	KeyBatchSize      = "batch.size"
	// KeyTaskIndex is internal: TaskConfigs sets it on each task's configuration.
	KeyTaskIndex = "task.index"
)

// Defaults.
const (
	DefaultKeyCardinality = 1000
	DefaultSchema         = "users"
	DefaultBatchSize      = 1000
)

func configDef() *sdk.ConfigDef {
	return sdk.NewConfigDef().
		Define(sdk.Key{
			Name: KeyTopic, Type: sdk.String, Required: true, Importance: sdk.High,
			Doc: "The topic to write the generated records to.", Validator: sdk.NonEmpty,
		}).
		Define(sdk.Key{
			Name: KeyRate, Type: sdk.Double, Default: "0", Importance: sdk.Medium,
			Doc:       "Records per second over all tasks; 0 generates as fast as the pipeline takes them.",
			Validator: nonNegativeFinite,
		}).
		Define(sdk.Key{
			Name: KeyKeyCardinality, Type: sdk.Long, Default: strconv.Itoa(DefaultKeyCardinality), Importance: sdk.Medium,
			Doc:       "Number of distinct keys key-0 … key-(N-1); 0 leaves keys null.",
			Validator: nonNegativeInt,
		}).
		Define(sdk.Key{
			Name: KeySchema, Type: sdk.String, Default: DefaultSchema, Importance: sdk.High,
			Doc:       "The value schema: one of " + strings.Join(schemaNames(), ", ") + ".",
			Validator: sdk.OneOf(schemaNames()...),
		}).
		Define(sdk.Key{
			Name: KeyCount, Type: sdk.Long, Default: "0", Importance: sdk.Medium,
			Doc:       "Total number of records over all tasks, after which tasks idle; 0 means no limit.",
			Validator: nonNegativeInt,
		}).
		Define(sdk.Key{
			Name: KeySeed, Type: sdk.Long, Default: "0", Importance: sdk.Low,
			Doc: "Seed of the generator: the same seed gives the same records.",
		}).
		Define(sdk.Key{
			Name: KeyBatchSize, Type: sdk.Int, Default: strconv.Itoa(DefaultBatchSize), Importance: sdk.Low,
			Doc:       "The most records one Read returns.",
			Validator: sdk.Range(1, math.MaxInt32),
		})
}

func nonNegativeFinite(v string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("must be a finite number at least 0")
	}
	return nil
}

func nonNegativeInt(v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("must be at least 0")
	}
	return nil
}

// config is a validated task configuration.
type config struct {
	topic       string
	rate        float64 // records per second for this task; 0 = unlimited
	cardinality int64
	schema      string
	count       int64 // records for this task; 0 = unlimited
	seed        int64
	batchSize   int
	task        int64
}

func parseConfig(cfg map[string]string) (config, error) {
	def := configDef()
	problems := def.Validate(cfg)
	if v, ok := cfg[KeyTaskIndex]; ok {
		if err := nonNegativeInt(v); err != nil {
			problems = addProblem(problems, KeyTaskIndex, fmt.Sprintf("Invalid value %s for configuration %s: %v", v, KeyTaskIndex, err))
		}
	}
	if len(problems) > 0 {
		var msgs []string
		for _, k := range slices.Sorted(maps.Keys(problems)) {
			msgs = append(msgs, problems[k]...)
		}
		return config{}, fmt.Errorf("invalid configuration: %s: %w", strings.Join(msgs, "; "), sdk.ErrFatal)
	}
	val := func(k string) string { return strings.TrimSpace(def.Value(cfg, k)) }
	c := config{topic: strings.TrimSpace(cfg[KeyTopic]), schema: val(KeySchema)}
	c.rate, _ = strconv.ParseFloat(val(KeyRate), 64)
	c.cardinality, _ = strconv.ParseInt(val(KeyKeyCardinality), 10, 64)
	c.count, _ = strconv.ParseInt(val(KeyCount), 10, 64)
	c.seed, _ = strconv.ParseInt(val(KeySeed), 10, 64)
	c.batchSize, _ = strconv.Atoi(val(KeyBatchSize))
	if v, ok := cfg[KeyTaskIndex]; ok {
		c.task, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	}
	return c, nil
}

func addProblem(p map[string][]string, key, msg string) map[string][]string {
	if p == nil {
		p = make(map[string][]string)
	}
	p[key] = append(p[key], msg)
	return p
}
