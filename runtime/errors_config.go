package runtime

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Error handling properties of a connector, Kafka Connect's names (KIP-298).
// Sluice applies them to source connectors too, dead-letter queue included.
const (
	ErrorsRetryTimeoutConfig      = "errors.retry.timeout"
	ErrorsRetryDelayMaxConfig     = "errors.retry.delay.max.ms"
	ErrorsLogEnableConfig         = "errors.log.enable"
	ErrorsLogIncludeMessages      = "errors.log.include.messages"
	DLQTopicConfig                = "errors.deadletterqueue.topic.name"
	DLQReplicationFactorConfig    = "errors.deadletterqueue.topic.replication.factor"
	DLQContextHeadersEnableConfig = "errors.deadletterqueue.context.headers.enable"
)

// defineErrorHandling adds the error handling keys to a connector ConfigDef.
func defineErrorHandling(d *sdk.ConfigDef) *sdk.ConfigDef {
	return d.
		Define(sdk.Key{Name: ErrorsToleranceConfig, Type: sdk.String, Default: "none", Importance: sdk.Medium,
			Doc:       "Behaviour on a record that fails a stage (conversion, transformation, produce, or reported errant by a sink): none fails the task; all skips the record, logging it when errors.log.enable and sending it to the dead-letter queue when errors.deadletterqueue.topic.name is set.",
			Validator: sdk.OneOf("none", "all")}).
		Define(sdk.Key{Name: ErrorsRetryTimeoutConfig, Type: sdk.Long, Default: "0", Importance: sdk.Medium,
			Doc:       "Milliseconds a retriable failure (sdk.ErrRetriable from a task, a retriable broker error) is retried before it is handled per errors.tolerance; -1 retries forever, 0 not at all.",
			Validator: atLeastMinusOne}).
		Define(sdk.Key{Name: ErrorsRetryDelayMaxConfig, Type: sdk.Long, Default: "60000", Importance: sdk.Medium,
			Doc: "Longest delay between retries (exponential from 300 ms, with jitter).", Validator: nonNegative}).
		Define(sdk.Key{Name: ErrorsLogEnableConfig, Type: sdk.Boolean, Default: "false", Importance: sdk.Medium,
			Doc: "Log each failed record with its context (stage, connector, task, topic, partition, offset, error)."}).
		Define(sdk.Key{Name: ErrorsLogIncludeMessages, Type: sdk.Boolean, Default: "false", Importance: sdk.Medium,
			Doc: "Include the failed record's key, value and headers in the log lines."}).
		Define(sdk.Key{Name: DLQTopicConfig, Type: sdk.String, Default: "", Importance: sdk.Medium,
			Doc: "Topic that receives the records skipped under errors.tolerance=all (sink and source connectors); created when missing. Empty: no dead-letter queue."}).
		Define(sdk.Key{Name: DLQReplicationFactorConfig, Type: sdk.Short, Default: "-1", Importance: sdk.Medium,
			Doc:       "Replication factor of the dead-letter queue topic when it is created; -1 uses the broker's default.replication.factor (Kafka's default is 3, which a one-broker cluster cannot satisfy).",
			Validator: replicationFactor}).
		Define(sdk.Key{Name: DLQContextHeadersEnableConfig, Type: sdk.Boolean, Default: "false", Importance: sdk.Medium,
			Doc: "Add the __connect.errors.* headers (original topic, partition, offset, connector, task, stage, class, error) to dead-letter records."})
}

func atLeastMinusOne(v string) error {
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if n < -1 {
		return fmt.Errorf("must be -1 (forever) or >= 0")
	}
	return nil
}

func replicationFactor(v string) error {
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if n == 0 || n < -1 {
		return fmt.Errorf("must be -1 (the broker's default) or >= 1")
	}
	return nil
}

// ErrorHandling is a connector's validated error handling settings.
type ErrorHandling struct {
	TolerateAll       bool
	RetryTimeout      time.Duration // <0: forever
	RetryDelayMax     time.Duration
	Log               bool
	LogMessages       bool
	DLQTopic          string
	DLQReplication    int16
	DLQContextHeaders bool
}

// parseErrorHandling reads the keys defineErrorHandling declared; their
// values were validated already.
func parseErrorHandling(def *sdk.ConfigDef, props map[string]string) ErrorHandling {
	get := func(k string) string { return strings.TrimSpace(def.Value(props, k)) }
	ms := func(k string) time.Duration {
		n, _ := strconv.ParseInt(get(k), 10, 64)
		if n < 0 {
			return -1
		}
		return time.Duration(n) * time.Millisecond
	}
	rf, _ := strconv.ParseInt(get(DLQReplicationFactorConfig), 10, 16)
	return ErrorHandling{
		TolerateAll:       strings.EqualFold(get(ErrorsToleranceConfig), "all"),
		RetryTimeout:      ms(ErrorsRetryTimeoutConfig),
		RetryDelayMax:     ms(ErrorsRetryDelayMaxConfig),
		Log:               strings.EqualFold(get(ErrorsLogEnableConfig), "true"),
		LogMessages:       strings.EqualFold(get(ErrorsLogIncludeMessages), "true"),
		DLQTopic:          get(DLQTopicConfig),
		DLQReplication:    int16(rf),
		DLQContextHeaders: strings.EqualFold(get(DLQContextHeadersEnableConfig), "true"),
	}
}
