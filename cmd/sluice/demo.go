package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/api/client"
	"github.com/sluicehq/sluice/broker"
)

// newDemoCmd runs the all-in-one server (bundled broker, a distributed
// worker and the REST API) and creates a demo pipeline over REST,
// DatagenSource → broker → FileStreamSink, then prints progress, so that
// `make run` shows data moving.
func newDemoCmd() *cobra.Command {
	var (
		cfg  broker.Config
		rest string
		rate int
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the all-in-one server with a demo pipeline (DatagenSource → broker → FileStreamSink) that prints progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger("warn")
			if err != nil {
				return err
			}
			cfg.Logger = logger
			b, err := broker.New(cfg)
			if err != nil {
				return err
			}
			// The broker outlives the worker, so the worker's last commits
			// on Ctrl-C reach it.
			brokerCtx, stopBroker := context.WithCancel(context.Background())
			defer stopBroker()
			served := make(chan error, 1)
			go func() { served <- b.Serve(brokerCtx) }()
			ctx := cmd.Context()

			dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "demo"))
			if err == nil {
				err = os.MkdirAll(dir, 0o755)
			}
			if err != nil {
				stopBroker()
				<-served
				return err
			}
			sinkFile := filepath.Join(dir, "users.jsonl")
			wf := workerFlags{bootstrap: b.Addr(), groupID: "sluice-demo", rest: rest}
			props, err := wf.workerProps("")
			if err != nil {
				return err
			}
			ready := make(chan string, 1)
			worked := make(chan error, 1)
			go func() { worked <- runWorker(ctx, props, logger, ready) }()
			var runErr error
			select {
			case addr := <-ready:
				fmt.Printf("sluice: broker on %s, REST API on http://%s (data in %s)\n", b.Addr(), addr, cfg.DataDir)
				if err := createDemoPipeline(ctx, "http://"+addr, rate, sinkFile); err != nil {
					fmt.Fprintln(os.Stderr, "demo:", err)
				} else {
					fmt.Printf("demo pipeline: DatagenSource -> topic demo-users -> FileStreamSink -> %s; try: sluice connectors list --rest http://%s; Ctrl-C stops\n", sinkFile, addr)
					go reportDemo(ctx, b.Addr(), sinkFile)
				}
				runErr = <-worked
			case runErr = <-worked:
			}
			stopBroker()
			if err := <-served; err != nil {
				return err
			}
			if errors.Is(runErr, context.Canceled) {
				return nil
			}
			return runErr
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", envOr("SLUICE_DATA_DIR", "./data"), "data directory")
	f.StringVar(&cfg.Listen, "listen", envOr("SLUICE_LISTEN", "127.0.0.1:9092"), "host:port of the Kafka listener")
	f.StringVar(&rest, "rest", envOr("SLUICE_REST_LISTEN", "127.0.0.1:8083"), "host:port of the REST API")
	f.IntVar(&rate, "rate", 1000, "records per second the demo source generates")
	return cmd
}

// createDemoPipeline creates (or updates) the demo connectors over REST.
func createDemoPipeline(ctx context.Context, restURL string, rate int, sinkFile string) error {
	c := client.New(restURL)
	for name, conf := range map[string]map[string]string{
		"demo-datagen": {
			"connector.class": "DatagenSource", "tasks.max": "1", "topic": "demo-users", "schema": "users",
			"records.per.second": strconv.Itoa(rate), "key.cardinality": "100",
			"key.converter": "org.apache.kafka.connect.storage.StringConverter",
		},
		"demo-file-sink": {
			"connector.class": "FileStreamSink", "tasks.max": "1", "topics": "demo-users", "file": sinkFile,
			"key.converter": "org.apache.kafka.connect.storage.StringConverter",
		},
	} {
		// The worker answers 409 until it has joined its group and knows
		// the leader: retry for a while.
		deadline := time.Now().Add(60 * time.Second)
		for {
			_, _, err := c.PutConnectorConfig(ctx, name, conf)
			if err == nil {
				break
			}
			var ce *client.Error
			if !errors.As(err, &ce) || ce.StatusCode != http.StatusConflict || time.Now().After(deadline) {
				return fmt.Errorf("create connector %s: %w", name, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

// reportDemo prints, every two seconds, how many records the topic holds
// and how many lines the sink wrote.
func reportDemo(ctx context.Context, bootstrap, sinkFile string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var inTopic int64
		if ends, err := adm.ListEndOffsets(ctx, "demo-users"); err == nil {
			ends.Each(func(o kadm.ListedOffset) { inTopic += o.Offset })
		}
		lines := 0
		if data, err := os.ReadFile(sinkFile); err == nil {
			lines = bytes.Count(data, []byte("\n"))
		}
		fmt.Printf("demo: %d records in topic demo-users, %d written by FileStreamSink to %s\n", inTopic, lines, sinkFile)
	}
}
