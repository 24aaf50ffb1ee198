package host_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/plugins/sdk"
)

func TestConnectorOverGRPC(t *testing.T) {
	p := launch(t, "good", "count-source", "orders", nil)
	ctx := testCtx(t)
	c := p.Connector()

	spec, err := c.Spec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "count-source" || spec.Kind != sdk.Source || spec.Version != "1.0.0" ||
		!slices.Equal(spec.Aliases, []string{"org.example.CountSource"}) {
		t.Errorf("spec = %+v", spec)
	}
	k, ok := spec.Config.Key("batch")
	if !ok || k.Type != sdk.Int || k.Default != "10" || k.Required || k.Importance != sdk.Low || k.Doc != "records per Read" {
		t.Errorf("key batch = %+v, %v", k, ok)
	}
	if k, _ := spec.Config.Key("topic"); !k.Required {
		t.Errorf("key topic should be required: %+v", k)
	}

	for _, tc := range []struct {
		name string
		cfg  map[string]string
		want map[string]string // property → substring of its problem
	}{
		{"valid", map[string]string{"topic": "t", "worker.level.key": "passes through"}, nil},
		{"missing", map[string]string{}, map[string]string{"topic": "Missing required configuration"}},
		{"both checks", map[string]string{"topic": "forbidden", "batch": "0", "records": "x"}, map[string]string{
			"topic":   "reserved",       // the connector's own Validate
			"batch":   "in [1, 100000]", // the key's Validator, run in the plugin
			"records": "not a number of type LONG",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Validate(ctx, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems = %v, want keys of %v", got, tc.want)
			}
			for prop, sub := range tc.want {
				if !strings.Contains(strings.Join(got[prop], "|"), sub) {
					t.Errorf("%s: problems %v lack %q", prop, got[prop], sub)
				}
			}
		})
	}

	tasks, err := c.TaskConfigs(ctx, map[string]string{"topic": "t"}, 3)
	if err != nil || len(tasks) != 3 || tasks[2]["task.id"] != "2" || tasks[0]["topic"] != "t" {
		t.Errorf("TaskConfigs = %v, %v", tasks, err)
	}
	_, err = c.TaskConfigs(ctx, map[string]string{"topic": "t"}, 0)
	if !errors.Is(err, sdk.ErrFatal) || !strings.Contains(err.Error(), "tasks.max must be positive") {
		t.Errorf("TaskConfigs(0) error = %v, want a fatal error naming tasks.max", err)
	}
}

func TestUnknownConnector(t *testing.T) {
	p := launch(t, "good", "no-such", "x", nil)
	_, err := p.Connector().Spec(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), `serves no connector "no-such"`) {
		t.Errorf("error = %v", err)
	}
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	for name, target := range map[string]string{
		"sluice-connector-good": bin["good"],
		"sluice-connector-v2":   bin["otherversion"],
		"not-a-plugin":          bin["exit"],
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	logger, _ := newLogCapture()
	got, err := host.Discover(testCtx(t), bin["good"], []string{"count-source"}, []string{dir}, logger)

	var names []string
	for _, p := range got {
		names = append(names, p.Name+"@"+filepath.Base(p.Path)+strings.Join(p.Args, " "))
	}
	want := []string{"collect-sink@sluice-connector-good", "count-source@goodplugin serve count-source"}
	if !slices.Equal(names, want) {
		t.Errorf("plugins = %v, want %v", names, want)
	}
	if got[1].Kind != sdk.Source || got[1].Version != "1.0.0" || got[0].Kind != sdk.Sink {
		t.Errorf("plugins = %+v", got)
	}
	if !errors.Is(err, host.ErrProtocolVersion) || !strings.Contains(err.Error(), "served by both") {
		t.Errorf("error = %v, want the v2 plugin's mismatch and the duplicate named", err)
	}
}
