package cluster

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestAssignProperties runs random sequences of joins, leaves, connector
// changes and clock steps and checks after every round that no unit is
// owned twice and that balance revocations never take a member below its
// share; and after the delay expired and rounds settled, that every unit is
// owned exactly once, loads differ by at most one, and a repeated round
// changes nothing.
func TestAssignProperties(t *testing.T) {
	for seed := range uint64(300) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			c := &cluster{owned: map[string]Assignment{}, tasks: map[string]int{}, now: t0, delay: time.Duration(rng.IntN(3)) * time.Minute}
			next := 0
			for step := range 30 {
				switch op := rng.IntN(6); {
				case op == 0 || len(c.owned) == 0:
					c.owned[fmt.Sprint("w", next)] = Assignment{}
					next++
				case op == 1 && len(c.owned) > 1:
					ids := mapsKeys(c.owned)
					delete(c.owned, ids[rng.IntN(len(ids))])
				case op == 2:
					c.tasks[fmt.Sprint("c", rng.IntN(6))] = rng.IntN(6)
				case op == 3 && len(c.tasks) > 0:
					delete(c.tasks, mapsKeys(c.tasks)[rng.IntN(len(c.tasks))])
				case op == 4:
					c.now = c.now.Add(time.Duration(rng.IntN(90)) * time.Second)
				}
				for range 10 {
					res := checkedRound(t, c)
					if !res.Revoking {
						break
					}
				}
				if rng.IntN(4) == 0 || step == 29 {
					c.now = c.now.Add(c.delay + time.Second)
					for range 10 {
						if res := checkedRound(t, c); !res.Revoking {
							break
						}
					}
					checkSettled(t, c)
					res := checkedRound(t, c)
					for id, ma := range res.Members {
						if !ma.Assigned.Empty() || !ma.Revoked.Empty() || res.Delay != 0 {
							t.Fatalf("step %d: settled round churned %s: %+v (delay %v)", step, id, ma, res.Delay)
						}
					}
				}
			}
		})
	}
}

func checkedRound(t *testing.T, c *cluster) AssignResult {
	t.Helper()
	before := clone(c.owned)
	res := c.round(t)
	claimed := map[unit]bool{}
	for _, a := range before {
		for _, u := range units(a) {
			claimed[u] = true
		}
	}
	n := len(before)
	for id, ma := range res.Members {
		for _, conns := range []bool{true, false} {
			kept, revoked, total := 0, 0, 0
			for _, u := range units(before[id]) {
				if u.isConnector() == conns {
					kept++
				}
			}
			for _, u := range units(ma.Revoked) {
				if u.isConnector() != conns || c.tasks[u.connector] <= u.task {
					continue
				}
				if _, ok := c.tasks[u.connector]; !ok {
					continue
				}
				revoked++
			}
			for conn, k := range c.tasks {
				if conns {
					total++
				} else {
					total += k
				}
				_ = conn
			}
			if revoked > 0 && (kept-revoked < total/n || res.Delay > 0) {
				t.Fatalf("%s: revoked %d of %d (connectors=%v) with %d units over %d members (delay %v)", id, revoked, kept, conns, total, n, res.Delay)
			}
		}
		for _, u := range units(ma.Assigned) {
			if claimed[u] {
				t.Fatalf("%v assigned to %s while still owned: %v", u, id, before)
			}
		}
	}
	seen := map[unit]string{}
	for id, a := range c.owned {
		for _, u := range units(a) {
			if other, dup := seen[u]; dup {
				t.Fatalf("%v owned by %s and %s", u, other, id)
			}
			seen[u] = id
		}
	}
	return res
}
