package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

// maxMessage bounds one gRPC message (one record batch) in either direction.
const maxMessage = 64 << 20

// dialOptions are the host's gRPC options for a plugin connection: the
// message bound, and pb.Codec, which copies received record batches once
// instead of twice (plain protobuf on the wire: any plugin speaks it).
// Windows and socket buffers are sized for record batches (pb.WindowSize).
func dialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage),
			grpc.ForceCodecV2(pb.Codec{})),
		grpc.WithInitialWindowSize(pb.WindowSize),
		grpc.WithInitialConnWindowSize(pb.WindowSize),
		grpc.WithReadBufferSize(pb.SocketBufferSize),
		grpc.WithWriteBufferSize(pb.SocketBufferSize),
	}
}

// defaultStartTimeout bounds the handshake when ctx has no deadline.
const defaultStartTimeout = time.Minute

// exitGrace bounds how long a failed call waits for the process's death to be
// observed, so its error can say the process exited rather than "unavailable".
const exitGrace = time.Second

// Process is one running plugin process. Its methods are safe for concurrent use.
type Process struct {
	plugin Plugin
	name   string
	logger *slog.Logger
	client *plugin.Client
	runner *procRunner
	rpc    *rpcClients

	// life is cancelled when the process exits or Stop begins; streams run
	// under it so none outlives the process.
	life     context.Context
	cancel   context.CancelFunc
	taskSeq  atomic.Int64
	hung     atomic.Bool // killed because it stopped answering health checks
	stopOnce sync.Once
	stopErr  error
}

// Launch starts a plugin process (go-plugin handshake, versioned plugin sets) and connects over gRPC.
//
// name is the instance the process runs for: a connector name, or
// TaskName(connector, task) for a task; the plugin's log lines get the
// fields connector (and task). ctx bounds the start only.
func Launch(ctx context.Context, p Plugin, name string, logger *slog.Logger) (*Process, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	connector, task := splitName(name)
	logger = logger.With("connector", connector)
	if task != "" {
		logger = logger.With("task", task)
	}
	start := defaultStartTimeout
	if d, ok := ctx.Deadline(); ok {
		start = time.Until(d)
	}
	r := newProcRunner(p.Path, p.Args)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  pb.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{pb.ProtocolVersion: {pb.PluginName: &grpcPlugin{}}},
		RunnerFunc:       r.make,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           newHCLogger(logger, p.Name),
		StartTimeout:     start,
		// What the plugin writes to os.Stdout/os.Stderr after the handshake
		// (go-plugin forwards it over gRPC); its log lines arrive apart.
		SyncStdout:      &lineLogger{l: logger, stream: "stdout"},
		SyncStderr:      &lineLogger{l: logger, stream: "stderr"},
		GRPCDialOptions: dialOptions(),
	})
	proc := &Process{plugin: p, name: name, logger: logger, client: client, runner: r}

	type started struct {
		rpc *rpcClients
		err error
	}
	done := make(chan started, 1)
	go func() {
		c, err := client.Client()
		if err != nil {
			done <- started{err: err}
			return
		}
		raw, err := c.Dispense(pb.PluginName)
		if err != nil {
			done <- started{err: err}
			return
		}
		done <- started{rpc: raw.(*rpcClients)}
	}()
	var res started
	select {
	case res = <-done:
	case <-ctx.Done():
		_ = r.Kill(context.Background()) // Start then fails promptly
		<-done
		client.Kill()
		return nil, fmt.Errorf("launch plugin %s (%s): no handshake before the start deadline%s: %w",
			p.Name, p.Path, tailLines(r.tail.Lines()), ctx.Err())
	}
	if res.err != nil {
		client.Kill()
		return nil, proc.launchError(res.err)
	}
	proc.rpc = res.rpc
	proc.life, proc.cancel = context.WithCancel(context.Background())
	go func() {
		<-r.exited
		proc.cancel()
	}()
	go proc.checkHealth()
	return proc, nil
}

var pluginVersionRE = regexp.MustCompile(`Plugin version: (\d+)`)

