// Command otherversion is a plugin built for a future Sluice plugin protocol version 2:
// the same handshake cookie, another plugin set version.
package main

import (
	"context"
	"errors"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

type v2Plugin struct{ plugin.NetRPCUnsupportedPlugin }

func (v2Plugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }
func (v2Plugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("no client")
}

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  pb.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{2: {pb.PluginName: v2Plugin{}}},
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}
