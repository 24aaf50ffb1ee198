package sdk

import (
	"context"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

type specifierServer struct {
	pb.UnimplementedSpecifierServer
	srv *server
}

func (s *specifierServer) Specs(context.Context, *pb.Empty) (*pb.SpecsResponse, error) {
	resp := &pb.SpecsResponse{}
	for _, n := range s.srv.names {
		resp.Specs = append(resp.Specs, specToProto(s.srv.connectors[n].Spec()))
	}
	return resp, nil
}

func (s *specifierServer) Spec(_ context.Context, req *pb.SpecRequest) (*pb.Spec, error) {
	c, err := s.srv.connector(req.GetConnector())
	if err != nil {
		return nil, err
	}
	return specToProto(c.Spec()), nil
}

func specToProto(s Spec) *pb.Spec {
	out := &pb.Spec{Name: s.Name, Version: s.Version, Aliases: s.Aliases}
	switch s.Kind {
	case Source:
		out.Kind = pb.Kind_KIND_SOURCE
	case Sink:
		out.Kind = pb.Kind_KIND_SINK
	}
	for _, k := range s.Config.Keys() {
		out.Config = append(out.Config, &pb.ConfigKey{
			Name:          k.Name,
			Type:          k.Type.String(),
			DefaultValue:  k.Default,
			HasDefault:    !k.Required,
			Importance:    k.Importance.String(),
			Documentation: k.Doc,
		})
	}
	return out
}

type connectorServer struct {
	pb.UnimplementedConnectorServer
	srv *server
}

func (s *connectorServer) Validate(ctx context.Context, req *pb.ValidateRequest) (*pb.ValidateResponse, error) {
	c, err := s.srv.connector(req.GetConnector())
	if err != nil {
		return nil, err
	}
	// The ConfigDef's validators live only here, so both checks run here.
	resp := &pb.ValidateResponse{Problems: make(map[string]*pb.Problems)}
	add := func(problems map[string][]string) {
		for k, msgs := range problems {
			if len(msgs) == 0 {
				continue
			}
			if resp.Problems[k] == nil {
				resp.Problems[k] = &pb.Problems{}
			}
			resp.Problems[k].Messages = append(resp.Problems[k].Messages, msgs...)
		}
	}
	add(c.Spec().Config.Validate(req.GetConfig()))
	add(c.Validate(s.srv.ctx(ctx, c.Spec().Name, ""), req.GetConfig()))
	return resp, nil
}

func (s *connectorServer) TaskConfigs(ctx context.Context, req *pb.TaskConfigsRequest) (*pb.TaskConfigsResponse, error) {
	c, err := s.srv.connector(req.GetConnector())
	if err != nil {
		return nil, err
	}
	cfgs, err := c.TaskConfigs(s.srv.ctx(ctx, c.Spec().Name, ""), req.GetConfig(), int(req.GetMaxTasks()))
	if err != nil {
		return nil, statusError(err)
	}
	resp := &pb.TaskConfigsResponse{}
	for _, cfg := range cfgs {
		resp.Tasks = append(resp.Tasks, &pb.TaskConfig{Config: cfg})
	}
	return resp, nil
}
