package txn

// ListTransactions: versions 0-2 (v1 adds the duration filter, KIP-994; v2
// the transactional id pattern, KIP-1152, matched against the whole id with
// Go's RE2 syntax as Kafka uses RE2/J). Deviations from Apache Kafka: none
// known.

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ListTransactionsMaxVersion is the highest ListTransactions version served.
const ListTransactionsMaxVersion = 2

// ListTransactions lists the transactional ids of the partitions this
// coordinator owns, filtered by state, producer id, duration and id pattern.
func (c *Coordinator) ListTransactions(_ context.Context, req *kmsg.ListTransactionsRequest) *kmsg.ListTransactionsResponse {
	resp := req.ResponseKind().(*kmsg.ListTransactionsResponse)
	resp.Version = req.Version

	c.mu.Lock()
	closed := c.mu.closed
	loading := false
	for _, pt := range c.mu.partitions {
		loading = loading || pt.loading
	}
	c.mu.Unlock()
	switch {
	case closed:
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
		return resp
	case loading:
		resp.ErrorCode = kerr.CoordinatorLoadInProgress.Code
		return resp
	}

	var pattern *regexp.Regexp
	if req.Version >= 2 && req.TransactionalIDPattern != nil && *req.TransactionalIDPattern != "" {
		re, err := regexp.Compile(`^(?:` + *req.TransactionalIDPattern + `)$`)
		if err != nil {
			resp.ErrorCode = kerr.InvalidRegularExpression.Code
			return resp
		}
		pattern = re
	}
	states := make(map[state]bool)
	for _, name := range req.StateFilters {
		if s, ok := stateFromName(name); ok {
			states[s] = true
		} else {
			resp.UnknownStateFilters = append(resp.UnknownStateFilters, name)
		}
	}
	if len(req.StateFilters) > 0 && len(states) == 0 {
		return resp // only unknown states asked for: nothing matches
	}
	duration := int64(-1)
	if req.Version >= 1 {
		duration = req.DurationFilterMillis
	}
	now := c.nowMillis()

	for _, t := range c.txns() {
		t.mu.Lock()
		m, ok := t.mu.meta, t.mu.persisted && !t.mu.removed
		t.mu.Unlock()
		switch {
		case !ok, m.state == stateDead:
		case len(req.ProducerIDFilters) > 0 && !slices.Contains(req.ProducerIDFilters, m.producerID):
		case len(states) > 0 && !states[m.state]:
		case duration >= 0 && now-m.startMillis <= duration:
		case pattern != nil && !pattern.MatchString(t.id):
		default:
			s := kmsg.NewListTransactionsResponseTransactionState()
			s.TransactionalID = t.id
			s.ProducerID = m.producerID
			s.TransactionState = m.state.String()
			resp.TransactionStates = append(resp.TransactionStates, s)
		}
	}
	slices.SortFunc(resp.TransactionStates, func(a, b kmsg.ListTransactionsResponseTransactionState) int {
		return strings.Compare(a.TransactionalID, b.TransactionalID)
	})
	return resp
}
