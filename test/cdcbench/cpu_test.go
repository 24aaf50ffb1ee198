package cdcbench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's CPU times
// (100 on every architecture Go's linux ports run on).
const clockTicks = 100

// procCPU is the user+system CPU time process pid has used so far; false
// when it is gone.
func procCPU(pid int) (time.Duration, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(data)
	// Fields after the ")" closing the command name: state is field 3,
	// utime field 14 and stime field 15 of the whole line.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * time.Second / clockTicks, true
}

// cpuWatch adds up the CPU time groups of processes use while it runs.
// Each group's processes are found by a func, polled every 500 ms for
// processes that start during the measurement (a scan of /proc costs the
// measuring process, counted as the worker, milliseconds), and sampled
// every 10 ms, so one that exits loses at most its last 10 ms. A process
// seen at start counts from then; one found later counts from its birth.
type cpuWatch struct {
	mu     sync.Mutex
	groups []*cpuGroup
	stop   chan struct{}
	done   chan struct{}
}

type cpuGroup struct {
	name string
	find func() []int
	base map[int]time.Duration // CPU when first seen (0 for processes born later)
	last map[int]time.Duration
}

// watchCPU starts measuring; groups alternates names and finders.
func watchCPU(groups ...any) *cpuWatch {
	w := &cpuWatch{stop: make(chan struct{}), done: make(chan struct{})}
	for i := 0; i+1 < len(groups); i += 2 {
		g := &cpuGroup{name: groups[i].(string), find: groups[i+1].(func() []int), base: map[int]time.Duration{}, last: map[int]time.Duration{}}
		for _, pid := range g.find() {
			if c, ok := procCPU(pid); ok {
				g.base[pid], g.last[pid] = c, c
			}
		}
		w.groups = append(w.groups, g)
	}
	go w.run()
	return w
}

func (w *cpuWatch) run() {
	defer close(w.done)
	sample := time.NewTicker(10 * time.Millisecond)
	defer sample.Stop()
	for n := 0; ; n++ {
		select {
		case <-w.stop:
			w.sample(true)
			return
		case <-sample.C:
		}
		w.sample(n%50 == 0)
	}
}

func (w *cpuWatch) sample(find bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, g := range w.groups {
		if find {
			for _, pid := range g.find() {
				if _, ok := g.last[pid]; !ok {
					g.base[pid], g.last[pid] = 0, 0
				}
			}
		}
		for pid := range g.last {
			if c, ok := procCPU(pid); ok {
				g.last[pid] = max(g.last[pid], c)
			}
		}
	}
}

// end stops the watch and returns each group's CPU time, in the order
// given.
func (w *cpuWatch) end() []groupCPU {
	close(w.stop)
	<-w.done
	var out []groupCPU
	for _, g := range w.groups {
		var sum time.Duration
		for pid, c := range g.last {
			sum += c - g.base[pid]
		}
		out = append(out, groupCPU{g.name, sum})
	}
	return out
}

type groupCPU struct {
	name string
	cpu  time.Duration
}

// perEvent renders the groups' CPU time per event and in total, e.g.
// "CPU per event: walsender 9.8 µs, plugin 6.9 µs, ... = 24.1 µs".
func perEvent(cpu []groupCPU, events int64) string {
	var parts []string
	var total time.Duration
	for _, g := range cpu {
		total += g.cpu
		parts = append(parts, fmt.Sprintf("%s %.1f µs", g.name, us(g.cpu, events)))
	}
	return fmt.Sprintf("CPU per event: %s = %.1f µs", strings.Join(parts, ", "), us(total, events))
}

func us(d time.Duration, events int64) float64 {
	return float64(d) / float64(time.Microsecond) / float64(events)
}

// pids is a finder for one known process.
func pids(pid int) func() []int { return func() []int { return []int{pid} } }
