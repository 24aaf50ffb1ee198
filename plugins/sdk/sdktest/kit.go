package sdktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// tb is the part of testing.TB the kit uses; the kit's own tests fake it to
// check that a broken connector fails.
type tb interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// checkSpec checks what the REST API and the generated docs are built from.
func checkSpec(t tb, spec sdk.Spec, kind sdk.Kind) {
	t.Helper()
	if spec.Name == "" {
		t.Errorf("Spec: empty Name")
	}
	if spec.Version == "" {
		t.Errorf("Spec %s: empty Version", spec.Name)
	}
	if spec.Kind != kind {
		t.Errorf("Spec %s: Kind %v, want %v", spec.Name, spec.Kind, kind)
	}
	if spec.Config == nil {
		t.Fatalf("Spec %s: nil Config", spec.Name)
	}
	seen := map[string]bool{spec.Name: true}
	for _, a := range spec.Aliases {
		if seen[a] {
			t.Errorf("Spec %s: alias %q repeats the name or another alias", spec.Name, a)
		}
		seen[a] = true
	}
	for _, k := range spec.Config.Keys() {
		if k.Doc == "" {
			t.Errorf("Spec %s: config key %q has no Doc", spec.Name, k.Name)
		}
		if k.Required || k.Default == "" {
			continue
		}
		if p := spec.Config.Validate(map[string]string{k.Name: k.Default})[k.Name]; len(p) > 0 {
			t.Errorf("Spec %s: default %q of %q fails its own validation: %s", spec.Name, k.Default, k.Name, strings.Join(p, "; "))
		}
	}
}

// validate merges what the runtime checks: the ConfigDef and the connector.
func validate(ctx context.Context, c sdk.Connector, def *sdk.ConfigDef, cfg map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range def.Validate(cfg) {
		out[k] = append(out[k], v...)
	}
	for k, v := range c.Validate(ctx, cfg) {
		out[k] = append(out[k], v...)
	}
	for k, v := range out {
		if len(v) == 0 {
			delete(out, k)
		}
	}
	return out
}

// checkConfig checks that cfg is valid and that leaving out any required key
// it holds is an error naming that key; it returns the task configurations.
func checkConfig(ctx context.Context, t tb, c sdk.Connector, spec sdk.Spec, cfg map[string]string, maxTasks int) []map[string]string {
	t.Helper()
	if p := validate(ctx, c, spec.Config, cfg); len(p) > 0 {
		t.Fatalf("Validate of the given configuration: %s", formatProblems(p))
	}
	for _, k := range spec.Config.Keys() {
		if !k.Required {
			continue
		}
		if _, ok := cfg[k.Name]; !ok {
			t.Errorf("required key %q is not in the configuration yet it validates", k.Name)
			continue
		}
		without := maps.Clone(cfg)
		delete(without, k.Name)
		if p := validate(ctx, c, spec.Config, without); len(p[k.Name]) == 0 {
			t.Errorf("Validate without required key %q: no problem names it (got %s)", k.Name, formatProblems(p))
		}
	}
	tasks, err := c.TaskConfigs(ctx, maps.Clone(cfg), maxTasks)
	if err != nil {
		t.Fatalf("TaskConfigs(max %d): %v", maxTasks, err)
	}
	if len(tasks) < 1 || len(tasks) > maxTasks {
		t.Fatalf("TaskConfigs(max %d) returned %d configurations", maxTasks, len(tasks))
	}
	return tasks
}

func formatProblems(p map[string][]string) string {
	if len(p) == 0 {
		return "no problems"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+": "+strings.Join(p[k], "; "))
	}
	return strings.Join(parts, ", ")
}

// jsonTrip sends v through JSON as the plugin boundary does: integers come
// back as int64 when they fit, other numbers as float64.
func jsonTrip(v map[string]any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out map[string]any
	if err := d.Decode(&out); err != nil {
		return nil, err
	}
	return numbers(out).(map[string]any), nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// canonical is a stable text form of a JSON-like map (keys sorted).
func canonical(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}
