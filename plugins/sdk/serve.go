package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

// Serve runs the plugin process (called from main of a plugin binary; blocks).
//
// It serves every given connector (a process may serve several; the host
// names the one each call is for) until the host shuts the process down, then
// stops the tasks still open and returns. It sets the process's default slog
// logger to JSON lines on stderr in the form the host folds into its own log
// (with the connector and task fields); Logger(ctx) returns a logger with the
// task's fields. Two connectors with the same name or alias are a programmer
// error and panic. Run by hand (not by a host), the binary prints that it is a
// plugin and exits with status 1. Unless GOGC is set, it sets the process's
// GC percentage to 400 (see gcPercent). With EnvCPUProfile set it writes a
// CPU profile of the process.
func Serve(connectors ...Connector) {
	logger := slog.New(newPluginLogHandler(os.Stderr))
	slog.SetDefault(logger)
	srv := newServer(connectors, logger)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	stopProfile := startCPUProfile()
	defer stopProfile()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: pb.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			pb.ProtocolVersion: {pb.PluginName: &grpcPlugin{srv: srv}},
		},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, serverOptions()...)...)
		},
		Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, JSONFormat: true, Level: hclog.Info}),
	})
	srv.stopAll(context.Background())
}

// gcPercent is the plugin process's GOGC unless its environment sets one. A
// plugin's live heap is small (little beyond the batches in flight) while it
// allocates a batch of records per Read, so at Go's default of 100 it
// collects every few megabytes: in DatagenSource's benchmark that was about
// a third of the plugin's CPU. 400 lets the heap grow to five times the live
// data (tens of MB for 1 MB batches) and collects a quarter as often.
const gcPercent = 400

// maxMessage bounds one gRPC message (one record batch) in either direction.
const maxMessage = 64 << 20

// serverOptions are the plugin's gRPC server options: the message bound,
// pb.Codec, which sends record batches without copying them (the wire
// format is plain protobuf, so any host reads it), and windows and socket
// buffers sized for record batches (see pb.WindowSize).
func serverOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage),
		grpc.ForceServerCodecV2(pb.Codec{}),
		grpc.InitialWindowSize(pb.WindowSize),
		grpc.InitialConnWindowSize(pb.WindowSize),
		grpc.ReadBufferSize(pb.SocketBufferSize),
		grpc.WriteBufferSize(pb.SocketBufferSize),
	}
}

// grpcPlugin is the server half of the go-plugin plugin: it registers every
// service of plugin.proto. The host has its own client half.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	srv *server
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterSpecifierServer(s, &specifierServer{srv: p.srv})
	pb.RegisterConnectorServer(s, &connectorServer{srv: p.srv})
	pb.RegisterSourceTaskServer(s, &sourceServer{srv: p.srv})
	pb.RegisterSinkTaskServer(s, &sinkServer{srv: p.srv})
	return nil
}

func (p *grpcPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, fmt.Errorf("sdk: the plugin side has no client")
}

type loggerKey struct{}

// Logger returns the logger Serve attached to ctx for a connector or task
// call (its lines reach the host's log with the connector and task fields), or
// slog.Default() outside such a call.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// newPluginLogHandler writes hclog-style JSON lines (@level, @message,
// @timestamp), which go-plugin on the host parses into levelled entries.
func newPluginLogHandler(w *os.File) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("@timestamp", a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
			case slog.LevelKey:
				return slog.String("@level", strings.ToLower(levelName(a.Value.Any())))
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	})
}

func levelName(v any) string {
	l, ok := v.(slog.Level)
	if !ok {
		return "info"
	}
	switch {
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}
