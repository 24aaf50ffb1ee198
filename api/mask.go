package api

import (
	"context"
	"maps"
)

// connectorClassConfig is the property naming a connector's plugin class.
const connectorClassConfig = "connector.class"

// secretKeys returns the names of the PASSWORD-typed properties of the
// plugin config names. An unknown class has none: there is no definition
// to say a property is secret.
func (s *Server) secretKeys(ctx context.Context, config map[string]string) map[string]bool {
	class := config[connectorClassConfig]
	if class == "" {
		return nil
	}
	defs, err := s.opts.Herder.PluginConfig(ctx, class)
	if err != nil {
		return nil
	}
	var secret map[string]bool
	for _, d := range defs {
		if d.Type == "PASSWORD" {
			if secret == nil {
				secret = make(map[string]bool)
			}
			secret[d.Name] = true
		}
	}
	return secret
}

// masked returns config with secret properties replaced by "[hidden]";
// config itself is not modified.
func masked(config map[string]string, secret map[string]bool) map[string]string {
	if len(secret) == 0 {
		return config
	}
	out := maps.Clone(config)
	for k := range out {
		if secret[k] {
			out[k] = Hidden
		}
	}
	return out
}

// maskInfo masks a connector info's config.
func (s *Server) maskInfo(ctx context.Context, info ConnectorInfo) ConnectorInfo {
	info.Config = masked(info.Config, s.secretKeys(ctx, info.Config))
	return info
}

// maskValidation hides the values of PASSWORD-typed properties in a
// validate answer, as Kafka's Password.toString does.
func maskValidation(ci ConfigInfos) ConfigInfos {
	for i := range ci.Configs {
		c := &ci.Configs[i]
		if c.Definition.Type == "PASSWORD" && c.Value.Value != nil {
			h := Hidden
			c.Value.Value = &h
		}
	}
	return ci
}
