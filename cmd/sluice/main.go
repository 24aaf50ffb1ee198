// Command sluice is the one Sluice binary: the bundled broker, the admin
// commands that speak the Kafka protocol to any cluster, the standalone and
// distributed workers, the all-in-one server and the plugin server.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopProfile := startCPUProfile(os.Args[1:])
	err := newRootCmd().ExecuteContext(ctx)
	stopProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sluice:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "sluice",
		Short:         "Sluice: a data-integration hub with a bundled Kafka-compatible broker",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newBrokerCmd(),
		newDemoCmd(),
		newTopicsCmd(),
		newGroupsCmd(),
		newPluginCmd(),
		newConnectCmd(),
		newConnectorsCmd(),
		newWorkerCmd(),
		newServerCmd(),
		newDLQCmd(),
	)
	return root
}

// envOr returns the environment variable name's value, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
