package main

// The admin commands (`sluice topics …`, `sluice groups …`) speak only the
// Kafka protocol through franz-go's kadm, so they work against the bundled
// broker and against any Kafka or Redpanda cluster alike.
//
// Layout: the cobra commands in topics.go and groups.go parse flags and
// nothing else; admin_topics.go, admin_groups.go and admin_reset.go hold the
// logic as functions of a *kadm.Client that return plain result values;
// admin_output.go renders those values as a table or as JSON on an io.Writer.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

const defaultBootstrap = "127.0.0.1:9092"

// adminOptions are the persistent flags shared by `topics` and `groups`.
type adminOptions struct {
	bootstrap string
	output    string
	timeout   time.Duration
}

// register adds the persistent admin flags to cmd.
func (o *adminOptions) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&o.bootstrap, "bootstrap", envOr("SLUICE_BOOTSTRAP", defaultBootstrap),
		"comma-separated HOST:PORT list of brokers to bootstrap from (env SLUICE_BOOTSTRAP)")
	f.StringVarP(&o.output, "output", "o", formatTable, "output format: table or json")
	f.DurationVar(&o.timeout, "timeout", 10*time.Second, "give up on the cluster after this long")
}

// run validates the options, connects, and calls fn with a client whose
// context ends after --timeout. fn's result, when non-nil, is written to the
// command's output even if fn also returns an error (a partial success, such
// as deleting three topics of which one does not exist, is reported in full).
func (o *adminOptions) run(cmd *cobra.Command, fn func(ctx context.Context, adm *kadm.Client) (tabular, error)) error {
	if err := checkFormat(o.output); err != nil {
		return err
	}
	seeds, err := parseBootstrap(o.bootstrap)
	if err != nil {
		return err
	}
	if o.timeout <= 0 {
		return fmt.Errorf("bad --timeout %s: must be positive", o.timeout)
	}
	// kgo does not cut a connection's setup (dial, ApiVersions) short when
	// the request's context ends, so bound those by --timeout as well.
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(seeds...),
		kgo.ClientID("sluice-admin"),
		kgo.DialTimeout(o.timeout),
		kgo.RequestTimeoutOverhead(o.timeout),
	)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", o.bootstrap, err)
	}
	adm := kadm.NewClient(cl)
	defer adm.Close()
	adm.SetTimeoutMillis(int32(min(o.timeout.Milliseconds(), math.MaxInt32)))

	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	res, err := fn(ctx, adm)
	if res != nil {
		if werr := writeOutput(cmd.OutOrStdout(), o.output, res); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer from %s within %s (is a broker running there?): %w", o.bootstrap, o.timeout, err)
	}
	return err
}

// parseBootstrap splits a comma-separated HOST:PORT list.
func parseBootstrap(s string) ([]string, error) {
	var seeds []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(part); err != nil {
			return nil, fmt.Errorf("bad --bootstrap %q: expected HOST:PORT", part)
		}
		seeds = append(seeds, part)
	}
	if len(seeds) == 0 {
		return nil, fmt.Errorf("bad --bootstrap %q: expected HOST:PORT[,HOST:PORT]", s)
	}
	return seeds, nil
}

// parseConfigs turns repeated --config k=v flags into the map kadm takes.
func parseConfigs(kvs []string) (map[string]*string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	configs := make(map[string]*string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("bad --config %q: expected key=value", kv)
		}
		if _, dup := configs[k]; dup {
			return nil, fmt.Errorf("bad --config %q: %s is given twice", kv, k)
		}
		configs[k] = kadm.StringPtr(v)
	}
	return configs, nil
}

// brokerError adds the broker's free-text message, when it sent one, to a
// kerr error, whose own text already starts with the error code's name
// (for example "TOPIC_ALREADY_EXISTS: The topic has already been created.").
func brokerError(err error, msg string) error {
	if err == nil || msg == "" || strings.Contains(err.Error(), msg) {
		return err
	}
	return fmt.Errorf("%w (broker says: %s)", err, msg)
}

// topicError names the topic an error is about, and says "unknown topic"
// plainly when that is the error.
func topicError(verb, topic string, err error) error {
	if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) {
		return fmt.Errorf("%s: unknown topic %q: %w", verb, topic, err)
	}
	return fmt.Errorf("%s %q: %w", verb, topic, err)
}

func errBadPartitions(n int) error {
	return fmt.Errorf("bad --partitions %d: must be a positive total partition count", n)
}
