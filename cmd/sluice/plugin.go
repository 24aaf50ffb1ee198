package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/connectors/datagen"
	"github.com/sluicehq/sluice/connectors/file"
	"github.com/sluicehq/sluice/connectors/postgres"
	"github.com/sluicehq/sluice/plugins/sdk"
)

// builtinConnectors are the connectors the sluice binary serves itself,
// re-executed as `sluice plugin serve NAME`.
func builtinConnectors() []sdk.Connector {
	return []sdk.Connector{file.NewSource(), file.NewSink(), datagen.New(), postgres.New()}
}

// builtinNames lists the built-in connectors' names.
func builtinNames() []string {
	var names []string
	for _, c := range builtinConnectors() {
		names = append(names, c.Spec().Name)
	}
	sort.Strings(names)
	return names
}

func newPluginCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "Connector plugin processes",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "serve NAME",
		Short: "Serve a built-in connector as a plugin process (started by the worker, not by hand)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			for _, c := range builtinConnectors() {
				spec := c.Spec()
				if spec.Name == args[0] || contains(spec.Aliases, args[0]) {
					sdk.Serve(c)
					return nil
				}
			}
			return fmt.Errorf("no built-in connector %q; built-ins: %s", args[0], strings.Join(builtinNames(), ", "))
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the built-in connectors",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			for _, c := range builtinConnectors() {
				s := c.Spec()
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", s.Name, s.Kind, s.Version)
			}
		},
	})
	return cmd
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
