package group

// ListGroups: versions 0-5.
//
//   - v4+ StatesFilter: state names, matched case-insensitively as Kafka does.
//   - v5+ TypesFilter: every group here is of type "classic".
//
// While a partition is still loading, the groups already known are listed and
// the error is COORDINATOR_LOAD_IN_PROGRESS.

import (
	"context"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const groupType = "classic"

// ListGroups lists the groups this coordinator holds.
func (c *Coordinator) ListGroups(_ context.Context, req *kmsg.ListGroupsRequest) *kmsg.ListGroupsResponse {
	r := kmsg.NewPtrListGroupsResponse()
	r.Version = req.Version
	var states, types []string
	if req.Version >= 4 {
		states = req.StatesFilter
	}
	if req.Version >= 5 {
		types = req.TypesFilter
	}
	matches := func(filter []string, v string) bool {
		return len(filter) == 0 || slices.ContainsFunc(filter, func(f string) bool { return strings.EqualFold(f, v) })
	}
	c.mu.Lock()
	for _, pt := range c.mu.partitions {
		if pt.loading {
			r.ErrorCode = kerr.CoordinatorLoadInProgress.Code
		}
	}
	c.mu.Unlock()
	if !matches(types, groupType) {
		return r
	}
	for _, g := range c.groups() {
		g.mu.Lock()
		if !g.removed && matches(states, g.state.String()) {
			lg := kmsg.NewListGroupsResponseGroup()
			lg.Group, lg.ProtocolType = g.name, g.protocolType
			lg.GroupState, lg.GroupType = g.state.String(), groupType
			r.Groups = append(r.Groups, lg)
		}
		g.mu.Unlock()
	}
	slices.SortFunc(r.Groups, func(a, b kmsg.ListGroupsResponseGroup) int { return strings.Compare(a.Group, b.Group) })
	return r
}
