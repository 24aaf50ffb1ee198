package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/plugins/sdk"
)

// Subprocess serves connectors from plugin processes (plugins/host): a
// process per task, so a crash takes one task down, and a short-lived
// process for a connector's Spec, Validate and TaskConfigs. A task whose
// process died fails; its restart launches a new process.
type Subprocess struct {
	plugins []host.Plugin
	logger  *slog.Logger
}

var _ Plugins = (*Subprocess)(nil)

// NewSubprocess serves the plugins host.Discover found.
func NewSubprocess(plugins []host.Plugin, logger *slog.Logger) *Subprocess {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Subprocess{plugins: plugins, logger: logger}
}

func (s *Subprocess) find(class string) (host.Plugin, error) {
	for _, p := range s.plugins {
		if p.Name == class || slices.Contains(p.Aliases, class) {
			return p, nil
		}
	}
	var names []string
	for _, p := range s.plugins {
		names = append(names, p.Name)
	}
	return host.Plugin{}, fmt.Errorf("no connector plugin named %q (found: %v)", class, names)
}

func (s *Subprocess) launch(ctx context.Context, class, name string, kind sdk.Kind) (*host.Process, error) {
	p, err := s.find(class)
	if err != nil {
		return nil, err
	}
	if kind != 0 && p.Kind != kind {
		return nil, fmt.Errorf("connector %q is a %s connector, not a %s connector", class, p.Kind, kind)
	}
	proc, err := host.Launch(ctx, p, name, s.logger)
	if err != nil {
		return nil, fmt.Errorf("launch plugin %s: %w", p.Name, err)
	}
	return proc, nil
}

// remoteConnector adapts host.RemoteConnector (whose calls can fail at the
// process boundary) to sdk.Connector; the spec is fetched once.
type remoteConnector struct {
	rc   host.RemoteConnector
	spec sdk.Spec
	proc *host.Process
}

func (c *remoteConnector) Spec() sdk.Spec { return c.spec }

func (c *remoteConnector) Validate(ctx context.Context, cfg map[string]string) map[string][]string {
	m, err := c.rc.Validate(ctx, cfg)
	if err != nil {
		return map[string][]string{ConnectorClassConfig: {fmt.Sprintf("the plugin could not validate: %v", err)}}
	}
	return m
}

func (c *remoteConnector) TaskConfigs(ctx context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	return c.rc.TaskConfigs(ctx, cfg, maxTasks)
}

func (c *remoteConnector) Close(ctx context.Context) error { return c.proc.Stop(ctx) }

// Connector launches a process for class and asks it for its spec.
func (s *Subprocess) Connector(ctx context.Context, class string) (ConnectorHandle, error) {
	proc, err := s.launch(ctx, class, class, 0)
	if err != nil {
		return nil, err
	}
	rc := proc.Connector()
	spec, err := rc.Spec(ctx)
	if err != nil {
		proc.Stop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("spec of %s: %w", class, err)
	}
	return &remoteConnector{rc: rc, spec: spec, proc: proc}, nil
}

// SourceTask launches a process for one source task.
func (s *Subprocess) SourceTask(ctx context.Context, class string, id TaskID) (TaskHandle[sdk.SourceTask], error) {
	proc, err := s.launch(ctx, class, host.TaskName(id.Connector, id.Task), sdk.Source)
	if err != nil {
		return TaskHandle[sdk.SourceTask]{}, err
	}
	return TaskHandle[sdk.SourceTask]{Task: proc.SourceTask(), Exited: proc.Exited(), Release: proc.Stop}, nil
}

// SinkTask launches a process for one sink task.
func (s *Subprocess) SinkTask(ctx context.Context, class string, id TaskID) (TaskHandle[sdk.SinkTask], error) {
	proc, err := s.launch(ctx, class, host.TaskName(id.Connector, id.Task), sdk.Sink)
	if err != nil {
		return TaskHandle[sdk.SinkTask]{}, err
	}
	return TaskHandle[sdk.SinkTask]{Task: proc.SinkTask(), Exited: proc.Exited(), Release: proc.Stop}, nil
}
