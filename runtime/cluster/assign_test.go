package cluster

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// asg parses "c:a,b t:a-0,a-1" into an Assignment.
func asg(s string) Assignment {
	var us []unit
	for _, f := range strings.Fields(s) {
		kind, list, _ := strings.Cut(f, ":")
		for _, x := range strings.Split(list, ",") {
			if x == "" {
				continue
			}
			if kind == "c" {
				us = append(us, unit{x, -1})
				continue
			}
			i := strings.LastIndexByte(x, '-')
			n, _ := strconv.Atoi(x[i+1:])
			us = append(us, unit{x[:i], n})
		}
	}
	return assignmentOf(us)
}

func (a Assignment) String() string {
	var ts []string
	for _, t := range a.Tasks {
		ts = append(ts, t.String())
	}
	return "c:" + strings.Join(a.Connectors, ",") + " t:" + strings.Join(ts, ",")
}

// cluster simulates members applying each round's result.
type cluster struct {
	owned map[string]Assignment
	tasks map[string]int
	state AssignorState
	delay time.Duration
	now   time.Time
}

func (c *cluster) round(t *testing.T) AssignResult {
	t.Helper()
	var ms []Member
	for _, id := range mapsKeys(c.owned) {
		ms = append(ms, Member{ID: id, Owned: c.owned[id]})
	}
	res := Assign(AssignInput{Members: ms, Tasks: c.tasks, Now: c.now, MaxDelay: c.delay, State: c.state})
	for id, ma := range res.Members {
		gone := map[unit]bool{}
		for _, u := range units(ma.Revoked) {
			gone[u] = true
		}
		var now []unit
		for _, u := range units(c.owned[id]) {
			if !gone[u] {
				now = append(now, u)
			}
		}
		c.owned[id] = assignmentOf(append(now, units(ma.Assigned)...))
	}
	c.state = res.State
	return res
}

// settle runs rounds while they revoke (the follow-up rebalances).
func (c *cluster) settle(t *testing.T) AssignResult {
	t.Helper()
	for range 10 {
		res := c.round(t)
		if !res.Revoking {
			return res
		}
	}
	t.Fatal("assignment did not settle in 10 rounds")
	return AssignResult{}
}

func mapsKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestAssign(t *testing.T) {
	type step struct {
		members map[string]string // member -> owned before the round ("" joins empty)
		tasks   map[string]int
		at      time.Duration
		want    map[string]string // member -> "+assigned / -revoked"
		delay   time.Duration
	}
	four := map[string]int{"a": 4}
	tests := []struct {
		name  string
		delay time.Duration
		state AssignorState
		steps []step
	}{
		{name: "first round spreads connectors and tasks", steps: []step{{
			members: map[string]string{"w1": "", "w2": ""},
			tasks:   map[string]int{"a": 3, "b": 1},
			want: map[string]string{
				"w1": "+c:a t:a-0,a-2 / -c: t:",
				"w2": "+c:b t:a-1,b-0 / -c: t:",
			},
		}}},
		{name: "new worker takes tasks, nothing else revoked", steps: []step{
			{
				members: map[string]string{"w1": "c:a t:a-0,a-1", "w2": "t:a-2,a-3", "w3": ""},
				tasks:   four,
				want: map[string]string{
					"w1": "+c: t: / -c: t:",
					"w2": "+c: t: / -c: t:a-3",
					"w3": "+c: t: / -c: t:",
				},
			},
			{
				members: map[string]string{"w1": "c:a t:a-0,a-1", "w2": "t:a-2", "w3": ""},
				tasks:   four,
				want: map[string]string{
					"w1": "+c: t: / -c: t:",
					"w2": "+c: t: / -c: t:",
					"w3": "+c: t:a-3 / -c: t:",
				},
			},
		}},
		{name: "stable assignment is left alone", steps: []step{{
			members: map[string]string{"w1": "c:a t:a-0,a-1", "w2": "t:a-2,a-3"},
			tasks:   four,
			want:    map[string]string{"w1": "+c: t: / -c: t:", "w2": "+c: t: / -c: t:"},
		}}},
		{name: "leave is held back within the delay, then redistributed", delay: time.Minute,
			state: AssignorState{Previous: map[string]Assignment{
				"w1": asg("c:a t:a-0,a-1"), "w2": asg("t:a-2,a-3"), "w3": asg("c:b t:b-0"),
			}},
			steps: []step{
				{
					members: map[string]string{"w1": "c:a t:a-0,a-1", "w2": "t:a-2,a-3"},
					tasks:   map[string]int{"a": 4, "b": 1},
					want:    map[string]string{"w1": "+c: t: / -c: t:", "w2": "+c: t: / -c: t:"},
					delay:   time.Minute,
				},
				{
					members: map[string]string{"w1": "c:a t:a-0,a-1", "w2": "t:a-2,a-3"},
					tasks:   map[string]int{"a": 4, "b": 1}, at: 30 * time.Second,
					want:  map[string]string{"w1": "+c: t: / -c: t:", "w2": "+c: t: / -c: t:"},
					delay: 30 * time.Second,
				},
				{
					members: map[string]string{"w1": "c:a t:a-0,a-1", "w2": "t:a-2,a-3"},
					tasks:   map[string]int{"a": 4, "b": 1}, at: time.Minute,
					want: map[string]string{"w1": "+c: t:b-0 / -c: t:", "w2": "+c:b t: / -c: t:"},
				},
			}},
		{name: "bounced worker takes its work back within the delay", delay: time.Minute,
			state: AssignorState{Previous: map[string]Assignment{"w1": asg("c:a t:a-0"), "w2": asg("t:a-1")}},
			steps: []step{
				{members: map[string]string{"w1": "c:a t:a-0"}, tasks: map[string]int{"a": 2},
					want: map[string]string{"w1": "+c: t: / -c: t:"}, delay: time.Minute},
				{members: map[string]string{"w1": "c:a t:a-0", "w2b": ""}, tasks: map[string]int{"a": 2}, at: 10 * time.Second,
					want: map[string]string{"w1": "+c: t: / -c: t:", "w2b": "+c: t: / -c: t:"}, delay: 50 * time.Second},
				{members: map[string]string{"w1": "c:a t:a-0", "w2b": ""}, tasks: map[string]int{"a": 2}, at: 61 * time.Second,
					want: map[string]string{"w1": "+c: t: / -c: t:", "w2b": "+c: t:a-1 / -c: t:"}},
			}},
		{name: "leave with zero delay moves work at once",
			state: AssignorState{Previous: map[string]Assignment{"w1": asg("c:a t:a-0"), "w2": asg("t:a-1")}},
			steps: []step{{members: map[string]string{"w1": "c:a t:a-0"}, tasks: map[string]int{"a": 2},
				want: map[string]string{"w1": "+c: t:a-1 / -c: t:"}}}},
		{name: "connector added goes to the least loaded", steps: []step{{
			members: map[string]string{"w1": "c:a t:a-0,a-1", "w2": "t:a-2"},
			tasks:   map[string]int{"a": 3, "b": 3},
			want: map[string]string{
				"w1": "+c: t:b-1 / -c: t:",
				"w2": "+c:b t:b-0,b-2 / -c: t:",
			},
		}}},
		{name: "connector removed is revoked, no other churn", steps: []step{{
			members: map[string]string{"w1": "c:a t:a-0,b-1", "w2": "c:b t:a-1,b-0"},
			tasks:   map[string]int{"a": 2},
			want: map[string]string{
				"w1": "+c: t: / -c: t:b-1",
				"w2": "+c: t: / -c:b t:b-0",
			},
		}}},
		{name: "task count shrinks", steps: []step{{
			members: map[string]string{"w1": "c:a t:a-0,a-2", "w2": "t:a-1,a-3"},
			tasks:   map[string]int{"a": 2},
			want: map[string]string{
				"w1": "+c: t: / -c: t:a-2",
				"w2": "+c: t: / -c: t:a-3",
			},
		}}},
		{name: "task count grows", steps: []step{{
			members: map[string]string{"w1": "c:a t:a-0", "w2": "t:a-1"},
			tasks:   map[string]int{"a": 5},
			want: map[string]string{
				"w1": "+c: t:a-2,a-4 / -c: t:",
				"w2": "+c: t:a-3 / -c: t:",
			},
		}}},
		{name: "uneven loads are evened by revoking the excess", steps: []step{
			{
				members: map[string]string{"w1": "c:a t:a-0,a-1,a-2,a-3,a-4", "w2": "t:a-5"},
				tasks:   map[string]int{"a": 6},
				want:    map[string]string{"w1": "+c: t: / -c: t:a-3,a-4", "w2": "+c: t: / -c: t:"},
			},
			{
				members: map[string]string{"w1": "c:a t:a-0,a-1,a-2", "w2": "t:a-5"},
				tasks:   map[string]int{"a": 6},
				want:    map[string]string{"w1": "+c: t: / -c: t:", "w2": "+c: t:a-3,a-4 / -c: t:"},
			},
		}},
		{name: "task claimed twice stays with the first member", steps: []step{{
			members: map[string]string{"w1": "c:a t:a-0", "w2": "t:a-0,a-1"},
			tasks:   map[string]int{"a": 2},
			want:    map[string]string{"w1": "+c: t: / -c: t:", "w2": "+c: t: / -c: t:a-0"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := tt.state
			for i, s := range tt.steps {
				var ms []Member
				for _, id := range mapsKeys(s.members) {
					ms = append(ms, Member{ID: id, Owned: asg(s.members[id])})
				}
				res := Assign(AssignInput{Members: ms, Tasks: s.tasks, Now: t0.Add(s.at), MaxDelay: tt.delay, State: state})
				got := map[string]string{}
				for id, ma := range res.Members {
					got[id] = "+" + ma.Assigned.String() + " / -" + ma.Revoked.String()
				}
				if !reflect.DeepEqual(got, s.want) {
					t.Errorf("step %d:\n got %v\nwant %v", i, got, s.want)
				}
				if res.Delay != s.delay {
					t.Errorf("step %d: delay %v, want %v", i, res.Delay, s.delay)
				}
				state = res.State
			}
		})
	}
}

func TestAssignOneToFiveWorkersIdempotent(t *testing.T) {
	for n := 1; n <= 5; n++ {
		t.Run(fmt.Sprint(n, " workers"), func(t *testing.T) {
			c := &cluster{owned: map[string]Assignment{}, tasks: map[string]int{"a": 4, "b": 3, "c": 1}, now: t0}
			for i := range n {
				c.owned[fmt.Sprint("w", i)] = Assignment{}
			}
			c.settle(t)
			checkSettled(t, c)
			before := clone(c.owned)
			for range 3 {
				res := c.round(t)
				for id, ma := range res.Members {
					if !ma.Assigned.Empty() || !ma.Revoked.Empty() {
						t.Fatalf("repeated round churned %s: %+v", id, ma)
					}
				}
			}
			if !reflect.DeepEqual(before, c.owned) {
				t.Fatalf("repeated rounds changed the assignment")
			}
		})
	}
}

func clone(m map[string]Assignment) map[string]Assignment {
	out := map[string]Assignment{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// checkSettled: every unit owned exactly once, loads within one.
func checkSettled(t *testing.T, c *cluster) {
	t.Helper()
	seen := map[unit]string{}
	minC, maxC, minT, maxT := 1<<30, -1, 1<<30, -1
	for id, a := range c.owned {
		minC, maxC = min(minC, len(a.Connectors)), max(maxC, len(a.Connectors))
		minT, maxT = min(minT, len(a.Tasks)), max(maxT, len(a.Tasks))
		for _, u := range units(a) {
			if other, dup := seen[u]; dup {
				t.Fatalf("%v owned by %s and %s", u, other, id)
			}
			seen[u] = id
		}
	}
	for conn, n := range c.tasks {
		for i := -1; i < n; i++ {
			if _, ok := seen[unit{conn, i}]; !ok && len(c.owned) > 0 {
				t.Fatalf("%v unassigned; owned %v", unit{conn, i}, c.owned)
			}
		}
	}
	if len(seen) != countUnits(c.tasks) && len(c.owned) > 0 {
		t.Fatalf("owned %d units, want %d: %v", len(seen), countUnits(c.tasks), c.owned)
	}
	if len(c.owned) > 0 && (maxC-minC > 1 || maxT-minT > 1) {
		t.Fatalf("unbalanced: connectors %d..%d tasks %d..%d: %v", minC, maxC, minT, maxT, c.owned)
	}
}

func countUnits(tasks map[string]int) int {
	n := 0
	for _, k := range tasks {
		n += 1 + k
	}
	return n
}
