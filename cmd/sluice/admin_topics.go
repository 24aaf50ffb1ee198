package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// createTopicSpec is what `topics create` asks for; -1 means the broker's
// default.
type createTopicSpec struct {
	Topic             string
	Partitions        int32
	ReplicationFactor int16
	Configs           map[string]*string
	ValidateOnly      bool
}

type topicCreated struct {
	Topic             string            `json:"topic"`
	ID                string            `json:"id,omitempty"`
	Partitions        int32             `json:"partitions"`
	ReplicationFactor int16             `json:"replication_factor"`
	Configs           map[string]string `json:"configs,omitempty"`
	ValidateOnly      bool              `json:"validate_only"`
}

func (r topicCreated) writeTable(w io.Writer) error {
	verb := "Created topic"
	if r.ValidateOnly {
		verb = "Validated (not created) topic"
	}
	_, err := fmt.Fprintf(w, "%s %s with %d partition(s), replication factor %d.\n", verb, r.Topic, r.Partitions, r.ReplicationFactor)
	return err
}

func createTopic(ctx context.Context, adm *kadm.Client, s createTopicSpec) (tabular, error) {
	create := adm.CreateTopics
	if s.ValidateOnly {
		create = adm.ValidateCreateTopics
	}
	resps, err := create(ctx, s.Partitions, s.ReplicationFactor, s.Configs, s.Topic)
	if err != nil {
		return nil, fmt.Errorf("create topic %q: %w", s.Topic, err)
	}
	r, err := resps.On(s.Topic, nil)
	if err != nil {
		return nil, fmt.Errorf("create topic %q: %w", s.Topic, err)
	}
	if r.Err != nil {
		return nil, fmt.Errorf("create topic %q: %w", s.Topic, brokerError(r.Err, r.ErrMessage))
	}
	out := topicCreated{
		Topic:             r.Topic,
		Partitions:        r.NumPartitions,
		ReplicationFactor: r.ReplicationFactor,
		ValidateOnly:      s.ValidateOnly,
	}
	if r.ID != (kadm.TopicID{}) {
		out.ID = r.ID.String()
	}
	for k, c := range s.Configs {
		if out.Configs == nil {
			out.Configs = make(map[string]string)
		}
		out.Configs[k] = *c
	}
	return out, nil
}

type topicSummary struct {
	Topic             string `json:"topic"`
	Partitions        int    `json:"partitions"`
	ReplicationFactor int    `json:"replication_factor"`
	Internal          bool   `json:"internal"`
}

type topicList []topicSummary

func (l topicList) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "TOPIC", "PARTITIONS", "REPLICATION-FACTOR", "INTERNAL")
	for _, t := range l {
		tableRow(tw, t.Topic, t.Partitions, t.ReplicationFactor, t.Internal)
	}
	return tw.Flush()
}

