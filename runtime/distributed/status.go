package distributed

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/cluster"
)

// statusWriter writes statuses to the status topic off the task and tick
// goroutines. Pending statuses are coalesced per key (the latest wins), so
// the queue is bounded by the number of connectors and tasks; mu guards it.
type statusWriter struct {
	h      *Herder
	gen    atomic.Int32 // generation stamped on task statuses
	signal chan struct{}
	mu     struct {
		sync.Mutex
		pending map[cluster.TaskID]cluster.Status // Task -1: the connector
		order   []cluster.TaskID
	}
}

func newStatusWriter(h *Herder) *statusWriter {
	w := &statusWriter{h: h, signal: make(chan struct{}, 1)}
	w.mu.pending = map[cluster.TaskID]cluster.Status{}
	return w
}

// taskChanged is the runtime's OnTaskStatus hook.
func (w *statusWriter) taskChanged(ts runtime.TaskStatus) {
	st := cluster.StateRunning
	switch ts.State {
	case runtime.Failed:
		st = cluster.StateFailed
	case runtime.Unassigned:
		st = cluster.StateUnassigned
	}
	w.put(cluster.TaskID{Connector: ts.ID.Connector, Task: ts.ID.Task}, st, ts.Trace)
}

func (w *statusWriter) put(id cluster.TaskID, st cluster.State, trace string) {
	w.mu.Lock()
	if _, ok := w.mu.pending[id]; !ok {
		w.mu.order = append(w.mu.order, id)
	}
	w.mu.pending[id] = cluster.Status{State: st, Trace: trace, WorkerID: w.h.cfg.WorkerID, Generation: w.gen.Load()}
	w.mu.Unlock()
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

func (w *statusWriter) take() (map[cluster.TaskID]cluster.Status, []cluster.TaskID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, o := w.mu.pending, w.mu.order
	w.mu.pending, w.mu.order = map[cluster.TaskID]cluster.Status{}, nil
	return p, o
}

func (w *statusWriter) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.signal:
		}
		w.writeOnce(ctx)
	}
}

func (w *statusWriter) writeOnce(ctx context.Context) {
	p, order := w.take()
	for _, id := range order {
		st := p[id]
		var err error
		if id.Task < 0 {
			_, err = w.h.status.PutConnector(ctx, id.Connector, st)
		} else {
			_, err = w.h.status.PutTask(ctx, id, st)
		}
		if err != nil && ctx.Err() == nil {
			w.h.logger.Warn("status write failed", "id", id.String(), "err", err)
		}
	}
}

// flush writes what is pending now (at shutdown, after the writer stopped).
func (w *statusWriter) flush(ctx context.Context) {
	w.writeOnce(ctx)
}
