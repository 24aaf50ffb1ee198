package distributed

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/api"
)

// The plugin listing has the transformations and predicates unless
// connectorsOnly; their options are served; validate reports transform and
// error handling problems under their properties.
func TestTransformsInPluginsAndValidate(t *testing.T) {
	w := startRESTWorker(t, startBroker(t))
	eventually(t, "the worker joined", ready(w.node))
	ctx := context.Background()

	only, err := w.cl.Plugins(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	all, err := w.cl.Plugins(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	has := func(class, typ string) bool {
		return slices.ContainsFunc(all, func(p api.PluginInfo) bool { return p.Class == class && p.Type == typ })
	}
	if len(all) <= len(only) || !has("org.apache.kafka.connect.transforms.InsertField$Value", "transformation") ||
		!has("org.apache.kafka.connect.transforms.predicates.HasHeaderKey", "predicate") ||
		!has("io.debezium.transforms.ExtractNewRecordState", "transformation") {
		t.Fatalf("connectorsOnly=false lists %d plugins (connectors only: %d): %+v", len(all), len(only), all)
	}
	keys, err := w.cl.PluginConfig(ctx, "org.apache.kafka.connect.transforms.InsertField$Value")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(keys, func(k api.ConfigKeyInfo) bool { return k.Name == "static.field" }) {
		t.Fatalf("InsertField$Value config: %+v", keys)
	}

	cfg := connConfig("v", 1)
	cfg["transforms"] = "a"
	cfg["transforms.a.type"] = "NoSuchTransform"
	cfg["errors.tolerance"] = "maybe"
	ci, err := w.cl.Validate(ctx, "counting-source", cfg)
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]string{}
	for _, c := range ci.Configs {
		if len(c.Value.Errors) > 0 {
			errs[c.Definition.Name] = strings.Join(c.Value.Errors, "; ")
		}
	}
	if !strings.Contains(errs["transforms.a.type"], "NoSuchTransform") || errs["errors.tolerance"] == "" || ci.ErrorCount != 2 {
		t.Fatalf("validate: %d errors %v", ci.ErrorCount, errs)
	}
}
