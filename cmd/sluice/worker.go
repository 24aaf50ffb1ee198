package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/broker"
	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/plugins/host"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/distributed"
)

// workerFlags are the command-line settings of a distributed worker; each
// overrides the Kafka Connect property of the same meaning.
type workerFlags struct {
	bootstrap, groupID, rest, pluginPath, logLevel string
}

func (f *workerFlags) register(cmd *cobra.Command, withBootstrap bool) {
	fl := cmd.Flags()
	if withBootstrap {
		fl.StringVar(&f.bootstrap, "bootstrap", envOr("SLUICE_BOOTSTRAP", ""), "bootstrap.servers of the Kafka-compatible cluster")
	}
	fl.StringVar(&f.groupID, "group-id", "", "group.id of the worker cluster (default connect-cluster)")
	fl.StringVar(&f.rest, "rest", envOr("SLUICE_REST_LISTEN", "127.0.0.1:8083"), "host:port of the REST API (listeners)")
	fl.StringVar(&f.pluginPath, "plugin-path", "", "plugin.path: folders with sluice-connector-* executables")
	fl.StringVar(&f.logLevel, "log-level", envOr("SLUICE_LOG_LEVEL", "info"), "debug, info, warn or error")
}

// workerProps merges the worker properties file (if any), the defaults a
// Sluice worker needs, and the flags (which win).
func (f *workerFlags) workerProps(file string) (map[string]string, error) {
	props := map[string]string{
		"group.id":                       "connect-cluster",
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "false",
		"value.converter.schemas.enable": "false",
	}
	if file != "" {
		pf, err := readProps(file)
		if err != nil {
			return nil, err
		}
		for k, v := range pf.props {
			props[k] = v
		}
	}
	set := func(k, v string) {
		if v != "" {
			props[k] = v
		}
	}
	set("bootstrap.servers", f.bootstrap)
	set("group.id", f.groupID)
	set("plugin.path", f.pluginPath)
	if f.rest != "" {
		scheme := "http://" // --rest keeps the scheme of the properties' listener
		if strings.HasPrefix(strings.TrimSpace(props["listeners"]), "https://") {
			scheme = "https://"
		}
		props["listeners"] = scheme + f.rest
	}
	if props["bootstrap.servers"] == "" {
		return nil, errors.New("bootstrap.servers: missing; give --bootstrap HOST:PORT or set it in the worker properties")
	}
	return props, nil
}

func newWorkerCmd() *cobra.Command {
	var f workerFlags
	cmd := &cobra.Command{
		Use:   "worker [WORKER.properties]",
		Short: "Run a distributed worker (Kafka Connect compatible REST API) against any Kafka-compatible cluster",
		Long: `Run one worker of a distributed cluster: workers with the same group.id
share connectors and tasks through the cluster's group protocol (protocol type
connect) and keep configs, offsets and statuses in the compacted topics
connect-configs, connect-offsets and connect-status. The REST API follows
Kafka Connect's. Kafka Connect's distributed worker property names are
accepted in WORKER.properties; the flags override them.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, err := newLogger(f.logLevel)
			if err != nil {
				return err
			}
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			props, err := f.workerProps(file)
			if err != nil {
				return err
			}
			return runWorker(cmd.Context(), props, logger, nil)
		},
	}
	f.register(cmd, true)
	return cmd
}

func newServerCmd() *cobra.Command {
	var (
		f   workerFlags
		cfg broker.Config
	)
	cmd := &cobra.Command{
		Use:   "server [WORKER.properties]",
		Short: "Run the all-in-one server: bundled broker, a distributed worker and the REST API in one process",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, err := newLogger(f.logLevel)
			if err != nil {
				return err
			}
			cfg.Logger = logger.With("component", "broker")
			b, err := broker.New(cfg)
			if err != nil {
				return err
			}
			// The broker outlives the worker, so the worker's last status
			// and offset writes on shutdown reach it.
			brokerCtx, stopBroker := context.WithCancel(context.Background())
			defer stopBroker()
			served := make(chan error, 1)
			go func() { served <- b.Serve(brokerCtx) }()
			logger.Info("broker listening", "addr", b.Addr(), "data_dir", cfg.DataDir)

			f.bootstrap = b.Addr()
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			props, err := f.workerProps(file)
			if err == nil {
				err = runWorker(cmd.Context(), props, logger, nil)
			}
			stopBroker()
			return errors.Join(err, <-served)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.DataDir, "data-dir", envOr("SLUICE_DATA_DIR", "./data"), "data directory of the bundled broker")
	fl.StringVar(&cfg.Listen, "listen", envOr("SLUICE_LISTEN", "127.0.0.1:9092"), "host:port of the bundled broker's Kafka listener")
	fl.Int32Var(&cfg.NodeID, "node-id", 1, "node.id of the bundled broker")
	f.register(cmd, false)
	return cmd
}

// runWorker runs a distributed worker and its REST API until ctx ends.
// ready, when not nil, receives the REST address once it serves.
func runWorker(ctx context.Context, props map[string]string, logger *slog.Logger, ready chan<- string) error {
	dc, warnings, err := distributed.ParseConfig(props)
	for _, w := range warnings {
		logger.Warn(w)
	}
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this executable: %w", err)
	}
	found, err := host.Discover(ctx, exe, builtinNames(), dc.Worker.PluginPath, logger)
	if err != nil {
		logger.Warn("plugin discovery", "err", err)
	}
	var classes []string
	for _, p := range found {
		classes = append(classes, p.Name)
	}
	h, err := distributed.New(distributed.Options{
		Config: dc, Plugins: runtime.NewSubprocess(found, logger), PluginClasses: classes, Logger: logger,
	})
	if err != nil {
		return err
	}
	inspector, err := dlq.NewInspector(dc.Worker.BootstrapServers)
	if err != nil {
		return fmt.Errorf("dead-letter queue API: %w", err)
	}
	defer inspector.Close()
	opts := api.Options{Herder: h, Version: "0.1.0", Metrics: h.Metrics(), Logger: logger.With("component", "rest"),
		DLQ: dlq.NewHandler(inspector, dlq.HandlerOptions{Fixer: runtime.NewRecordFixer})}
	if err := dc.RESTOptions(&opts); err != nil {
		return err
	}
	srv, err := api.New(opts)
	if err != nil {
		return err
	}
	restAddr := distributed.ListenAddr(props["listeners"])
	ln, err := net.Listen("tcp", restAddr)
	if err != nil {
		return fmt.Errorf("listeners %s: %w", props["listeners"], err)
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("REST API stopped", "err", err)
		}
	}()
	logger.Info("worker REST API listening", "url", dc.URL, "group", dc.GroupID)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	err = h.Run(ctx)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
