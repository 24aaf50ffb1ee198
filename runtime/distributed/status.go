package distributed

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

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
		// topics are active topics (KIP-558) to record, once each.
		topics map[topicKey]cluster.TopicUse
	}
}

func newStatusWriter(h *Herder) *statusWriter {
	w := &statusWriter{h: h, signal: make(chan struct{}, 1)}
	w.mu.pending = map[cluster.TaskID]cluster.Status{}
	return w
}

type topicKey struct{ connector, topic string }

// activeTopic is the runtime's OnActiveTopic hook: a connector's task used
// a topic. It is recorded in the status topic unless already there.
func (w *statusWriter) activeTopic(task runtime.TaskID, topic string) {
	connector := task.Connector
	if w.h.status != nil {
		if _, known := w.h.status.Topics(connector)[topic]; known {
			return
		}
	}
	w.mu.Lock()
	if w.mu.topics == nil {
		w.mu.topics = map[topicKey]cluster.TopicUse{}
	}
	w.mu.topics[topicKey{connector, topic}] = cluster.TopicUse{Topic: topic, Connector: connector, Task: task.Task, Discovered: time.Now()}
	w.mu.Unlock()
	select {
	case w.signal <- struct{}{}:
	default:
	}
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

func (w *statusWriter) take() (map[cluster.TaskID]cluster.Status, []cluster.TaskID, map[topicKey]cluster.TopicUse) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, o, t := w.mu.pending, w.mu.order, w.mu.topics
	w.mu.pending, w.mu.order, w.mu.topics = map[cluster.TaskID]cluster.Status{}, nil, nil
	return p, o, t
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
	p, order, topics := w.take()
	for _, u := range topics {
		if _, known := w.h.status.Topics(u.Connector)[u.Topic]; known {
			continue
		}
		if err := w.h.status.PutTopic(ctx, u); err != nil && ctx.Err() == nil {
			w.h.logger.Warn("active topic write failed", "connector", u.Connector, "topic", u.Topic, "err", err)
		}
	}
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
