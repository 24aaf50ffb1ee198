package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// resetStrategy says where `groups reset-offsets` moves each partition.
type resetStrategy int

const (
	resetToEarliest resetStrategy = iota
	resetToLatest
	resetToOffset
	resetToDatetime
	resetShiftBy
)

// resetSpec is a parsed `groups reset-offsets` invocation.
type resetSpec struct {
	Group    string
	Topics   []topicSelection
	Strategy resetStrategy
	Offset   int64     // for resetToOffset
	Shift    int64     // for resetShiftBy
	Time     time.Time // for resetToDatetime
	Execute  bool
}

// topicSelection is one --topic flag: a topic and, optionally, some of its
// partitions (nil means all of them).
type topicSelection struct {
	Topic      string
	Partitions []int32
}

// parseTopicSelection parses "T" or "T:P,P,...".
func parseTopicSelection(s string) (topicSelection, error) {
	topic, parts, hasParts := strings.Cut(s, ":")
	if topic == "" {
		return topicSelection{}, fmt.Errorf("bad --topic %q: expected TOPIC or TOPIC:PARTITION[,PARTITION...]", s)
	}
	sel := topicSelection{Topic: topic}
	if !hasParts {
		return sel, nil
	}
	for _, p := range strings.Split(parts, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
		if err != nil || n < 0 {
			return topicSelection{}, fmt.Errorf("bad --topic %q: partition %q is not a non-negative number", s, p)
		}
		if !slices.Contains(sel.Partitions, int32(n)) {
			sel.Partitions = append(sel.Partitions, int32(n))
		}
	}
	return sel, nil
}

type offsetReset struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Current   *int64 `json:"current_offset"`
	New       int64  `json:"new_offset"`
}

type resetPlan struct {
	Group      string        `json:"group"`
	Executed   bool          `json:"executed"`
	Partitions []offsetReset `json:"partitions"`
}

func (p resetPlan) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET")
	for _, r := range p.Partitions {
		tableRow(tw, p.Group, r.Topic, r.Partition, offsetCell(r.Current), r.New)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p.Executed {
		_, err := fmt.Fprintf(w, "Committed new offsets for group %s.\n", p.Group)
		return err
	}
	_, err := fmt.Fprintln(w, "Dry run: nothing was committed. Rerun with --execute to apply this plan.")
	return err
}

// resetOffsets computes, and with Execute commits, new committed offsets for
// a group, as kafka-consumer-groups --reset-offsets does. Targets are
// clamped to each partition's [start, end] range. The group must have no
// members: a live consumer would overwrite the new offsets with its own.
func resetOffsets(ctx context.Context, adm *kadm.Client, s resetSpec) (tabular, error) {
	if err := checkGroupInactive(ctx, adm, s.Group); err != nil {
		return nil, err
	}
	topics := make([]string, 0, len(s.Topics))
	for _, sel := range s.Topics {
		if !slices.Contains(topics, sel.Topic) {
			topics = append(topics, sel.Topic)
		}
	}
	tds, err := adm.ListTopics(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("look up topics: %w", err)
	}
	selected := make(kadm.TopicsSet)
	for _, sel := range s.Topics {
		td, ok := tds[sel.Topic]
		if !ok || td.Err != nil {
			err := error(kerr.UnknownTopicOrPartition)
			if ok {
				err = td.Err
			}
			return nil, topicError("reset offsets on topic", sel.Topic, err)
		}
		if sel.Partitions == nil {
			selected.Add(sel.Topic, td.Partitions.Numbers()...)
			continue
		}
		for _, p := range sel.Partitions {
			if _, ok := td.Partitions[p]; !ok {
				return nil, fmt.Errorf("reset offsets on topic %q: unknown partition %d (the topic has %d)", sel.Topic, p, len(td.Partitions))
			}
		}
		selected.Add(sel.Topic, sel.Partitions...)
	}

	// A group that does not exist yet has nothing committed; some brokers
	// answer GROUP_ID_NOT_FOUND for it, others an empty list.
	committed, err := adm.FetchOffsetsForTopics(ctx, s.Group, topics...)
	if errors.Is(err, kerr.GroupIDNotFound) {
		committed, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fetch committed offsets of group %q: %w", s.Group, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list start offsets: %w", err)
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list end offsets: %w", err)
	}
	var atTime kadm.ListedOffsets
	if s.Strategy == resetToDatetime {
		if atTime, err = adm.ListOffsetsAfterMilli(ctx, s.Time.UnixMilli(), topics...); err != nil {
			return nil, fmt.Errorf("list offsets at %s: %w", s.Time.Format(time.RFC3339), err)
		}
	}

	plan := resetPlan{Group: s.Group, Partitions: []offsetReset{}}
	newOffsets := make(kadm.Offsets)
	for _, tp := range selected.Sorted() {
		for _, p := range tp.Partitions {
			r, err := planPartition(s, tp.Topic, p, committed, starts, ends, atTime)
			if err != nil {
				return nil, err
			}
			plan.Partitions = append(plan.Partitions, r)
			newOffsets.AddOffset(tp.Topic, p, r.New, -1)
		}
	}
	if !s.Execute {
		return plan, nil
	}
	resps, err := adm.CommitOffsets(ctx, s.Group, newOffsets)
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("commit new offsets for group %q: %w", s.Group, err)
	}
	plan.Executed = true
	return plan, nil
}

