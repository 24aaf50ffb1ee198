package runtime

import (
	"context"
	"fmt"
	"slices"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// TaskID names one task of a connector.
type TaskID struct {
	Connector string
	Task      int
}

func (id TaskID) String() string { return fmt.Sprintf("%s-%d", id.Connector, id.Task) }

// ConnectorHandle is a connector the worker asks for its spec, validation
// and task configs; Close releases it (ends its plugin process).
type ConnectorHandle interface {
	sdk.Connector
	Close(ctx context.Context) error
}

// TaskHandle is one running task instance.
type TaskHandle[T any] struct {
	Task T
	// Exited is closed when the instance died on its own (its plugin
	// process exited); nil for in-process tasks.
	Exited <-chan struct{}
	// Release ends the instance after Stop: it stops the plugin process,
	// killing it at ctx's deadline. Never nil.
	Release func(ctx context.Context) error
}

// Plugins gives the worker connectors and fresh task instances. The source
// and sink loops are the same whichever implementation provides them:
// InProcess (sdk connectors linked into the binary: tests, benchmarks) or
// Subprocess (plugin processes launched through plugins/host, one per task).
type Plugins interface {
	// Connector resolves class (a plugin name or alias).
	Connector(ctx context.Context, class string) (ConnectorHandle, error)
	// SourceTask starts a new instance of a source task of class.
	SourceTask(ctx context.Context, class string, id TaskID) (TaskHandle[sdk.SourceTask], error)
	// SinkTask starts a new instance of a sink task of class.
	SinkTask(ctx context.Context, class string, id TaskID) (TaskHandle[sdk.SinkTask], error)
}

// InProcess serves connectors linked into this binary.
type InProcess struct {
	byName map[string]sdk.Connector // names and aliases
}

var _ Plugins = (*InProcess)(nil)

// NewInProcess serves connectors by their Spec name and aliases. Each must
// be an sdk.SourceConnector or sdk.SinkConnector matching its Spec.Kind.
func NewInProcess(connectors ...sdk.Connector) *InProcess {
	p := &InProcess{byName: map[string]sdk.Connector{}}
	for _, c := range connectors {
		spec := c.Spec()
		for _, n := range append([]string{spec.Name}, spec.Aliases...) {
			p.byName[n] = c
		}
	}
	return p
}

func (p *InProcess) lookup(class string) (sdk.Connector, error) {
	c, ok := p.byName[class]
	if !ok {
		return nil, fmt.Errorf("no connector plugin named %q (known: %v)", class, p.names())
	}
	return c, nil
}

func (p *InProcess) names() []string {
	var out []string
	for n := range p.byName {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

type inProcessConnector struct{ sdk.Connector }

func (inProcessConnector) Close(context.Context) error { return nil }

func (p *InProcess) Connector(_ context.Context, class string) (ConnectorHandle, error) {
	c, err := p.lookup(class)
	if err != nil {
		return nil, err
	}
	return inProcessConnector{c}, nil
}

func noRelease(context.Context) error { return nil }

func (p *InProcess) SourceTask(_ context.Context, class string, _ TaskID) (TaskHandle[sdk.SourceTask], error) {
	c, err := p.lookup(class)
	if err != nil {
		return TaskHandle[sdk.SourceTask]{}, err
	}
	sc, ok := c.(sdk.SourceConnector)
	if !ok {
		return TaskHandle[sdk.SourceTask]{}, fmt.Errorf("connector %q is not a source connector", class)
	}
	return TaskHandle[sdk.SourceTask]{Task: sc.NewTask(), Release: noRelease}, nil
}

func (p *InProcess) SinkTask(_ context.Context, class string, _ TaskID) (TaskHandle[sdk.SinkTask], error) {
	c, err := p.lookup(class)
	if err != nil {
		return TaskHandle[sdk.SinkTask]{}, err
	}
	sc, ok := c.(sdk.SinkConnector)
	if !ok {
		return TaskHandle[sdk.SinkTask]{}, fmt.Errorf("connector %q is not a sink connector", class)
	}
	return TaskHandle[sdk.SinkTask]{Task: sc.NewTask(), Release: noRelease}, nil
}
