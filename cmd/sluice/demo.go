package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/broker"
)

// newDemoCmd runs the broker with a demo producer and consumer, so that
// `make run` shows data moving until the worker runtime exists.
func newDemoCmd() *cobra.Command {
	var (
		cfg  broker.Config
		rate int
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the broker with a demo producer and consumer that print progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger("warn")
			if err != nil {
				return err
			}
			cfg.Logger = logger
			cfg.Configs = map[string]string{"group.initial.rebalance.delay.ms": "0"}
			b, err := broker.New(cfg)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			served := make(chan error, 1)
			go func() { served <- b.Serve(ctx) }()
			fmt.Printf("sluice broker listening on %s (data in %s); Ctrl-C stops\n", b.Addr(), cfg.DataDir)
			demoErr := runDemo(ctx, b.Addr(), rate)
			cancel()
			if err := <-served; err != nil {
				return err
			}
			if errors.Is(demoErr, context.Canceled) {
				return nil
			}
			return demoErr
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", envOr("SLUICE_DATA_DIR", "./data"), "data directory")
	f.StringVar(&cfg.Listen, "listen", envOr("SLUICE_LISTEN", "127.0.0.1:9092"), "host:port of the Kafka listener")
	f.IntVar(&rate, "rate", 1000, "records per second the demo producer writes")
	return cmd
}

func runDemo(ctx context.Context, addr string, rate int) error {
	const topic, groupID = "sluice-demo", "sluice-demo-consumer"
	admin, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = kadm.NewClient(admin).CreateTopic(ctx, 3, 1, nil, topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create demo topic: %w", err)
	}

	prod, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return err
	}
	defer prod.Close()
	cons, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup(groupID), kgo.ConsumeTopics(topic))
	if err != nil {
		return err
	}
	defer cons.Close()

	var produced, consumed atomic.Int64
	go func() {
		for ctx.Err() == nil {
			fetches := cons.PollFetches(ctx)
			consumed.Add(int64(fetches.NumRecords()))
		}
	}()
	tick := time.NewTicker(time.Second / time.Duration(max(1, rate/100)))
	defer tick.Stop()
	report := time.NewTicker(2 * time.Second)
	defer report.Stop()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-report.C:
			fmt.Printf("demo: produced %d records, consumed %d (group %s on topic %s)\n", produced.Load(), consumed.Load(), groupID, topic)
		case <-tick.C:
			for range min(rate, 100) {
				n++
				prod.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(n % 50)), Value: []byte("event " + strconv.Itoa(n))},
					func(_ *kgo.Record, err error) {
						if err == nil {
							produced.Add(1)
						}
					})
			}
		}
	}
}
