package meta

import (
	"slices"
	"sync"
	"sync/atomic"
)

// EventKind says what changed.
type EventKind int

// Event kinds.
const (
	TopicCreated EventKind = iota + 1
	TopicDeleted
	PartitionsCreated
	TopicConfigsChanged
	BrokerConfigsChanged
)

func (k EventKind) String() string {
	switch k {
	case TopicCreated:
		return "TopicCreated"
	case TopicDeleted:
		return "TopicDeleted"
	case PartitionsCreated:
		return "PartitionsCreated"
	case TopicConfigsChanged:
		return "TopicConfigsChanged"
	case BrokerConfigsChanged:
		return "BrokerConfigsChanged"
	}
	return "EventKind(?)"
}

// Event is one applied change. Topic is the topic after the change (before
// it, for TopicDeleted) and is a copy the receiver may keep. BrokerConfigs is
// set for BrokerConfigsChanged: all dynamic broker configs after the change.
type Event struct {
	Kind          EventKind
	Topic         Topic
	BrokerConfigs map[string]string
}

// eventQueueLen bounds the events waiting for the dispatcher. When it is
// full, applying further changes waits: a slow watcher slows metadata
// changes, never memory.
const eventQueueLen = 256

// publisher delivers events to watchers on its own goroutine (run), in the
// order they were published.
type publisher struct {
	// mu orders publication: it is held from a state change until its
	// events are queued, and while Watch copies the state and queues its
	// registration, so a watcher sees every change exactly once.
	mu struct {
		sync.Mutex
		closed bool
	}
	queue chan pubItem
	done  chan struct{}

	wmu      sync.Mutex // guards watchers; taken only briefly
	watchers []*watcher
}

type pubItem struct {
	events []Event
	reg    *watcher // registration: deliver events to reg only, then add it
}

type watcher struct {
	fn        func(Event)
	cancelled atomic.Bool
}

func newPublisher() *publisher {
	p := &publisher{queue: make(chan pubItem, eventQueueLen), done: make(chan struct{})}
	go p.run()
	return p
}

// publishLocked queues events; p.mu must be held.
func (p *publisher) publishLocked(evs []Event) {
	if len(evs) == 0 || p.mu.closed {
		return
	}
	p.queue <- pubItem{events: evs}
}

// registerLocked queues a registration with its initial events; p.mu must
// be held.
func (p *publisher) registerLocked(fn func(Event), initial []Event) (cancel func()) {
	w := &watcher{fn: fn}
	if !p.mu.closed {
		p.queue <- pubItem{events: initial, reg: w}
	}
	return func() {
		w.cancelled.Store(true)
		p.wmu.Lock()
		defer p.wmu.Unlock()
		p.watchers = slices.DeleteFunc(p.watchers, func(x *watcher) bool { return x == w })
	}
}

func (p *publisher) run() {
	defer close(p.done)
	for it := range p.queue {
		if it.reg != nil {
			for _, e := range it.events {
				if !it.reg.cancelled.Load() {
					it.reg.fn(e)
				}
			}
			p.wmu.Lock()
			if !it.reg.cancelled.Load() {
				p.watchers = append(p.watchers, it.reg)
			}
			p.wmu.Unlock()
			continue
		}
		p.wmu.Lock()
		ws := slices.Clone(p.watchers)
		p.wmu.Unlock()
		for _, e := range it.events {
			for _, w := range ws {
				if !w.cancelled.Load() {
					w.fn(e)
				}
			}
		}
	}
}

// close stops the dispatcher after it delivered what is queued. No change
// may be published afterwards.
func (p *publisher) close() {
	p.mu.Lock()
	if !p.mu.closed {
		p.mu.closed = true
		close(p.queue)
	}
	p.mu.Unlock()
	<-p.done
}

// Watch registers fn, called on one goroutine, outside any lock, in log
// order, after each applied change. On registration fn first receives the
// current topics as TopicCreated events (in name order). fn must not call
// Watch, Close or a mutating Store method synchronously (it would wait on
// its own goroutine). After cancel returns, fn is not called again, except
// for a call already under way.
func (s *Store) Watch(fn func(Event)) (cancel func()) {
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	s.mu.RLock()
	var initial []Event
	for _, t := range s.mu.st.sortedTopics() {
		initial = append(initial, Event{Kind: TopicCreated, Topic: t})
	}
	s.mu.RUnlock()
	return s.pub.registerLocked(fn, initial)
}
