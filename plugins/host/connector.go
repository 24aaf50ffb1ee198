package host

import (
	"context"

	"github.com/sluicehq/sluice/plugins/sdk"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

// RemoteConnector is a connector in a plugin process. Its methods are
// sdk.Connector's, with the errors a process boundary adds.
type RemoteConnector interface {
	// Spec is the connector's spec. Config keys carry no Validator: Validate
	// runs them in the plugin.
	Spec(ctx context.Context) (sdk.Spec, error)
	// Validate returns the ConfigDef's problems and the connector's own,
	// merged (property → problems); nil when cfg is valid.
	Validate(ctx context.Context, cfg map[string]string) (map[string][]string, error)
	TaskConfigs(ctx context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error)
}

// Connector returns the process's connector (the one named by Plugin.Name).
func (p *Process) Connector() RemoteConnector { return remoteConnector{p} }

type remoteConnector struct{ p *Process }

func (c remoteConnector) Spec(ctx context.Context) (sdk.Spec, error) {
	s, err := c.p.rpc.spec.Spec(ctx, &pb.SpecRequest{Connector: c.p.plugin.Name})
	if err != nil {
		return sdk.Spec{}, c.p.callError(ctx, "spec", err)
	}
	return specFromProto(s), nil
}

func (c remoteConnector) Validate(ctx context.Context, cfg map[string]string) (map[string][]string, error) {
	resp, err := c.p.rpc.connector.Validate(ctx, &pb.ValidateRequest{Connector: c.p.plugin.Name, Config: cfg})
	if err != nil {
		return nil, c.p.callError(ctx, "validate", err)
	}
	if len(resp.GetProblems()) == 0 {
		return nil, nil
	}
	out := make(map[string][]string, len(resp.GetProblems()))
	for k, v := range resp.GetProblems() {
		out[k] = v.GetMessages()
	}
	return out, nil
}

func (c remoteConnector) TaskConfigs(ctx context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	resp, err := c.p.rpc.connector.TaskConfigs(ctx, &pb.TaskConfigsRequest{
		Connector: c.p.plugin.Name, Config: cfg, MaxTasks: int32(maxTasks),
	})
	if err != nil {
		return nil, c.p.callError(ctx, "task configs", err)
	}
	out := make([]map[string]string, 0, len(resp.GetTasks()))
	for _, t := range resp.GetTasks() {
		m := t.GetConfig()
		if m == nil {
			m = map[string]string{}
		}
		out = append(out, m)
	}
	return out, nil
}

// specs asks the process for every connector it serves.
func (p *Process) specs(ctx context.Context) ([]sdk.Spec, error) {
	resp, err := p.rpc.spec.Specs(ctx, &pb.Empty{})
	if err != nil {
		return nil, p.callError(ctx, "specs", err)
	}
	out := make([]sdk.Spec, 0, len(resp.GetSpecs()))
	for _, s := range resp.GetSpecs() {
		out = append(out, specFromProto(s))
	}
	return out, nil
}

func specFromProto(s *pb.Spec) sdk.Spec {
	out := sdk.Spec{Name: s.GetName(), Version: s.GetVersion(), Aliases: s.GetAliases(), Config: sdk.NewConfigDef()}
	switch s.GetKind() {
	case pb.Kind_KIND_SOURCE:
		out.Kind = sdk.Source
	case pb.Kind_KIND_SINK:
		out.Kind = sdk.Sink
	}
	for _, k := range s.GetConfig() {
		t, _ := sdk.ParseType(k.GetType())
		imp, _ := sdk.ParseImportance(k.GetImportance())
		func() {
			defer func() { _ = recover() }() // a duplicate key from a buggy plugin is dropped
			out.Config.Define(sdk.Key{
				Name: k.GetName(), Type: t, Default: k.GetDefaultValue(), Required: !k.GetHasDefault(),
				Importance: imp, Doc: k.GetDocumentation(),
			})
		}()
	}
	return out
}
