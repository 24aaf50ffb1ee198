package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/properties"
)

func newConnectCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connect",
		Short: "Run connectors (Kafka Connect compatible configuration)",
	}
	var logLevel string
	standalone := &cobra.Command{
		Use:   "standalone WORKER.properties CONNECTOR.properties...",
		Short: "Run connectors in one standalone worker",
		Long: `Run connectors in one worker process, as Kafka Connect's
connect-standalone does: the worker config and one file per connector, in
Java .properties format with Kafka Connect's property names. Source offsets
are kept in offset.storage.file.filename; sink offsets in the consumer group
connect-NAME. Connector plugins are the built-ins of this binary plus the
sluice-connector-* executables on plugin.path, each task in its own process.
SIGTERM or SIGINT stops the tasks gracefully.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			return runStandalone(cmd.Context(), args[0], args[1:], logger, discoverPlugins)
		},
	}
	standalone.Flags().StringVar(&logLevel, "log-level", envOr("SLUICE_LOG_LEVEL", "info"), "debug, info, warn or error")
	cmd.AddCommand(standalone)
	return cmd
}

// discoverPlugins finds the built-in connectors and those on plugin.path;
// every task runs in its own plugin process.
func discoverPlugins(ctx context.Context, cfg *runtime.WorkerConfig, logger *slog.Logger) (runtime.Plugins, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this executable: %w", err)
	}
	found, err := host.Discover(ctx, exe, builtinNames(), cfg.PluginPath, logger)
	if err != nil {
		// The plugins found still serve; the broken ones are named.
		logger.Warn("plugin discovery", "err", err)
	}
	return runtime.NewSubprocess(found, logger), nil
}

// propsFile is one parsed .properties file.
type propsFile struct {
	path  string
	props map[string]string
	lines map[string]int
}

func readProps(path string) (*propsFile, error) {
	ps, err := properties.ParseFile(path)
	if err != nil {
		return nil, err
	}
	return &propsFile{path: path, props: properties.Map(ps), lines: properties.Lines(ps)}, nil
}

// where names the file and line a property was set on, or just the file.
func (f *propsFile) where(name string) string {
	if l, ok := f.lines[name]; ok {
		return fmt.Sprintf("%s:%d", f.path, l)
	}
	return f.path
}

// configErrorIn rewrites a *runtime.ConfigError as one line per problem,
// each naming the file and line of the property (from the first of files
// that sets it, else the first file).
func configErrorIn(err error, files ...*propsFile) error {
	var ce *runtime.ConfigError
	if !errors.As(err, &ce) {
		return fmt.Errorf("%s: %w", files[0].path, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid %s:", ce.What)
	for _, name := range ce.Properties() {
		at := files[0].where(name)
		for _, f := range files {
			if _, ok := f.lines[name]; ok {
				at = f.where(name)
				break
			}
		}
		for _, p := range ce.Problems[name] {
			if name == "" {
				fmt.Fprintf(&b, "\n  %s: %s", at, p)
			} else {
				fmt.Fprintf(&b, "\n  %s: %s: %s", at, name, p)
			}
		}
	}
	return errors.New(b.String())
}

// runStandalone validates every file before it starts anything, then runs
// the worker until ctx ends.
func runStandalone(ctx context.Context, workerPath string, connectorPaths []string, logger *slog.Logger,
	plugins func(context.Context, *runtime.WorkerConfig, *slog.Logger) (runtime.Plugins, error)) error {
	wf, err := readProps(workerPath)
	if err != nil {
		return err
	}
	wc, warnings, err := runtime.ParseWorkerConfig(wf.props)
	for _, w := range warnings {
		logger.Warn(w, "file", workerPath)
	}
	if err != nil {
		return configErrorIn(err, wf)
	}
	ps, err := plugins(ctx, wc, logger)
	if err != nil {
		return err
	}
	w, err := runtime.NewWorker(runtime.Options{Config: wc, Plugins: ps, Logger: logger})
	if err != nil {
		return fmt.Errorf("%s: %w", workerPath, err)
	}
	var (
		conns []*runtime.ConnectorConfig
		errs  []error
		names = map[string]string{}
	)
	for _, path := range connectorPaths {
		cf, err := readProps(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c, err := w.ValidateConnector(ctx, cf.props)
		if err != nil {
			errs = append(errs, configErrorIn(err, cf, wf))
			continue
		}
		if prev, ok := names[c.Name]; ok {
			errs = append(errs, fmt.Errorf("%s: name: connector %q is already defined in %s", cf.where("name"), c.Name, prev))
			continue
		}
		names[c.Name] = path
		conns = append(conns, c)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	logger.Info("standalone worker starting", "connectors", len(conns), "bootstrap_servers", strings.Join(wc.BootstrapServers, ","), "offsets", wc.OffsetFile)
	err = w.Run(ctx, conns)
	logger.Info("standalone worker stopped")
	return err
}