// launchError names what went wrong in go-plugin's start.
func (p *Process) launchError(err error) error {
	what := fmt.Sprintf("launch plugin %s (%s)", p.plugin.Name, p.plugin.Path)
	msg := err.Error()
	switch {
	case strings.Contains(msg, "incompatible API version"):
		theirs := "another version"
		if m := pluginVersionRE.FindStringSubmatch(msg); m != nil {
			theirs = "version " + m[1]
		}
		return fmt.Errorf("%s: the plugin speaks Sluice plugin protocol %s; this host speaks version %d: rebuild the plugin against a matching plugins/sdk: %w",
			what, theirs, pb.ProtocolVersion, ErrProtocolVersion)
	case strings.Contains(msg, "Failed to read any lines from plugin's stdout"),
		strings.Contains(msg, "exited before we could connect"):
		// stdout closed without a handshake: the process is dying or dead.
		if p.awaitExit() == nil {
			return fmt.Errorf("%s: the plugin closed stdout without a handshake%s", what, tailLines(p.runner.tail.Lines()))
		}
		return fmt.Errorf("%s: the process exited during the handshake (%s)%s: %w",
			what, p.runner.exitStatus(), tailLines(p.runner.tail.Lines()), ErrExited)
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		line, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		return fmt.Errorf("%s: the plugin wrote %q to stdout instead of the go-plugin handshake (is it a Sluice plugin? plugins must log to stderr)%s",
			what, line, tailLines(p.runner.tail.Lines()))
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("%s: no handshake before the start deadline%s", what, tailLines(p.runner.tail.Lines()))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Plugin returns what the process was launched from.
func (p *Process) Plugin() Plugin { return p.plugin }

// Exited returns a channel closed when the process died (whatever the cause,
// Stop included).
func (p *Process) Exited() <-chan struct{} { return p.runner.exited }

// Err reports how the process ended: nil while it runs, otherwise an error
// wrapping ErrExited naming the exit status and the last stderr lines.
func (p *Process) Err() error {
	select {
	case <-p.runner.exited:
		why := p.runner.exitStatus()
		if p.hung.Load() {
			why = "killed after it stopped answering health checks (" + why + ")"
		}
		return fmt.Errorf("plugin %s (%s): %w: %s%s", p.plugin.Name, p.name, ErrExited,
			why, tailLines(p.runner.tail.Lines()))
	default:
		return nil
	}
}

// awaitExit gives the process a moment to be seen dead after a transport
// error and returns Err, or nil if it still runs.
func (p *Process) awaitExit() error {
	t := time.NewTimer(exitGrace)
	defer t.Stop()
	select {
	case <-p.runner.exited:
	case <-t.C:
	}
	return p.Err()
}

// Stop shuts the process down: it asks the plugin to stop (the SDK then
// stops the tasks still open) and waits for it to exit; when ctx ends first
// it kills the process. It returns once the process is gone; the error says
// whether it had to be killed. Calling Stop again returns the first result.
func (p *Process) Stop(ctx context.Context) error {
	p.stopOnce.Do(func() { p.stopErr = p.stop(ctx) })
	return p.stopErr
}

func (p *Process) stop(ctx context.Context) error {
	p.cancel()
	go func() {
		// Controller.Shutdown; returns when the plugin answered or died.
		if c, err := p.client.Client(); err == nil {
			_ = c.Close()
		}
	}()
	var err error
	select {
	case <-p.runner.exited:
	case <-ctx.Done():
		err = fmt.Errorf("stop plugin %s (%s): it did not exit before the deadline and was killed: %w", p.plugin.Name, p.name, ctx.Err())
		_ = p.runner.Kill(context.Background())
		<-p.runner.exited
	}
	p.client.Kill() // reaps go-plugin's goroutines and socket directory; the process is gone
	return err
}

// nextTaskID returns a task id unique within the process.
func (p *Process) nextTaskID() string {
	return fmt.Sprintf("%s#%d", p.name, p.taskSeq.Add(1))
}

// TaskName is the Launch name of task number task of connector.
func TaskName(connector string, task int) string { return fmt.Sprintf("%s/%d", connector, task) }

func splitName(name string) (connector, task string) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return name, ""
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name, ""
		}
	}
	if i+1 == len(name) {
		return name, ""
	}
	return name[:i], name[i+1:]
}

// rpcClients is what the host half of the go-plugin plugin dispenses.
type rpcClients struct {
	spec      pb.SpecifierClient
	connector pb.ConnectorClient
	source    pb.SourceTaskClient
	sink      pb.SinkTaskClient
}

type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (grpcPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("host: the host side serves nothing")
}

func (grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &rpcClients{
		spec:      pb.NewSpecifierClient(c),
		connector: pb.NewConnectorClient(c),
		source:    pb.NewSourceTaskClient(c),
		sink:      pb.NewSinkTaskClient(c),
	}, nil
}

// Pid is the plugin process's id.
func (p *Process) Pid() int { return p.runner.pid }
