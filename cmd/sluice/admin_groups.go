package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

type groupSummary struct {
	Group        string `json:"group"`
	State        string `json:"state"`
	ProtocolType string `json:"protocol_type"`
	Coordinator  int32  `json:"coordinator"`
}

type groupList []groupSummary

func (l groupList) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "GROUP", "STATE", "PROTOCOL-TYPE", "COORDINATOR")
	for _, g := range l {
		tableRow(tw, g.Group, g.State, g.ProtocolType, g.Coordinator)
	}
	return tw.Flush()
}

func listGroups(ctx context.Context, adm *kadm.Client) (tabular, error) {
	gs, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	out := groupList{}
	for _, g := range gs.Sorted() {
		out = append(out, groupSummary{Group: g.Group, State: g.State, ProtocolType: g.ProtocolType, Coordinator: g.Coordinator})
	}
	return out, nil
}

type memberAssignment struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
}

type groupMember struct {
	MemberID   string             `json:"member_id"`
	InstanceID string             `json:"instance_id,omitempty"`
	ClientID   string             `json:"client_id"`
	Host       string             `json:"host"`
	Assigned   []memberAssignment `json:"assigned"`
}

// partitionLag is one row of a group's offsets: committed may be absent
// (nothing committed yet); member is empty for a partition that is
// committed but assigned to nobody.
type partitionLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed *int64 `json:"committed_offset"`
	End       *int64 `json:"end_offset"`
	Lag       *int64 `json:"lag"`
	MemberID  string `json:"member_id,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Host      string `json:"host,omitempty"`
	Error     string `json:"error,omitempty"`
}

type groupDescription struct {
	Group        string         `json:"group"`
	State        string         `json:"state"`
	ProtocolType string         `json:"protocol_type"`
	Protocol     string         `json:"protocol"`
	Coordinator  int32          `json:"coordinator"`
	TotalLag     int64          `json:"total_lag"`
	Members      []groupMember  `json:"members"`
	Offsets      []partitionLag `json:"offsets"`
}

type groupDescriptions []groupDescription

func (ds groupDescriptions) writeTable(w io.Writer) error {
	for i, d := range ds {
		if i > 0 {
			io.WriteString(w, "\n")
		}
		fmt.Fprintf(w, "Group: %s  State: %s  ProtocolType: %s  Protocol: %s  Coordinator: %d  TotalLag: %d\n",
			d.Group, d.State, d.ProtocolType, d.Protocol, d.Coordinator, d.TotalLag)
		fmt.Fprintf(w, "\nMembers (%d):\n", len(d.Members))
		if len(d.Members) > 0 {
			tw := newTable(w)
			tableRow(tw, "MEMBER-ID", "CLIENT-ID", "HOST", "ASSIGNED")
			for _, m := range d.Members {
				var as []string
				for _, a := range m.Assigned {
					as = append(as, a.Topic+":"+joinInt32s(a.Partitions))
				}
				tableRow(tw, m.MemberID, m.ClientID, m.Host, strings.Join(as, " "))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		fmt.Fprintf(w, "\nOffsets:\n")
		showErr := slices.ContainsFunc(d.Offsets, func(o partitionLag) bool { return o.Error != "" })
		tw := newTable(w)
		tableRow(tw, withErr(showErr, "ERROR", "TOPIC", "PARTITION", "COMMITTED-OFFSET", "END-OFFSET", "LAG", "MEMBER-ID", "CLIENT-ID", "HOST")...)
		for _, o := range d.Offsets {
			tableRow(tw, withErr(showErr, o.Error, o.Topic, o.Partition, offsetCell(o.Committed), offsetCell(o.End), offsetCell(o.Lag),
				cellOrDash(o.MemberID), cellOrDash(o.ClientID), cellOrDash(o.Host))...)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func cellOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errGroupNotFound is returned (wrapped, naming the group) for a group the
// coordinator does not know.
var errGroupNotFound = errors.New("group does not exist")

// describeGroups describes each group with its members and the lag of
// every partition it has assigned or committed. Lag is end offset minus
// committed offset; with nothing committed it is end minus start.
func describeGroups(ctx context.Context, adm *kadm.Client, groups []string) (tabular, error) {
	groups = uniqueStrings(groups)
	// Lag reuses its variadic argument's backing array as scratch space, so
	// it gets a copy (kadm v1.19.0).
	lags, err := adm.Lag(ctx, slices.Clone(groups)...)
	if err != nil {
		return nil, fmt.Errorf("describe groups: %w", err)
	}
	out := groupDescriptions{}
	var errs []error
	for _, g := range groups {
		l, ok := lags[g]
		if !ok {
			errs = append(errs, fmt.Errorf("describe group %q: missing from the broker's answer", g))
			continue
		}
		if err := groupLagError(l); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, newGroupDescription(l))
	}
	return out, errors.Join(errs...)
}

// groupLagError says why a group could not be described. A group the
// coordinator does not know is GROUP_ID_NOT_FOUND from DescribeGroups v6+,
// and before that a "Dead" group with no members and no offsets.
func groupLagError(l kadm.DescribedGroupLag) error {
	dead := l.DescribeErr == nil && l.State == "Dead" && len(l.Members) == 0 &&
		(errors.Is(l.FetchErr, kerr.GroupIDNotFound) || l.FetchErr == nil && len(l.Lag) == 0)
	switch {
	case errors.Is(l.DescribeErr, kerr.GroupIDNotFound) || dead:
		return fmt.Errorf("describe group %q: %w", l.Group, errGroupNotFound)
	case l.DescribeErr != nil:
		return fmt.Errorf("describe group %q: %w", l.Group, l.DescribeErr)
	case l.FetchErr != nil:
		return fmt.Errorf("fetch committed offsets of group %q: %w", l.Group, l.FetchErr)
	}
	return nil
}

func newGroupDescription(l kadm.DescribedGroupLag) groupDescription {
	d := groupDescription{
		Group:        l.Group,
		State:        l.State,
		ProtocolType: l.ProtocolType,
		Protocol:     l.Protocol,
		Coordinator:  l.Coordinator.NodeID,
		Members:      []groupMember{},
		Offsets:      []partitionLag{},
	}
	for _, m := range l.Members {
		gm := groupMember{MemberID: m.MemberID, ClientID: m.ClientID, Host: m.ClientHost, Assigned: []memberAssignment{}}
		if m.InstanceID != nil {
			gm.InstanceID = *m.InstanceID
		}
		if c, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range c.Topics {
				ps := slices.Clone(t.Partitions)
				slices.Sort(ps)
				gm.Assigned = append(gm.Assigned, memberAssignment{Topic: t.Topic, Partitions: ps})
			}
			slices.SortFunc(gm.Assigned, func(a, b memberAssignment) int { return strings.Compare(a.Topic, b.Topic) })
		}
		d.Members = append(d.Members, gm)
	}
	for _, ml := range l.Lag.Sorted() {
		pl := partitionLag{Topic: ml.Topic, Partition: ml.Partition}
		if ml.Commit.At >= 0 {
			pl.Committed = int64Ptr(ml.Commit.At)
		}
		if ml.End.Err == nil {
			pl.End = int64Ptr(ml.End.Offset)
		}
		if ml.Err == nil && ml.Lag >= 0 {
			pl.Lag = int64Ptr(ml.Lag)
			d.TotalLag += ml.Lag
		} else if ml.Err != nil {
			pl.Error = ml.Err.Error()
		}
		if ml.Member != nil {
			pl.MemberID, pl.ClientID, pl.Host = ml.Member.MemberID, ml.Member.ClientID, ml.Member.ClientHost
		}
		d.Offsets = append(d.Offsets, pl)
	}
	return d
}

func int64Ptr(v int64) *int64 { return &v }

type groupDeleted struct {
	Group string `json:"group"`
	Error string `json:"error,omitempty"`
}

type groupsDeleted []groupDeleted

func (ds groupsDeleted) writeTable(w io.Writer) error {
	for _, d := range ds {
		if d.Error == "" {
			fmt.Fprintf(w, "Deleted group %s.\n", d.Group)
		}
	}
	return nil
}

// deleteGroups deletes each group with its committed offsets. The broker
// refuses a group that still has members (NON_EMPTY_GROUP).
func deleteGroups(ctx context.Context, adm *kadm.Client, groups []string) (tabular, error) {
	groups = uniqueStrings(groups)
	resps, err := adm.DeleteGroups(ctx, groups...)
	if err != nil {
		return nil, fmt.Errorf("delete groups: %w", err)
	}
	out := groupsDeleted{}
	var errs []error
	for _, g := range groups {
		r, err := resps.On(g, nil)
		if err == nil {
			err = brokerError(r.Err, r.ErrMessage)
		}
		d := groupDeleted{Group: g}
		if err != nil {
			switch {
			case errors.Is(err, kerr.GroupIDNotFound):
				err = fmt.Errorf("delete group %q: %w: %w", g, errGroupNotFound, err)
			case errors.Is(err, kerr.NonEmptyGroup):
				err = fmt.Errorf("delete group %q: it still has members; stop its consumers first: %w", g, err)
			default:
				err = fmt.Errorf("delete group %q: %w", g, err)
			}
			d.Error = err.Error()
			errs = append(errs, err)
		}
		out = append(out, d)
	}
	return out, errors.Join(errs...)
}
