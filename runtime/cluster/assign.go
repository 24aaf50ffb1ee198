package cluster

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// DefaultMaxDelay is the default scheduled.rebalance.max.delay.ms. Kafka
// uses five minutes; a Sluice worker restarts in seconds (one static binary,
// no JVM warm-up), so 30s covers a bounce or a rolling restart while
// bounding how long a dead worker's tasks stay down to half a minute.
const DefaultMaxDelay = 30 * time.Second

// TaskID names one task of a connector, as Kafka Connect's ConnectorTaskId.
type TaskID struct {
	Connector string
	Task      int
}

func (t TaskID) String() string { return fmt.Sprintf("%s-%d", t.Connector, t.Task) }

func compareTasks(a, b TaskID) int {
	if c := cmp.Compare(a.Connector, b.Connector); c != 0 {
		return c
	}
	return cmp.Compare(a.Task, b.Task)
}

// Assignment is a set of connectors and tasks, each sorted.
type Assignment struct {
	Connectors []string
	Tasks      []TaskID
}

// Empty reports whether a holds nothing.
func (a Assignment) Empty() bool { return len(a.Connectors) == 0 && len(a.Tasks) == 0 }

// Member is one worker of the group as its join metadata describes it.
type Member struct {
	ID           string // group member id
	URL          string // REST URL, where followers forward requests
	ConfigOffset int64  // configs topic offset the worker has read up to
	Owned        Assignment
}

// AssignorState is what the leader carries from one round to the next. The
// zero value is a leader without history (first round, or a new leader):
// then nothing counts as lost and all unowned work is assigned at once.
type AssignorState struct {
	// Previous is the assignment each member holds after the last round.
	Previous map[string]Assignment
	// Held is lost work (of departed members) held back until Deadline.
	Held     Assignment
	Deadline time.Time
}

// AssignInput is everything one round of Assign depends on.
type AssignInput struct {
	Members  []Member
	Tasks    map[string]int // config snapshot: connector name -> task count
	Now      time.Time
	MaxDelay time.Duration // scheduled.rebalance.max.delay.ms
	State    AssignorState
}

// MemberAssignment is the change for one member: it starts Assigned and
// stops Revoked; what it runs otherwise stays untouched.
type MemberAssignment struct {
	Assigned Assignment
	Revoked  Assignment
}

// AssignResult is the outcome of one round.
type AssignResult struct {
	Members map[string]MemberAssignment
	// Delay is how long lost work is still held back; members rejoin after
	// it (Kafka's "delay" field). Zero when nothing is held.
	Delay time.Duration
	// Revoking reports that some member must stop work for balance, so a
	// follow-up round is needed to place it.
	Revoking bool
	State    AssignorState
}

// unit is a connector (task == -1) or a task: the thing being assigned.
type unit struct {
	connector string
	task      int
}

func (u unit) isConnector() bool { return u.task < 0 }

func compareUnits(a, b unit) int {
	if c := cmp.Compare(a.connector, b.connector); c != 0 {
		return c
	}
	return cmp.Compare(a.task, b.task)
}

func units(a Assignment) []unit {
	out := make([]unit, 0, len(a.Connectors)+len(a.Tasks))
	for _, c := range a.Connectors {
		out = append(out, unit{c, -1})
	}
	for _, t := range a.Tasks {
		out = append(out, unit{t.Connector, t.Task})
	}
	return out
}

func assignmentOf(us []unit) Assignment {
	var a Assignment
	for _, u := range us {
		if u.isConnector() {
			a.Connectors = append(a.Connectors, u.connector)
		} else {
			a.Tasks = append(a.Tasks, TaskID{u.connector, u.task})
		}
	}
	slices.Sort(a.Connectors)
	a.Connectors = slices.Compact(a.Connectors)
	slices.SortFunc(a.Tasks, compareTasks)
	a.Tasks = slices.Compact(a.Tasks)
	return a
}

