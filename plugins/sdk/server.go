package sdk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

// server is the plugin side's state: the connectors it serves and the tasks
// the host opened. The task table is guarded by mu; each task's own calls are
// serialised by the host (Read from one goroutine, Write/Flush from one).
type server struct {
	logger     *slog.Logger
	connectors map[string]Connector // by name and alias
	names      []string             // names in the order given to Serve

	mu struct {
		sync.Mutex
		tasks   map[string]*task // by TaskRef.task
		stopped bool
	}
}

// task is one open task. cancel stops its running Read loop.
type task struct {
	connector string
	id        string
	source    SourceTask
	sink      SinkTask

	mu struct {
		sync.Mutex
		reading bool               // a Read stream runs
		writing bool               // a Write stream runs
		cancel  context.CancelFunc // of the running Read/Write stream
	}
}

func newServer(connectors []Connector, logger *slog.Logger) *server {
	s := &server{logger: logger, connectors: make(map[string]Connector)}
	s.mu.tasks = make(map[string]*task)
	for _, c := range connectors {
		spec := c.Spec()
		s.names = append(s.names, spec.Name)
		for _, n := range append([]string{spec.Name}, spec.Aliases...) {
			if _, dup := s.connectors[n]; dup {
				panic(fmt.Sprintf("sdk: Serve: connector name %q given twice", n))
			}
			s.connectors[n] = c
		}
	}
	return s
}

func (s *server) connector(name string) (Connector, error) {
	if name == "" && len(s.names) == 1 {
		return s.connectors[s.names[0]], nil
	}
	c, ok := s.connectors[name]
	if !ok {
		names := append([]string(nil), s.names...)
		sort.Strings(names)
		return nil, status.Errorf(codes.NotFound, "this plugin serves no connector %q (it serves %v)", name, names)
	}
	return c, nil
}

// ctx is the context a connector or task call runs under: it carries the
// logger for Logger(ctx). The host adds the connector and task fields (it
// knows the names the user gave), so the plugin adds none. The connector and
// task parameters are kept for the day a process serves several tasks and
// must tell them apart in its own lines.
func (s *server) ctx(parent context.Context, _, _ string) context.Context {
	return context.WithValue(parent, loggerKey{}, s.logger)
}

// newTask registers a task for ref, replacing none: configuring a task id
// twice is a host bug.
func (s *server) newTask(ref *pb.TaskRef, kind Kind) (*task, error) {
	c, err := s.connector(ref.GetConnector())
	if err != nil {
		return nil, err
	}
	t := &task{connector: c.Spec().Name, id: ref.GetTask()}
	switch kind {
	case Source:
		sc, ok := c.(SourceConnector)
		if !ok {
			return nil, status.Errorf(codes.FailedPrecondition, "connector %q is not a source connector", t.connector)
		}
		t.source = sc.NewTask()
	case Sink:
		sc, ok := c.(SinkConnector)
		if !ok {
			return nil, status.Errorf(codes.FailedPrecondition, "connector %q is not a sink connector", t.connector)
		}
		t.sink = sc.NewTask()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.stopped {
		return nil, status.Error(codes.Unavailable, "plugin is shutting down")
	}
	if _, dup := s.mu.tasks[t.id]; dup {
		return nil, status.Errorf(codes.AlreadyExists, "task %q is already configured", t.id)
	}
	s.mu.tasks[t.id] = t
	return t, nil
}

func (s *server) task(ref *pb.TaskRef, kind Kind) (*task, error) {
	s.mu.Lock()
	t, ok := s.mu.tasks[ref.GetTask()]
	s.mu.Unlock()
	if !ok || (kind == Source && t.source == nil) || (kind == Sink && t.sink == nil) {
		return nil, status.Errorf(codes.NotFound, "no %s task %q: Configure it first", kind, ref.GetTask())
	}
	return t, nil
}

// removeTask forgets the task and ends its running stream.
func (s *server) removeTask(t *task) {
	s.mu.Lock()
	delete(s.mu.tasks, t.id)
	s.mu.Unlock()
	t.mu.Lock()
	if t.mu.cancel != nil {
		t.mu.cancel()
	}
	t.mu.Unlock()
}

// stopAll stops the tasks still open when the process shuts down.
func (s *server) stopAll(ctx context.Context) {
	s.mu.Lock()
	s.mu.stopped = true
	tasks := make([]*task, 0, len(s.mu.tasks))
	for _, t := range s.mu.tasks {
		tasks = append(tasks, t)
	}
	s.mu.Unlock()
	for _, t := range tasks {
		s.removeTask(t)
		var err error
		if t.source != nil {
			err = t.source.Stop(s.ctx(ctx, t.connector, t.id))
		} else {
			err = t.sink.Stop(s.ctx(ctx, t.connector, t.id))
		}
		if err != nil {
			s.logger.Error("stop task at shutdown", "connector", t.connector, "task", t.id, "error", err)
		}
	}
}

// statusError turns a connector's error into a gRPC status whose code keeps
// the ErrRetriable/ErrFatal class.
func statusError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, ErrFatal):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, ErrRetriable):
		return status.Error(codes.Aborted, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	return status.Error(codes.Unknown, err.Error())
}

// errorMessage is statusError for errors carried inside stream messages.
func errorMessage(err error) *pb.Error {
	if err == nil {
		return nil
	}
	e := &pb.Error{Message: err.Error()}
	switch {
	case errors.Is(err, ErrFatal):
		e.Class = pb.Error_CLASS_FATAL
	case errors.Is(err, ErrRetriable):
		e.Class = pb.Error_CLASS_RETRIABLE
	}
	return e
}
