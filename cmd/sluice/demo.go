package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/broker"
)

// newDemoCmd runs the bundled broker and a standalone worker with a demo
// pipeline, DatagenSource → broker → FileStreamSink, and prints progress,
// so that `make run` shows data moving.
func newDemoCmd() *cobra.Command {
	var (
		cfg  broker.Config
		rate int
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the broker and a demo pipeline (DatagenSource → broker → FileStreamSink) that prints progress",
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
			// The broker outlives the worker, so the worker's last commits
			// on Ctrl-C reach it.
			brokerCtx, stopBroker := context.WithCancel(context.Background())
			defer stopBroker()
			served := make(chan error, 1)
			go func() { served <- b.Serve(brokerCtx) }()
			ctx := cmd.Context()

			dir := filepath.Join(cfg.DataDir, "demo")
			files, sinkFile, err := writeDemoConfigs(dir, b.Addr(), rate)
			if err != nil {
				stopBroker()
				<-served
				return err
			}
			fmt.Printf("sluice broker on %s (data in %s)\n", b.Addr(), cfg.DataDir)
			fmt.Printf("demo pipeline: DatagenSource -> topic demo-users -> FileStreamSink -> %s; Ctrl-C stops\n", sinkFile)
			go reportDemo(ctx, b.Addr(), sinkFile)
			runErr := runStandalone(ctx, files[0], files[1:], logger, discoverPlugins)
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
	f.IntVar(&rate, "rate", 1000, "records per second the demo source generates")
	return cmd
}

// writeDemoConfigs writes the worker and connector properties files of the
// demo pipeline and returns their paths (worker first) and the sink file.
func writeDemoConfigs(dir, bootstrap string, rate int) ([]string, string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	sink := filepath.Join(dir, "users.jsonl")
	files := map[string]string{
		"worker.properties": fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=1000
`, bootstrap, filepath.Join(dir, "offsets.json")),
		"datagen.properties": fmt.Sprintf(`name=demo-datagen
connector.class=DatagenSource
tasks.max=1
topic=demo-users
schema=users
records.per.second=%d
key.cardinality=100
`, rate),
		"file-sink.properties": fmt.Sprintf(`name=demo-file-sink
connector.class=FileStreamSink
tasks.max=1
topics=demo-users
file=%s
`, sink),
	}
	var paths []string
	for _, name := range []string{"worker.properties", "datagen.properties", "file-sink.properties"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return nil, "", err
		}
		paths = append(paths, p)
	}
	return paths, sink, nil
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