// checkGroupInactive refuses a group with members. A group the coordinator
// does not know is fine: committing creates it, as in Kafka.
func checkGroupInactive(ctx context.Context, adm *kadm.Client, group string) error {
	dgs, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return fmt.Errorf("describe group %q: %w", group, err)
	}
	dg, err := dgs.On(group, nil)
	if err == nil {
		err = dg.Err
	}
	switch {
	case errors.Is(err, kerr.GroupIDNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("describe group %q: %w", group, brokerError(err, dg.ErrMessage))
	case dg.State == "Empty" || dg.State == "Dead":
		return nil
	}
	return fmt.Errorf("refusing to reset offsets of group %q: it is %s with %d member(s); "+
		"offsets can only be reset while the group is Empty, so stop its consumers first", group, dg.State, len(dg.Members))
}

func planPartition(s resetSpec, topic string, p int32, committed kadm.OffsetResponses, starts, ends, atTime kadm.ListedOffsets) (offsetReset, error) {
	r := offsetReset{Topic: topic, Partition: p}
	if c, ok := committed.Lookup(topic, p); ok {
		if c.Err != nil {
			return r, fmt.Errorf("committed offset of %s/%d: %w", topic, p, c.Err)
		}
		if c.At >= 0 {
			r.Current = int64Ptr(c.At)
		}
	}
	start, err := listedOffset(starts, "start", topic, p)
	if err != nil {
		return r, err
	}
	end, err := listedOffset(ends, "end", topic, p)
	if err != nil {
		return r, err
	}
	var target int64
	switch s.Strategy {
	case resetToEarliest:
		target = start
	case resetToLatest:
		target = end
	case resetToOffset:
		target = s.Offset
	case resetToDatetime:
		if target, err = listedOffset(atTime, "by-time", topic, p); err != nil {
			return r, err
		}
	case resetShiftBy:
		if r.Current == nil {
			return r, fmt.Errorf("cannot shift %s/%d: group %q has no committed offset there", topic, p, s.Group)
		}
		target = *r.Current + s.Shift
	}
	r.New = min(max(target, start), end)
	return r, nil
}

func listedOffset(l kadm.ListedOffsets, what, topic string, p int32) (int64, error) {
	o, ok := l.Lookup(topic, p)
	switch {
	case !ok:
		return 0, fmt.Errorf("list %s offset of %s/%d: missing from the broker's answer", what, topic, p)
	case o.Err != nil:
		return 0, fmt.Errorf("list %s offset of %s/%d: %w", what, topic, p, o.Err)
	}
	return o.Offset, nil
}
