package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/broker"
)

func newBrokerCmd() *cobra.Command {
	var (
		cfg      broker.Config
		settings []string
		logLevel string
	)
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the bundled Kafka-compatible broker",
		Long: `Run the bundled Kafka-compatible broker on one node.

Kafka clients connect to --listen unchanged. Broker configs use Kafka's
names and are given with --config NAME=VALUE (repeatable), for example
--config auto.create.topics.enable=true. SIGTERM or SIGINT shuts down
cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			if cfg.Configs, err = parseSettings(settings); err != nil {
				return err
			}
			b, err := broker.New(cfg)
			if err != nil {
				return err
			}
			logger.Info("broker listening", "addr", b.Addr(), "data_dir", cfg.DataDir, "metrics", b.MetricsAddr())
			err = b.Serve(cmd.Context())
			logger.Info("broker stopped")
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", envOr("SLUICE_DATA_DIR", "./data"), "data directory for partition logs and metadata (env SLUICE_DATA_DIR)")
	f.StringVar(&cfg.Listen, "listen", envOr("SLUICE_LISTEN", "127.0.0.1:9092"), "host:port of the Kafka listener (env SLUICE_LISTEN)")
	f.StringVar(&cfg.AdvertisedListener, "advertised-listener", envOr("SLUICE_ADVERTISED_LISTENER", ""), "host:port clients are told to connect to (default: the listen address)")
	f.StringVar(&cfg.MetricsListen, "metrics", envOr("SLUICE_METRICS", ""), "host:port of the Prometheus /metrics endpoint (off when empty)")
	f.Int32Var(&cfg.NodeID, "node-id", 1, "node.id of this broker")
	f.StringArrayVar(&settings, "config", nil, "broker config NAME=VALUE with Kafka's names (repeatable)")
	f.StringVar(&logLevel, "log-level", envOr("SLUICE_LOG_LEVEL", "info"), "debug, info, warn or error")
	return cmd
}

// parseSettings turns NAME=VALUE strings into a map.
func parseSettings(kvs []string) (map[string]string, error) {
	m := map[string]string{}
	for _, s := range kvs {
		k, v, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--config %q: expected NAME=VALUE", s)
		}
		m[strings.TrimSpace(k)] = v
	}
	return m, nil
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