// Assign computes one round of incremental cooperative assignment (KIP-415).
// It is a pure function of its input.
//
//   - Work a live member owns stays with it, except work that no longer
//     exists, work also claimed by an earlier member (by id), and the excess
//     over its balanced share, which is revoked. Revoked work is assigned in
//     the follow-up round, never in the one that revokes it.
//   - Work of members that left (per State.Previous) is held back until
//     MaxDelay after it was first seen lost, so a bounced worker can take it
//     back; then it is assigned like new work. While work is held, nothing is
//     revoked for balance.
//   - Unowned work goes to the least loaded member (ties by id), connectors
//     and tasks balanced separately; when settled, loads differ by at most one.
func Assign(in AssignInput) AssignResult {
	ids := make([]string, 0, len(in.Members))
	byID := map[string]Member{}
	for _, m := range in.Members {
		if _, dup := byID[m.ID]; !dup {
			ids = append(ids, m.ID)
		}
		byID[m.ID] = m
	}
	slices.Sort(ids)

	exists := func(u unit) bool {
		n, ok := in.Tasks[u.connector]
		return ok && u.task < n
	}
	var all []unit
	for _, c := range slices.Sorted(maps.Keys(in.Tasks)) {
		all = append(all, unit{c, -1})
		for i := range in.Tasks[c] {
			all = append(all, unit{c, i})
		}
	}

	owner := map[unit]string{}
	kept := map[string][]unit{}
	revoked := map[string][]unit{}
	for _, id := range ids {
		for _, u := range units(byID[id].Owned) {
			if _, taken := owner[u]; taken || !exists(u) {
				revoked[id] = append(revoked[id], u)
				continue
			}
			owner[u] = id
			kept[id] = append(kept[id], u)
		}
	}

	// Lost work: held before, or held by members that left.
	lostSet := map[unit]bool{}
	for _, u := range units(in.State.Held) {
		lostSet[u] = true
	}
	for id, a := range in.State.Previous {
		if _, live := byID[id]; live {
			continue
		}
		for _, u := range units(a) {
			lostSet[u] = true
		}
	}
	var lost []unit
	for u := range lostSet {
		if _, owned := owner[u]; !owned && exists(u) {
			lost = append(lost, u)
		}
	}
	slices.SortFunc(lost, compareUnits)
	deadline := in.State.Deadline
	hold := false
	if len(lost) > 0 && in.MaxDelay > 0 && len(ids) > 0 {
		if deadline.IsZero() {
			deadline = in.Now.Add(in.MaxDelay)
		}
		hold = in.Now.Before(deadline)
	}
	held := map[unit]bool{}
	if hold {
		for _, u := range lost {
			held[u] = true
		}
	} else {
		deadline = time.Time{}
	}

	var unassigned []unit
	for _, u := range all {
		if _, owned := owner[u]; !owned && !held[u] {
			unassigned = append(unassigned, u)
		}
	}

	assigned := map[string][]unit{}
	revoking := false
	if len(ids) > 0 {
		for _, connectors := range []bool{true, false} {
			pick := func(us []unit) []unit {
				var out []unit
				for _, u := range us {
					if u.isConnector() == connectors {
						out = append(out, u)
					}
				}
				return out
			}
			k := map[string][]unit{}
			for _, id := range ids {
				k[id] = pick(kept[id])
			}
			add, rev := balance(ids, k, pick(unassigned), !hold)
			for id, us := range add {
				assigned[id] = append(assigned[id], us...)
			}
			for id, us := range rev {
				revoked[id] = append(revoked[id], us...)
				revoking = true
			}
		}
	}

	res := AssignResult{
		Members:  map[string]MemberAssignment{},
		Revoking: revoking,
		State: AssignorState{
			Previous: map[string]Assignment{},
			Deadline: deadline,
		},
	}
	for _, id := range ids {
		gone := map[unit]bool{}
		for _, u := range revoked[id] {
			gone[u] = true
		}
		var now []unit
		for _, u := range kept[id] {
			if !gone[u] {
				now = append(now, u)
			}
		}
		now = append(now, assigned[id]...)
		res.Members[id] = MemberAssignment{Assigned: assignmentOf(assigned[id]), Revoked: assignmentOf(revoked[id])}
		res.State.Previous[id] = assignmentOf(now)
	}
	if hold {
		res.State.Held = assignmentOf(lost)
		res.Delay = deadline.Sub(in.Now)
	}
	return res
}

// balance places unassigned units of one kind and, when rebalance is set,
// revokes each member's excess over its share. Shares: total/N each, one
// more for the total%N members that already hold the most (ties by id), so
// the fewest units move. Revoked units are not placed in this round.
func balance(ids []string, kept map[string][]unit, unassigned []unit, rebalance bool) (add, rev map[string][]unit) {
	add, rev = map[string][]unit{}, map[string][]unit{}
	load := map[string]int{}
	for _, id := range ids {
		load[id] = len(kept[id])
	}
	quota := map[string]int{}
	if rebalance {
		total := len(unassigned)
		for _, id := range ids {
			total += len(kept[id])
		}
		order := slices.Clone(ids)
		slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(load[b], load[a]) })
		for i, id := range order {
			quota[id] = total / len(ids)
			if i < total%len(ids) {
				quota[id]++
			}
			if excess := load[id] - quota[id]; excess > 0 {
				us := slices.SortedFunc(slices.Values(kept[id]), compareUnits)
				rev[id] = us[len(us)-excess:]
				load[id] = quota[id]
			}
		}
	}
	for _, u := range unassigned {
		best := ""
		for _, id := range ids {
			if rebalance && load[id] >= quota[id] {
				continue
			}
			if best == "" || load[id] < load[best] {
				best = id
			}
		}
		if best == "" {
			for _, id := range ids {
				if best == "" || load[id] < load[best] {
					best = id
				}
			}
		}
		add[best] = append(add[best], u)
		load[best]++
	}
	return add, rev
}
