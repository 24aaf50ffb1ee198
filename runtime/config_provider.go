package runtime

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"strings"

	"github.com/sluicehq/sluice/runtime/properties"
)

// Config providers (Kafka's KIP-297 syntax) let a connector config refer
// to secrets instead of holding them:
//
//	${env:NAME}       the environment variable NAME of the worker process
//	${file:PATH:KEY}  the property KEY of the Java .properties file PATH
//
// The stored config keeps the placeholders (the configs topic and the REST
// answers never hold the values); they are resolved on the worker each time
// a connector or a task starts, so a changed file or variable is picked up
// by a restart. A placeholder can be the whole value or part of it. Both
// providers are built in and always available; the worker property
// config.providers (Kafka's name) is accepted and needs not list them.
// Unlike Kafka, which leaves an unresolvable placeholder in place, an unknown
// provider, a missing variable, an unreadable file or a missing key fails
// the connector or task with an error naming the property and the
// placeholder, never the value.

// ConfigProvidersConfig is the worker property listing config providers.
const ConfigProvidersConfig = "config.providers"

// placeholderRE is Kafka's ConfigTransformer pattern: ${provider:[path:]key}.
var placeholderRE = regexp.MustCompile(`\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}`)

// configResolver looks values up; tests replace env.
type configResolver struct {
	env   func(string) (string, bool)
	files map[string]map[string]string // PATH → properties, read once per resolution
}

func newResolver() *configResolver {
	return &configResolver{env: os.LookupEnv, files: map[string]map[string]string{}}
}

func (r *configResolver) lookup(provider, path, key string) (string, error) {
	switch provider {
	case "env":
		if path != "" {
			return "", errors.New("the env provider takes ${env:NAME}, without a path")
		}
		v, ok := r.env(key)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", key)
		}
		return v, nil
	case "file":
		if path == "" {
			return "", errors.New("the file provider takes ${file:PATH:KEY}")
		}
		props, ok := r.files[path]
		if !ok {
			parsed, err := properties.ParseFile(path)
			if err != nil {
				// Never the parser's message: it may quote a line of the file.
				var le *properties.LineError
				var pe *os.PathError
				switch {
				case errors.As(err, &le):
					return "", fmt.Errorf("file %s: malformed at line %d", path, le.Line)
				case errors.As(err, &pe):
					return "", fmt.Errorf("file %s: %v", path, pe.Err)
				default:
					return "", fmt.Errorf("file %s cannot be read", path)
				}
			}
			props = properties.Map(parsed)
			r.files[path] = props
		}
		v, ok := props[key]
		if !ok {
			return "", fmt.Errorf("file %s has no property %s", path, key)
		}
		return v, nil
	}
	return "", fmt.Errorf("unknown config provider %q (known: env, file)", provider)
}

// resolve replaces the placeholders of every value. strict reports each
// one that cannot be resolved, by property; lenient leaves it in place.
func (r *configResolver) resolve(props map[string]string, strict bool) (map[string]string, problems) {
	p := problems{}
	var out map[string]string
	for k, v := range props {
		if !strings.Contains(v, "${") {
			continue
		}
		nv := placeholderRE.ReplaceAllStringFunc(v, func(ph string) string {
			m := placeholderRE.FindStringSubmatch(ph)
			val, err := r.lookup(m[1], m[2], m[3])
			if err != nil {
				if strict {
					p.add(k, "cannot resolve %s: %v", ph, err)
				}
				return ph
			}
			return val
		})
		if nv != v {
			if out == nil {
				out = maps.Clone(props)
			}
			out[k] = nv
		}
	}
	if out == nil {
		out = props
	}
	return out, p
}

// ResolveConfig returns props with every ${provider:…} placeholder
// replaced by its value (props itself when there is none). It fails with a
// *ConfigError naming each property whose placeholder cannot be resolved;
// the message quotes the placeholder, never a resolved value.
func ResolveConfig(props map[string]string) (map[string]string, error) {
	out, p := newResolver().resolve(props, true)
	what := "connector config"
	if n := props[NameConfig]; n != "" {
		what = fmt.Sprintf("connector config %q", n)
	}
	if err := p.err(what); err != nil {
		return nil, err
	}
	return out, nil
}

// resolveLenient resolves what it can, for validation: a placeholder that
// cannot be resolved here may be on the worker that runs the connector.
func resolveLenient(props map[string]string) map[string]string {
	out, _ := newResolver().resolve(props, false)
	return out
}

// RestorePlaceholders undoes the resolution in the task configs a connector
// generated from resolved (Kafka's reverse transform): a property whose raw
// value held a placeholder and that the task config copies unchanged gets
// the placeholder back, so task configs stored in the configs topic hold no
// secrets. The task resolves it again when it starts.
func RestorePlaceholders(raw, resolved map[string]string, cfgs []map[string]string) []map[string]string {
	var keys []string
	for k, v := range raw {
		if resolved[k] != v {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return cfgs
	}
	out := make([]map[string]string, len(cfgs))
	for i, c := range cfgs {
		c = maps.Clone(c)
		for _, k := range keys {
			if v, ok := c[k]; ok && v == resolved[k] {
				c[k] = raw[k]
			}
		}
		out[i] = c
	}
	return out
}
