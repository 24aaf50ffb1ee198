package broker

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestMetricsEndpoint(t *testing.T) {
	b, err := New(Config{
		DataDir:       t.TempDir(),
		Listen:        "127.0.0.1:0",
		MetricsListen: "127.0.0.1:0",
		NodeID:        1,
		Configs:       map[string]string{"group.initial.rebalance.delay.ms": "0"},
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	cl := newClient(t, b.Addr(), kgo.DefaultProduceTopic("metered"), kgo.ConsumerGroup("meter-group"),
		kgo.ConsumeTopics("metered"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	createTopic(t, cl, "metered", 1, nil)
	for i := 0; i < 10; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	for got < 10 {
		fs := cl.PollFetches(ctx)
		got += fs.NumRecords()
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	// Lag: three more records the group has not consumed.
	for i := 0; i < 3; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("y")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kadm.NewClient(cl).ListGroups(ctx); err != nil {
		t.Fatal(err)
	}

	resp, err := http.Get("http://" + b.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	text := string(body)
	for _, want := range []string{
		`sluice_broker_records_in_total{topic="metered"} 13`,
		`sluice_broker_log_end_offset{partition="0",topic="metered"} 13`,
		`sluice_broker_group_lag{group="meter-group",partition="0",topic="metered"} 3`,
		`sluice_broker_groups 1`,
		`sluice_broker_connections `,
		`sluice_broker_request_duration_seconds_bucket{api="Produce"`,
		`sluice_broker_log_size_bytes{partition="0",topic="metered"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The consumer may have fetched the last three records too.
	m := regexp.MustCompile(`sluice_broker_records_out_total\{topic="metered"\} (\d+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("/metrics lacks sluice_broker_records_out_total for the topic")
	}
	if n, _ := strconv.Atoi(m[1]); n < 10 || n > 13 {
		t.Errorf("records out = %d, want 10..13", n)
	}
}
