package main

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
)

// newTopicsCmd is `sluice topics`: create, list, describe, alter and delete
// topics on any Kafka-protocol cluster. The logic is in admin_topics.go.
func newTopicsCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "topics",
		Short: "Manage topics",
	}
	o.register(cmd)
	cmd.AddCommand(
		newTopicsCreateCmd(&o),
		newTopicsListCmd(&o),
		newTopicsDescribeCmd(&o),
		newTopicsAlterCmd(&o),
		newTopicsDeleteCmd(&o),
	)
	return cmd
}

func newTopicsCreateCmd(o *adminOptions) *cobra.Command {
	var (
		spec    createTopicSpec
		configs []string
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a topic",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if spec.Configs, err = parseConfigs(configs); err != nil {
				return err
			}
			spec.Topic = args[0]
			return o.run(cmd, func(ctx context.Context, adm *kadm.Client) (tabular, error) {
				return createTopic(ctx, adm, spec)
			})
		},
	}
	f := cmd.Flags()
	f.Int32Var(&spec.Partitions, "partitions", -1, "number of partitions (-1: the broker's default)")
	f.Int16Var(&spec.ReplicationFactor, "replication-factor", -1, "replicas per partition (-1: the broker's default)")
	f.StringArrayVar(&configs, "config", nil, "topic config key=value (repeatable)")
	f.BoolVar(&spec.ValidateOnly, "validate-only", false, "ask the broker to validate the request without creating the topic")
	return cmd
}

func newTopicsListCmd(o *adminOptions) *cobra.Command {
	var internal bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List topics with their partition count and replication factor",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, func(ctx context.Context, adm *kadm.Client) (tabular, error) {
				return listTopics(ctx, adm, internal)
			})
		},
	}
	cmd.Flags().BoolVar(&internal, "internal", false, "include internal topics (such as __consumer_offsets)")
	return cmd
}

func newTopicsDescribeCmd(o *adminOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "describe NAME...",
		Short: "Describe topics: partitions, leaders, replicas, ISR, offsets and non-default configs",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, adm *kadm.Client) (tabular, error) {
				return describeTopics(ctx, adm, args)
			})
		},
	}
}

func newTopicsAlterCmd(o *adminOptions) *cobra.Command {
	var (
		spec    alterTopicSpec
		configs []string
	)
	cmd := &cobra.Command{
		Use:   "alter NAME",
		Short: "Add partitions to a topic or change its configs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if spec.SetConfigs, err = parseConfigs(configs); err != nil {
				return err
			}
			if cmd.Flags().Changed("partitions") && spec.Partitions <= 0 {
				return errBadPartitions(spec.Partitions)
			}
			spec.Topic = args[0]
			return o.run(cmd, func(ctx context.Context, adm *kadm.Client) (tabular, error) {
				return alterTopic(ctx, adm, spec)
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&spec.Partitions, "partitions", 0, "new total number of partitions (may only grow)")
	f.StringArrayVar(&configs, "config", nil, "set topic config key=value (repeatable)")
	f.StringArrayVar(&spec.DeleteConfigs, "delete-config", nil, "remove a topic config override, back to its default (repeatable)")
	return cmd
}

func newTopicsDeleteCmd(o *adminOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME...",
		Short: "Delete topics",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, adm *kadm.Client) (tabular, error) {
				return deleteTopics(ctx, adm, args)
			})
		},
	}
}
