package api

import "github.com/sluicehq/sluice/plugins/sdk"

// KeyInfo renders an SDK config key as Kafka's ConfigKeyInfo, order being
// its 1-based position in its group. Herders use it to answer PluginConfig
// and Validate from a connector's sdk.ConfigDef, the one declaration of
// its properties.
func KeyInfo(k sdk.Key, group string, order int) ConfigKeyInfo {
	ki := ConfigKeyInfo{
		Name:          k.Name,
		Type:          k.Type.String(),
		Required:      k.Required,
		Importance:    k.Importance.String(),
		Documentation: k.Doc,
		Width:         "NONE",
		DisplayName:   k.Name,
		Dependents:    []string{},
		Order:         order,
	}
	if !k.Required {
		d := k.Default
		ki.DefaultValue = &d
	}
	if group != "" {
		ki.Group = &group
	}
	return ki
}

// Validation builds a validate answer for config against def: one entry per
// defined key in order, the value as given (nil when absent) and the
// problems sdk.ConfigDef.Validate found, named by property.
func Validation(name, group string, def *sdk.ConfigDef, config map[string]string) ConfigInfos {
	problems := def.Validate(config)
	ci := ConfigInfos{Name: name, Groups: []string{}, Configs: []ConfigInfo{}}
	if group != "" {
		ci.Groups = append(ci.Groups, group)
	}
	for i, k := range def.Keys() {
		v := ConfigValueInfo{Name: k.Name, RecommendedValues: []string{}, Errors: []string{}, Visible: true}
		if s, ok := config[k.Name]; ok {
			v.Value = &s
		} else if !k.Required {
			d := k.Default
			v.Value = &d
		}
		if p := problems[k.Name]; len(p) > 0 {
			v.Errors = append(v.Errors, p...)
			ci.ErrorCount += len(p)
		}
		ci.Configs = append(ci.Configs, ConfigInfo{Definition: KeyInfo(k, group, i+1), Value: v})
	}
	return ci
}