func listTopics(ctx context.Context, adm *kadm.Client, internal bool) (tabular, error) {
	list := adm.ListTopics
	if internal {
		list = adm.ListTopicsWithInternal
	}
	tds, err := list(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	out := topicList{}
	for _, td := range tds.Sorted() {
		out = append(out, topicSummary{
			Topic:             td.Topic,
			Partitions:        len(td.Partitions),
			ReplicationFactor: td.Partitions.NumReplicas(),
			Internal:          td.IsInternal,
		})
	}
	return out, nil
}

type partitionDescription struct {
	Partition   int32   `json:"partition"`
	Leader      int32   `json:"leader"`
	LeaderEpoch int32   `json:"leader_epoch"`
	Replicas    []int32 `json:"replicas"`
	ISR         []int32 `json:"isr"`
	StartOffset int64   `json:"start_offset"`
	EndOffset   int64   `json:"end_offset"`
	Error       string  `json:"error,omitempty"`
}

type topicDescription struct {
	Topic             string                 `json:"topic"`
	ID                string                 `json:"id,omitempty"`
	Internal          bool                   `json:"internal"`
	ReplicationFactor int                    `json:"replication_factor"`
	Configs           map[string]string      `json:"configs"`
	Partitions        []partitionDescription `json:"partitions"`
}

type topicDescriptions []topicDescription

func (ds topicDescriptions) writeTable(w io.Writer) error {
	for i, d := range ds {
		if i > 0 {
			io.WriteString(w, "\n")
		}
		fmt.Fprintf(w, "Topic: %s  ID: %s  Partitions: %d  ReplicationFactor: %d  Internal: %t\n",
			d.Topic, d.ID, len(d.Partitions), d.ReplicationFactor, d.Internal)
		cs := []string{"(none)"}
		if len(d.Configs) > 0 {
			cs = cs[:0]
			for _, k := range slices.Sorted(maps.Keys(d.Configs)) {
				cs = append(cs, k+"="+d.Configs[k])
			}
		}
		fmt.Fprintf(w, "Configs: %s\n", strings.Join(cs, ","))
		showErr := slices.ContainsFunc(d.Partitions, func(p partitionDescription) bool { return p.Error != "" })
		tw := newTable(w)
		tableRow(tw, withErr(showErr, "ERROR", "PARTITION", "LEADER", "REPLICAS", "ISR", "START-OFFSET", "END-OFFSET")...)
		for _, p := range d.Partitions {
			tableRow(tw, withErr(showErr, p.Error, p.Partition, p.Leader, joinInt32s(p.Replicas), joinInt32s(p.ISR), p.StartOffset, p.EndOffset)...)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// describeTopics describes each named topic: its partitions with leader,
// replicas, ISR and start/end offsets, and the configs set on the topic
// itself (source DYNAMIC_TOPIC_CONFIG; what kafka-topics --describe shows).
// An unknown topic fails the whole command.
func describeTopics(ctx context.Context, adm *kadm.Client, topics []string) (tabular, error) {
	topics = uniqueStrings(topics)
	tds, err := adm.ListTopicsWithInternal(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("describe topics: %w", err)
	}
	for _, t := range topics {
		td, ok := tds[t]
		if !ok {
			return nil, topicError("describe topic", t, errors.New("missing from the broker's metadata answer"))
		}
		if td.Err != nil {
			return nil, topicError("describe topic", t, td.Err)
		}
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list start offsets: %w", err)
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list end offsets: %w", err)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("describe topic configs: %w", err)
	}

	out := topicDescriptions{}
	for _, t := range topics {
		td := tds[t]
		d := topicDescription{
			Topic:             t,
			Internal:          td.IsInternal,
			ReplicationFactor: td.Partitions.NumReplicas(),
			Configs:           map[string]string{},
			Partitions:        []partitionDescription{},
		}
		if td.ID != (kadm.TopicID{}) {
			d.ID = td.ID.String()
		}
		rc, err := rcs.On(t, nil)
		if err == nil {
			err = rc.Err
		}
		if err != nil {
			return nil, topicError("describe configs of topic", t, brokerError(err, rc.ErrMessage))
		}
		for _, c := range rc.Configs {
			if c.Source == kmsg.ConfigSourceDynamicTopicConfig {
				d.Configs[c.Key] = c.MaybeValue()
			}
		}
		for _, p := range td.Partitions.Sorted() {
			pd := partitionDescription{
				Partition:   p.Partition,
				Leader:      p.Leader,
				LeaderEpoch: p.LeaderEpoch,
				Replicas:    nonNilInt32s(p.Replicas),
				ISR:         nonNilInt32s(p.ISR),
				StartOffset: -1,
				EndOffset:   -1,
			}
			var errs []string
			if p.Err != nil {
				errs = append(errs, p.Err.Error())
			}
			if o, ok := starts.Lookup(t, p.Partition); ok && o.Err == nil {
				pd.StartOffset = o.Offset
			} else if ok {
				errs = append(errs, "start offset: "+o.Err.Error())
			}
			if o, ok := ends.Lookup(t, p.Partition); ok && o.Err == nil {
				pd.EndOffset = o.Offset
			} else if ok {
				errs = append(errs, "end offset: "+o.Err.Error())
			}
			pd.Error = strings.Join(errs, "; ")
			d.Partitions = append(d.Partitions, pd)
		}
		out = append(out, d)
	}
	return out, nil
}

// uniqueStrings drops repeats, keeping the first occurrence's position.
func uniqueStrings(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func nonNilInt32s(is []int32) []int32 {
	if is == nil {
		return []int32{}
	}
	return is
}

// alterTopicSpec is what `topics alter` asks for. Partitions is the new
// total partition count, 0 to leave it alone.
type alterTopicSpec struct {
	Topic         string
	Partitions    int
	SetConfigs    map[string]*string
	DeleteConfigs []string
}

type topicAltered struct {
	Topic          string            `json:"topic"`
	Partitions     int               `json:"partitions,omitempty"`
	SetConfigs     map[string]string `json:"set_configs,omitempty"`
	DeletedConfigs []string          `json:"deleted_configs,omitempty"`
}

func (r topicAltered) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "Altered topic %s:\n", r.Topic)
	if r.Partitions > 0 {
		fmt.Fprintf(w, "  partitions: now %d\n", r.Partitions)
	}
	for _, k := range slices.Sorted(maps.Keys(r.SetConfigs)) {
		fmt.Fprintf(w, "  set %s=%s\n", k, r.SetConfigs[k])
	}
	for _, k := range r.DeletedConfigs {
		fmt.Fprintf(w, "  deleted %s (back to its default)\n", k)
	}
	return nil
}

// alterTopic changes configs first (IncrementalAlterConfigs), then the
// partition count (CreatePartitions), so a bad config leaves the partition
// count untouched.
func alterTopic(ctx context.Context, adm *kadm.Client, s alterTopicSpec) (tabular, error) {
	if s.Partitions == 0 && len(s.SetConfigs) == 0 && len(s.DeleteConfigs) == 0 {
		return nil, errors.New("nothing to alter: give --partitions, --config or --delete-config")
	}
	for _, k := range s.DeleteConfigs {
		if _, ok := s.SetConfigs[k]; ok {
			return nil, fmt.Errorf("config %s is both set (--config) and deleted (--delete-config)", k)
		}
	}
	out := topicAltered{Topic: s.Topic}
	if len(s.SetConfigs) > 0 || len(s.DeleteConfigs) > 0 {
		var alters []kadm.AlterConfig
		for _, k := range slices.Sorted(maps.Keys(s.SetConfigs)) {
			alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: s.SetConfigs[k]})
		}
		for _, k := range s.DeleteConfigs {
			alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
		}
		resps, err := adm.AlterTopicConfigs(ctx, alters, s.Topic)
		if err != nil {
			return nil, topicError("alter configs of topic", s.Topic, err)
		}
		r, err := resps.On(s.Topic, nil)
		if err == nil {
			err = brokerError(r.Err, r.ErrMessage)
		}
		if err != nil {
			return nil, topicError("alter configs of topic", s.Topic, err)
		}
		out.SetConfigs = make(map[string]string, len(s.SetConfigs))
		for k, v := range s.SetConfigs {
			out.SetConfigs[k] = *v
		}
		out.DeletedConfigs = s.DeleteConfigs
	}
	if s.Partitions > 0 {
		resps, err := adm.UpdatePartitions(ctx, s.Partitions, s.Topic)
		if err != nil {
			return out, topicError("set partition count of topic", s.Topic, err)
		}
		r, err := resps.On(s.Topic, nil)
		if err == nil {
			err = brokerError(r.Err, r.ErrMessage)
		}
		if err != nil {
			return out, topicError("set partition count of topic", s.Topic, err)
		}
		out.Partitions = s.Partitions
	}
	return out, nil
}

type topicDeleted struct {
	Topic string `json:"topic"`
	Error string `json:"error,omitempty"`
}

type topicsDeleted []topicDeleted

func (ds topicsDeleted) writeTable(w io.Writer) error {
	for _, d := range ds {
		if d.Error == "" {
			fmt.Fprintf(w, "Deleted topic %s.\n", d.Topic)
		}
	}
	return nil
}

// deleteTopics deletes each topic; the result lists every topic with its
// own outcome, and the error names each one that failed.
func deleteTopics(ctx context.Context, adm *kadm.Client, topics []string) (tabular, error) {
	topics = uniqueStrings(topics)
	resps, err := adm.DeleteTopics(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("delete topics: %w", err)
	}
	out := topicsDeleted{}
	var errs []error
	for _, t := range topics {
		r, err := resps.On(t, nil)
		if err == nil {
			err = brokerError(r.Err, r.ErrMessage)
		}
		d := topicDeleted{Topic: t}
		if err != nil {
			err = topicError("delete topic", t, err)
			d.Error = err.Error()
			errs = append(errs, err)
		}
		out = append(out, d)
	}
	return out, errors.Join(errs...)
}
