package runtime

import (
	"context"
	"sync"
	"testing"
	"time"
)

// OnActiveTopic names the task that used the topic (KIP-558 records carry
// it), once per task and topic at least.
func TestActiveTopicHookNamesTheTask(t *testing.T) {
	addr := startBroker(t)
	wc, _, err := ParseWorkerConfig(workerProps(t, addr))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[TaskID]string{}
	got := make(chan struct{}, 8)
	src := newCountingSource()
	w, err := NewWorker(Options{Config: wc, Plugins: NewInProcess(src), Logger: testLogger(t), ProgressInterval: -1,
		OnActiveTopic: func(task TaskID, topic string) {
			mu.Lock()
			seen[task] = topic
			mu.Unlock()
			select { // the hook must not block
			case got <- struct{}{}:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := w.ValidateConnector(context.Background(), map[string]string{
		"name": "src", "connector.class": "counting-source", "count": "10", "source.topics": "active", "tasks.max": "2"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, []*ConnectorConfig{cc}) }()
	defer func() { cancel(); <-done }()
	timeout := time.After(waitTimeout)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == 2 {
			break
		}
		select {
		case <-got:
		case <-timeout:
			t.Fatalf("active topics reported %v, want both tasks", seen)
		}
	}
	for _, id := range []TaskID{{Connector: "src", Task: 0}, {Connector: "src", Task: 1}} {
		if seen[id] != "active" {
			t.Errorf("task %v: topic %q", id, seen[id])
		}
	}
}
