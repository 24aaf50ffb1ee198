package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Plugin is a connector the host can launch: which executable, with which
// arguments, serves it.
type Plugin struct {
	Name    string // the connector's name (connector.class)
	Kind    sdk.Kind
	Path    string   // executable
	Args    []string // arguments, e.g. plugin serve NAME for a built-in
	Aliases []string
	Version string

	// HealthInterval is how often the host checks that a launched process
	// answers (gRPC health check); HealthTimeout how long an answer may
	// take before the process is deemed hung and killed. Zero values mean
	// 5s and 15s.
	HealthInterval, HealthTimeout time.Duration
}

// ExecutablePrefix starts the file name of every third-party plugin
// executable on the plugin path.
const ExecutablePrefix = "sluice-connector-"

// Discover lists plugins: built-ins (this binary, args "plugin serve NAME") plus executables named
// sluice-connector-* on pluginPath (asked for their specs by launching them once).
//
// An executable that fails (does not start, speaks another protocol version)
// is left out and named in the returned error, which joins all failures; the
// plugins found are returned either way. Plugins are sorted by name.
func Discover(ctx context.Context, builtinBinary string, builtins []string, pluginPath []string, logger *slog.Logger) ([]Plugin, error) {
	var found []Plugin
	var errs []error
	for _, name := range builtins {
		ps, err := probe(ctx, builtinBinary, []string{"plugin", "serve", name}, logger)
		if err != nil {
			errs = append(errs, fmt.Errorf("built-in connector %s: %w", name, err))
			continue
		}
		i := slices.IndexFunc(ps, func(p Plugin) bool { return p.Name == name || slices.Contains(p.Aliases, name) })
		if i < 0 {
			errs = append(errs, fmt.Errorf("built-in connector %s: %s plugin serve %s does not serve it", name, builtinBinary, name))
			continue
		}
		found = append(found, ps[i])
	}
	for _, dir := range pluginPath {
		entries, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("plugin path: %w", err))
			continue
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ExecutablePrefix) {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if st, err := os.Stat(path); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
				continue
			}
			ps, err := probe(ctx, path, nil, logger)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			found = append(found, ps...)
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Name < found[j].Name })
	for i := 1; i < len(found); i++ {
		if found[i].Name == found[i-1].Name {
			errs = append(errs, fmt.Errorf("connector %s is served by both %s and %s; using the first",
				found[i].Name, found[i-1].Path, found[i].Path))
			found = append(found[:i], found[i+1:]...)
			i--
		}
	}
	return found, errors.Join(errs...)
}

// probe launches an executable once and asks it what it serves.
func probe(ctx context.Context, path string, args []string, logger *slog.Logger) ([]Plugin, error) {
	proc, err := Launch(ctx, Plugin{Name: filepath.Base(path), Path: path, Args: args}, "discover", logger)
	if err != nil {
		return nil, err
	}
	specs, specErr := proc.specs(ctx)
	stopErr := proc.Stop(ctx)
	if specErr != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, specErr)
	}
	if stopErr != nil {
		return nil, stopErr
	}
	out := make([]Plugin, 0, len(specs))
	for _, s := range specs {
		out = append(out, Plugin{
			Name: s.Name, Kind: s.Kind, Path: path, Args: args, Aliases: s.Aliases, Version: s.Version,
		})
	}
	return out, nil
}
