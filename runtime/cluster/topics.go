package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Default names and partition counts of the internal topics, as Kafka
// Connect's distributed worker (config.storage.topic …).
const (
	DefaultConfigTopic = "connect-configs"
	DefaultOffsetTopic = "connect-offsets"
	DefaultStatusTopic = "connect-status"

	ConfigPartitions = 1
	OffsetPartitions = 25
	StatusPartitions = 5
)

// TopicSpec describes an internal topic.
type TopicSpec struct {
	Name       string
	Purpose    string // "configs", "offsets" or "status", for errors
	Partitions int32
	// ReplicationFactor is the topic's replication factor; -1 takes the
	// broker's default (KIP-464).
	ReplicationFactor int16
	// MinInsyncReplicas sets min.insync.replicas when > 0.
	MinInsyncReplicas int
	// OnePartition requires an existing topic to have exactly one partition
	// (the configs topic: its order is the order of config changes).
	OnePartition bool
}

// ErrBadTopic wraps the reasons an existing internal topic cannot be used.
var ErrBadTopic = errors.New("internal topic unusable")

// EnsureTopic creates the topic with cleanup.policy=compact, or checks an
// existing one: its cleanup.policy must be exactly "compact" (as Kafka
// Connect requires: "delete" would lose state) and, when OnePartition is
// set, it must have exactly one partition.
func EnsureTopic(ctx context.Context, adm *kadm.Client, spec TopicSpec) error {
	configs := map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}
	if spec.MinInsyncReplicas > 0 {
		configs["min.insync.replicas"] = kadm.StringPtr(strconv.Itoa(spec.MinInsyncReplicas))
	}
	_, err := adm.CreateTopic(ctx, spec.Partitions, spec.ReplicationFactor, configs, spec.Name)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, kerr.TopicAlreadyExists):
		return fmt.Errorf("create %s topic %q: %w", spec.Purpose, spec.Name, err)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, spec.Name)
	if err != nil {
		return fmt.Errorf("describe %s topic %q: %w", spec.Purpose, spec.Name, err)
	}
	rc, err := rcs.On(spec.Name, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return fmt.Errorf("describe %s topic %q: %w", spec.Purpose, spec.Name, err)
	}
	policy := "delete" // Kafka's default when the broker reports none
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" && c.Value != nil {
			policy = *c.Value
		}
	}
	if strings.ReplaceAll(policy, " ", "") != "compact" {
		return fmt.Errorf("%w: %s topic %q must have cleanup.policy=compact to keep every key's latest value, but has cleanup.policy=%s; "+
			"alter it (kafka-configs --alter --add-config cleanup.policy=compact) or name another topic", ErrBadTopic, spec.Purpose, spec.Name, policy)
	}
	if spec.OnePartition {
		tds, err := adm.ListTopics(ctx, spec.Name)
		if err != nil {
			return fmt.Errorf("describe %s topic %q: %w", spec.Purpose, spec.Name, err)
		}
		td := tds[spec.Name]
		if td.Err != nil {
			return fmt.Errorf("describe %s topic %q: %w", spec.Purpose, spec.Name, td.Err)
		}
		if n := len(td.Partitions); n != 1 {
			return fmt.Errorf("%w: %s topic %q must have exactly 1 partition (its order is the order of config changes), but has %d", ErrBadTopic, spec.Purpose, spec.Name, n)
		}
	}
	return nil
}
