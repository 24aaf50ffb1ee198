package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
)

// newGroupsCmd is `sluice groups`: list, describe (with lag), reset offsets
// of and delete consumer groups on any Kafka-protocol cluster. The logic is
// in admin_groups.go and admin_reset.go.
func newGroupsCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "Manage consumer groups",
	}
	o.register(cmd)
	cmd.AddCommand(
		newGroupsListCmd(&o),
		newGroupsDescribeCmd(&o),
		newGroupsResetOffsetsCmd(&o),
		newGroupsDeleteCmd(&o),
	)
	return cmd
}

func newGroupsListCmd(o *adminOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List groups with their state and protocol type",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, listGroups)
		},
	}
}

func newGroupsDescribeCmd(o *adminOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "describe GROUP...",
		Short: "Describe groups: members, assignments, committed offsets and lag",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, adm *kadm.Client) (tabular, error) {
				return describeGroups(ctx, adm, args)
			})
		},
	}
}

func newGroupsResetOffsetsCmd(o *adminOptions) *cobra.Command {
	var (
		spec     resetSpec
		topics   []string
		datetime string
	)
	strategies := []struct {
		flag     string
		strategy resetStrategy
	}{
		{"to-earliest", resetToEarliest},
		{"to-latest", resetToLatest},
		{"to-offset", resetToOffset},
		{"to-datetime", resetToDatetime},
		{"shift-by", resetShiftBy},
	}
	cmd := &cobra.Command{
		Use:   "reset-offsets GROUP --topic T[:P,...] (--to-earliest|--to-latest|--to-offset N|--to-datetime RFC3339|--shift-by N) [--execute]",
		Short: "Plan (and with --execute, commit) new offsets for an inactive group",
		Long: "Without --execute this prints the plan and changes nothing. The group must be Empty " +
			"(no running consumers). New offsets are clamped to each partition's start and end offsets.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec.Group = args[0]
			for _, s := range strategies {
				if cmd.Flags().Changed(s.flag) {
					spec.Strategy = s.strategy
				}
			}
			if spec.Strategy == resetToDatetime {
				t, err := time.Parse(time.RFC3339, datetime)
				if err != nil {
					return fmt.Errorf("bad --to-datetime %q: expected RFC3339, such as 2026-01-02T15:04:05Z", datetime)
				}
				spec.Time = t
			}
			spec.Topics = spec.Topics[:0]
			for _, t := range topics {
				sel, err := parseTopicSelection(t)
				if err != nil {
					return err
				}
				spec.Topics = append(spec.Topics, sel)
			}
			return o.run(cmd, func(ctx context.Context, adm *kadm.Client) (tabular, error) {
				return resetOffsets(ctx, adm, spec)
			})
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&topics, "topic", nil, "topic to reset, optionally with partitions: T or T:0,1,2 (repeatable)")
	f.Bool("to-earliest", false, "reset to each partition's start offset")
	f.Bool("to-latest", false, "reset to each partition's end offset")
	f.Int64Var(&spec.Offset, "to-offset", 0, "reset to this offset")
	f.StringVar(&datetime, "to-datetime", "", "reset to the first offset at or after this RFC3339 time")
	f.Int64Var(&spec.Shift, "shift-by", 0, "move the committed offset by N (negative moves back)")
	f.BoolVar(&spec.Execute, "execute", false, "commit the new offsets (default: dry run)")
	_ = cmd.MarkFlagRequired("topic")
	names := make([]string, len(strategies))
	for i, s := range strategies {
		names[i] = s.flag
	}
	cmd.MarkFlagsOneRequired(names...)
	cmd.MarkFlagsMutuallyExclusive(names...)
	return cmd
}

func newGroupsDeleteCmd(o *adminOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "delete GROUP...",
		Short: "Delete groups and their committed offsets (the groups must be Empty)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, adm *kadm.Client) (tabular, error) {
				return deleteGroups(ctx, adm, args)
			})
		},
	}
}
