package distributed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/sluicehq/sluice/api"
)

// Sink connectors' offsets (KIP-875) are the committed offsets of their
// consumer group, connect-NAME, shown in Kafka's shape:
//
//	{"partition":{"kafka_topic":"t","kafka_partition":0},"offset":{"kafka_offset":42}}
//
// Altering commits them with kadm (a null kafka_offset deletes the
// partition's offset); resetting deletes the group. Both need the
// connector STOPPED, so the group has no members.

const (
	sinkTopicKey     = "kafka_topic"
	sinkPartitionKey = "kafka_partition"
	sinkOffsetKey    = "kafka_offset"
)

func sinkGroup(connector string) string { return "connect-" + connector }

func (h *Herder) sinkOffsets(ctx context.Context, name string) (api.ConnectorOffsets, error) {
	out := api.ConnectorOffsets{Offsets: []api.ConnectorOffset{}}
	resp, err := h.admin.FetchOffsets(ctx, sinkGroup(name))
	if err != nil {
		return out, fmt.Errorf("fetch offsets of group %s: %w", sinkGroup(name), err)
	}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Err != nil || o.At < 0 {
			return
		}
		out.Offsets = append(out.Offsets, api.ConnectorOffset{
			Partition: map[string]any{sinkTopicKey: o.Topic, sinkPartitionKey: o.Partition},
			Offset:    map[string]any{sinkOffsetKey: o.At},
		})
	})
	slices.SortFunc(out.Offsets, func(a, b api.ConnectorOffset) int {
		if c := compareAny(a.Partition[sinkTopicKey], b.Partition[sinkTopicKey]); c != 0 {
			return c
		}
		return compareAny(a.Partition[sinkPartitionKey], b.Partition[sinkPartitionKey])
	})
	return out, nil
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case string:
		y, _ := b.(string)
		return cmpOrdered(x, y)
	case int32:
		y, _ := b.(int32)
		return cmpOrdered(x, y)
	}
	return 0
}

func cmpOrdered[T int32 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// number reads a JSON number (float64 or json.Number) that must be an
// integer within [lo, hi].
func number(v any, lo, hi int64) (int64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case int64:
		f = float64(n)
	case int32:
		f = float64(n)
	case int:
		f = float64(n)
	case json.Number:
		i, err := n.Int64()
		return i, err == nil && i >= lo && i <= hi
	default:
		return 0, false
	}
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, false
	}
	return int64(f), true
}

// alterSinkOffsets commits or deletes the group's offsets per partition.
func (h *Herder) alterSinkOffsets(ctx context.Context, name string, offsets []api.ConnectorOffset) error {
	commit := kadm.Offsets{}
	del := kadm.TopicsSet{}
	for _, o := range offsets {
		topic, ok := o.Partition[sinkTopicKey].(string)
		if !ok || topic == "" {
			return api.Errorf(api.ErrBadRequest, "Kafka topic names must be valid strings and may not be null")
		}
		p, ok := number(o.Partition[sinkPartitionKey], 0, math.MaxInt32)
		if !ok {
			return api.Errorf(api.ErrBadRequest, "Kafka partitions must be valid integers and may not be null")
		}
		if o.Offset == nil || o.Offset[sinkOffsetKey] == nil {
			del.Add(topic, int32(p))
			continue
		}
		off, ok := number(o.Offset[sinkOffsetKey], 0, math.MaxInt64)
		if !ok {
			return api.Errorf(api.ErrBadRequest, "Kafka offsets must be valid non-negative integers")
		}
		commit.Add(kadm.Offset{Topic: topic, Partition: int32(p), At: off, LeaderEpoch: -1})
	}
	group := sinkGroup(name)
	if len(commit) > 0 {
		resp, err := h.admin.CommitOffsets(ctx, group, commit)
		if err == nil {
			err = resp.Error()
		}
		if err != nil {
			return fmt.Errorf("Failed to alter consumer group offsets for connector %s: %w", name, err)
		}
	}
	if len(del) > 0 {
		resp, err := h.admin.DeleteOffsets(ctx, group, del)
		if err == nil {
			err = resp.Error()
		}
		if err != nil {
			return fmt.Errorf("Failed to delete consumer group offsets for connector %s: %w", name, err)
		}
	}
	return nil
}

// resetSinkOffsets deletes the connector's consumer group.
func (h *Herder) resetSinkOffsets(ctx context.Context, name string) error {
	resp, err := h.admin.DeleteGroup(ctx, sinkGroup(name))
	if err == nil && resp.Err != nil && !isGroupNotFound(resp.Err) {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("Failed to reset offsets for connector %s: %w", name, err)
	}
	return nil
}

func isGroupNotFound(err error) bool { return errors.Is(err, kerr.GroupIDNotFound) }
