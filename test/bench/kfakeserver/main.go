// Command kfakeserver runs franz-go's in-process fake Kafka cluster (kfake)
// as a standalone single-broker server with the same command-line contract
// as `sluice broker`. It serves two purposes:
//
//   - a stand-in broker for the test suites under test/ while Sluice's
//     broker is being written (point SLUICE_BIN at this binary);
//   - the peer baseline the benchmark in test/bench compares Sluice against.
//
// Flags of `sluice broker` that kfake has no use for (--advertised-listener,
// --metrics) are accepted and ignored. --data-dir is ignored unless
// --kfake-persist asks for kfake's own persistence, so by default the peer
// is an in-memory broker. --config key=value is passed to
// kfake.BrokerConfigs; keys kfake does not know are ignored by kfake.
//
// The server prints nothing required and exits cleanly on SIGTERM or SIGINT.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

// configFlag collects repeated --config key=value flags.
type configFlag map[string]string

func (f configFlag) String() string { return "" }

func (f configFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("expected key=value, got %q", s)
	}
	f[k] = v
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kfakeserver:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	// Accept `kfakeserver broker ...` as well as `kfakeserver ...`, so the
	// binary can stand in for `sluice` wherever scripts call `$SLUICE_BIN broker`.
	if len(args) > 0 && args[0] == "broker" {
		args = args[1:]
	} else if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("unknown command %q: the stand-in serves only `broker`", args[0])
	}
	fs := flag.NewFlagSet("kfakeserver", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9092", "host:port to serve Kafka clients on")
	dataDir := fs.String("data-dir", "", "data directory (used only with --kfake-persist)")
	persist := fs.String("kfake-persist", "none", "kfake persistence of --data-dir: none, async or sync (fsync every batch)")
	fs.String("advertised-listener", "", "ignored")
	fs.String("metrics", "", "ignored")
	cfgs := make(configFlag)
	fs.Var(cfgs, "config", "broker config key=value (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	host, portStr, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", *listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("--listen %q: port: %w", *listen, err)
	}
	_ = host // kfake listens on 127.0.0.1 and advertises it.

	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.DefaultNumPartitions(1),
	}
	// kfake runs its log cleaner every log.cleaner.backoff.ms; Kafka checks
	// retention every log.retention.check.interval.ms. Let the latter drive
	// kfake's cleaner unless the former is given.
	if v, ok := cfgs["log.retention.check.interval.ms"]; ok {
		if _, ok := cfgs["log.cleaner.backoff.ms"]; !ok {
			cfgs["log.cleaner.backoff.ms"] = v
		}
	}
	if v := cfgs["auto.create.topics.enable"]; v == "true" {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	if len(cfgs) > 0 {
		opts = append(opts, kfake.BrokerConfigs(cfgs))
	}
	switch *persist {
	case "none":
	case "async", "sync":
		if *dataDir == "" {
			return fmt.Errorf("--kfake-persist=%s needs --data-dir", *persist)
		}
		opts = append(opts, kfake.DataDir(*dataDir))
		if *persist == "sync" {
			opts = append(opts, kfake.SyncWrites())
		}
	default:
		return fmt.Errorf("--kfake-persist %q: want none, async or sync", *persist)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)

	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("start kfake on %s: %w", *listen, err)
	}
	<-sigs
	c.Close()
	return nil
}
