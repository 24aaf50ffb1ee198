package runtime

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Worker property names (Kafka Connect's, except where marked Sluice).
const (
	BootstrapServersConfig      = "bootstrap.servers"
	KeyConverterConfig          = "key.converter"
	ValueConverterConfig        = "value.converter"
	HeaderConverterConfig       = "header.converter"
	OffsetFileConfig            = "offset.storage.file.filename"
	OffsetFlushIntervalConfig   = "offset.flush.interval.ms"
	SourceCommitIntervalConfig  = "source.offset.commit.interval.ms"
	PluginPathConfig            = "plugin.path"
	ErrorsToleranceConfig       = "errors.tolerance"
	TopicCreationEnableConfig   = "topic.creation.enable"
	ShutdownTimeoutConfig       = "task.shutdown.graceful.timeout.ms"
	RestartBackoffInitialConfig = "task.restart.backoff.initial.ms" // Sluice
	RestartBackoffMaxConfig     = "task.restart.backoff.max.ms"     // Sluice
)

// SimpleHeaderConverter is the only header converter: see headers.go.
const SimpleHeaderConverter = "org.apache.kafka.connect.storage.SimpleHeaderConverter"

func positive(v string) error {
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if n <= 0 {
		return fmt.Errorf("must be > 0")
	}
	return nil
}

func nonNegative(v string) error {
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if n < 0 {
		return fmt.Errorf("must be >= 0")
	}
	return nil
}

// WorkerConfigDef declares the standalone worker's properties. Converter
// properties (key.converter.*, value.converter.*) and client overrides
// (producer.*, consumer.*, admin.*) are prefixes, checked separately.
func WorkerConfigDef() *sdk.ConfigDef {
	return sdk.NewConfigDef().
		Define(sdk.Key{Name: ConfigProvidersConfig, Type: sdk.List, Importance: sdk.Low,
			Doc: "Config providers of connector configs (Kafka's name). env (${env:NAME}) and file (${file:PATH:KEY}, a .properties file) are built in and always available; config.providers.*.class properties are accepted and ignored."}).
		Define(sdk.Key{Name: BootstrapServersConfig, Type: sdk.List, Default: "localhost:9092", Importance: sdk.High,
			Doc: "host:port pairs of the Kafka cluster (the bundled broker or any Kafka-compatible one).", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: KeyConverterConfig, Type: sdk.Class, Required: true, Importance: sdk.High,
			Doc: "Converter of record keys to and from bytes; key.converter.* are its properties.", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: ValueConverterConfig, Type: sdk.Class, Required: true, Importance: sdk.High,
			Doc: "Converter of record values to and from bytes; value.converter.* are its properties.", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: HeaderConverterConfig, Type: sdk.Class, Default: SimpleHeaderConverter, Importance: sdk.Low,
			Doc: "Converter of header values; only SimpleHeaderConverter is supported.", Validator: sdk.OneOf(SimpleHeaderConverter)}).
		Define(sdk.Key{Name: OffsetFileConfig, Type: sdk.String, Required: true, Importance: sdk.High,
			Doc: "File that stores source connector offsets (standalone mode).", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: OffsetFlushIntervalConfig, Type: sdk.Long, Default: "60000", Importance: sdk.Low,
			Doc: "Interval at which sink tasks are flushed and their offsets committed (source offsets: source.offset.commit.interval.ms).", Validator: positive}).
		Define(sdk.Key{Name: SourceCommitIntervalConfig, Type: sdk.Long, Default: "0", Importance: sdk.Low,
			Doc: "Sluice: source offsets are stored (and the task's Commit called) once the broker acknowledged their records, at most once per this interval: batches acknowledged in between are stored together, and whatever is acknowledged is stored on stop. 0 (the default) stores after every acknowledged batch, coalescing only batches already acknowledged. A crash re-reads at most this interval plus the unacknowledged records.", Validator: nonNegative}).
		Define(sdk.Key{Name: PluginPathConfig, Type: sdk.List, Default: "", Importance: sdk.Low,
			Doc: "Directories searched for sluice-connector-* plugin executables."}).
		Define(sdk.Key{Name: TopicCreationEnableConfig, Type: sdk.Boolean, Default: "true", Importance: sdk.Low,
			Doc: "Lets source connectors create the topics they write to (KIP-158) with their topic.creation.* settings."}).
		Define(sdk.Key{Name: ShutdownTimeoutConfig, Type: sdk.Long, Default: "5000", Importance: sdk.Low,
			Doc: "Time a task is given to stop gracefully (drain acks, commit, Stop) before it is abandoned and its plugin killed.", Validator: nonNegative}).
		Define(sdk.Key{Name: RestartBackoffInitialConfig, Type: sdk.Long, Default: "1000", Importance: sdk.Low,
			Doc: "Sluice: first delay before a failed task is restarted; doubles up to task.restart.backoff.max.ms.", Validator: positive}).
		Define(sdk.Key{Name: RestartBackoffMaxConfig, Type: sdk.Long, Default: "60000", Importance: sdk.Low,
			Doc: "Sluice: longest delay between restarts of a failed task.", Validator: positive})
}

// Worker property prefixes passed on to converters and clients.
var workerPrefixes = []string{"key.converter.", "value.converter.", "header.converter.", "producer.", "consumer.", "admin.", "config.providers."}

// Kafka Connect worker properties that mean nothing in standalone mode; they
// are accepted with a warning that they are ignored.
var ignoredWorkerKeys = []string{
	"group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic",
	"config.storage.replication.factor", "offset.storage.replication.factor", "status.storage.replication.factor",
	"offset.storage.partitions", "status.storage.partitions", "listeners", "rest.port", "rest.host.name",
	"rest.advertised.host.name", "rest.advertised.port", "internal.key.converter", "internal.value.converter",
	"offset.flush.timeout.ms",
	ErrorsToleranceConfig, // a connector property (Kafka Connect reads it only there too)
}

// WorkerConfig is a validated worker configuration.
type WorkerConfig struct {
	BootstrapServers      []string
	KeyConverter          string
	KeyConverterProps     map[string]string // key.converter.* without the prefix
	ValueConverter        string
	ValueConverterProps   map[string]string
	OffsetFile            string
	OffsetFlushInterval   time.Duration
	SourceCommitInterval  time.Duration
	PluginPath            []string
	TopicCreationEnable   bool
	ShutdownTimeout       time.Duration
	RestartBackoffInitial time.Duration
	RestartBackoffMax     time.Duration
	Producer              map[string]string // producer.* without the prefix
	Consumer              map[string]string // consumer.*
	Admin                 map[string]string // admin.*
}

// ParseWorkerConfig validates props. Every invalid property is named in the
// returned *ConfigError; unknown properties are not errors but come back as
// warnings (one line each) for the caller to log.
func ParseWorkerConfig(props map[string]string) (*WorkerConfig, []string, error) {
	def := WorkerConfigDef()
	p := problems{}
	p.merge(def.Validate(props))
	var warnings []string
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if _, ok := def.Key(k); ok {
			continue
		}
		switch {
		case slices.Contains(ignoredWorkerKeys, k):
			warnings = append(warnings, fmt.Sprintf("worker property %s is ignored in standalone mode", k))
		case hasAnyPrefix(k, workerPrefixes...):
		default:
			warnings = append(warnings, fmt.Sprintf("unknown worker property %s is ignored", k))
		}
	}
	for _, name := range splitList(props[ConfigProvidersConfig]) {
		if name != "env" && name != "file" {
			warnings = append(warnings, fmt.Sprintf("config provider %s is not built in: only env and file are; ${%s:…} placeholders will fail the connector", name, name))
		}
	}
	c := &WorkerConfig{
		BootstrapServers:    splitList(def.Value(props, BootstrapServersConfig)),
		KeyConverter:        strings.TrimSpace(props[KeyConverterConfig]),
		KeyConverterProps:   withPrefix(props, "key.converter."),
		ValueConverter:      strings.TrimSpace(props[ValueConverterConfig]),
		ValueConverterProps: withPrefix(props, "value.converter."),
		OffsetFile:          props[OffsetFileConfig],
		PluginPath:          splitList(def.Value(props, PluginPathConfig)),
		TopicCreationEnable: strings.EqualFold(strings.TrimSpace(def.Value(props, TopicCreationEnableConfig)), "true"),
		Producer:            withPrefix(props, "producer."),
		Consumer:            withPrefix(props, "consumer."),
		Admin:               withPrefix(props, "admin."),
	}
	if len(p) == 0 {
		c.OffsetFlushInterval = millis(def.Value(props, OffsetFlushIntervalConfig))
		c.SourceCommitInterval = millis(def.Value(props, SourceCommitIntervalConfig))
		c.ShutdownTimeout = millis(def.Value(props, ShutdownTimeoutConfig))
		c.RestartBackoffInitial = millis(def.Value(props, RestartBackoffInitialConfig))
		c.RestartBackoffMax = millis(def.Value(props, RestartBackoffMaxConfig))
		if c.RestartBackoffMax < c.RestartBackoffInitial {
			p.add(RestartBackoffMaxConfig, "must be >= %s", RestartBackoffInitialConfig)
		}
	}
	warnings = append(warnings, checkClientOverrides(p, "producer.", c.Producer, producerOverrides)...)
	warnings = append(warnings, checkClientOverrides(p, "consumer.", c.Consumer, consumerOverrides)...)
	if err := p.err("worker config"); err != nil {
		return nil, warnings, err
	}
	return c, warnings, nil
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// withPrefix returns the properties starting with prefix, prefix removed.
func withPrefix(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// splitList splits a Kafka LIST value: comma-separated, blanks trimmed,
// empty items dropped.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// millis parses an already validated LONG of milliseconds.
func millis(v string) time.Duration {
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return time.Duration(n) * time.Millisecond
}
