package postgres

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/broker"
	"github.com/sluicehq/sluice/record"
)

// TestSignalConfig: the kafka channel needs its bootstrap servers and the
// signal table (window markers), reported by property.
func TestSignalConfig(t *testing.T) {
	base := map[string]string{KeyHostname: "h", KeyUser: "u", KeyDBName: "d", KeyTopicPrefix: "srv"}
	for _, tc := range []struct {
		name  string
		extra map[string]string
		key   string // "": valid
		text  string
	}{
		{"default source", nil, "", ""},
		{"kafka", map[string]string{KeySignalChannels: "source,kafka", KeySignalKafkaServers: "b:9092", KeySignalTable: "public.s"}, "", ""},
		{"kafka without servers", map[string]string{KeySignalChannels: "kafka", KeySignalTable: "public.s"},
			KeySignalKafkaServers, "signal.kafka.bootstrap.servers: required when signal.enabled.channels includes kafka"},
		{"kafka without table", map[string]string{KeySignalChannels: "kafka", KeySignalKafkaServers: "b:9092"},
			KeySignalTable, "required when signal.enabled.channels includes kafka"},
		{"unknown channel", map[string]string{KeySignalChannels: "jmx"}, KeySignalChannels, "unknown signal channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := map[string]string{}
			for k, v := range base {
				cfg[k] = v
			}
			for k, v := range tc.extra {
				cfg[k] = v
			}
			c, err := parseConfig(cfg)
			if tc.key == "" {
				if err != nil {
					t.Fatal(err)
				}
				if ks := c.kafkaSignals; ks != nil && ks.topic != "srv-signal" {
					t.Errorf("signal topic %q, want srv-signal", ks.topic)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("parseConfig: %v, want %q", err, tc.text)
			}
			p := configDef().Validate(cfg)
			if len(p) == 0 {
				p = New().Validate(context.Background(), cfg) // cross-key checks
			}
			if !strings.Contains(strings.Join(p[tc.key], "; "), tc.text) {
				t.Errorf("problems %v, want %q under %s", p, tc.text, tc.key)
			}
		})
	}
}

func startSignalBroker(t *testing.T) string {
	t.Helper()
	b, err := broker.New(broker.Config{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NodeID: 1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return b.Addr()
}

// produceSignal writes one record to partition 0 of topic and returns its offset.
func produceSignal(t *testing.T, cl *kgo.Client, topic, key, value string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := &kgo.Record{Topic: topic, Partition: 0, Key: []byte(key), Value: []byte(value)}
	res := cl.ProduceSync(ctx, r)
	if err := res.FirstErr(); err != nil {
		t.Fatalf("produce signal: %v", err)
	}
	return res[0].Record.Offset
}

// TestKafkaSignal: an execute-snapshot record on the signal topic makes
// the task snapshot the table incrementally; records of other connectors
// are skipped; the signal's offset travels in the records' offsets, so
// after a restart from them the signal is not acted on again, while a
// later one is.
func TestKafkaSignal(t *testing.T) {
	const rows = 50
	addr := startSignalBroker(t)
	db := newTestDB(t)
	ctx := context.Background()
	db.incTables(rows)

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, -1, nil, "srv-signal"); err != nil {
		t.Fatal(err)
	}
	cfg := db.config(KeySnapshotMode, SnapshotNoData, KeySignalTable, "public.debezium_signal", KeyIncrementalChunk, "20",
		KeySignalChannels, "kafka", KeySignalKafkaServers, addr)
	tk := openTask(t, cfg, nil)

	exec := `{"type":"execute-snapshot","data":{"data-collections":["public.inc"],"type":"incremental"}}`
	produceSignal(t, cl, "srv-signal", "other", exec) // another connector's
	off := produceSignal(t, cl, "srv-signal", "srv", exec)
	// The source channel is off: a row in the table is not a signal.
	db.exec(`INSERT INTO debezium_signal VALUES ('x', 'execute-snapshot', '{"data-collections": ["public.inc"]}')`)

	var got []record.Record
	reads := map[int32]int{}
	waitFor(t, 30*time.Second, "the incremental snapshot reads every row", func() (bool, error) {
		recs, err := tk.Read(ctx)
		for _, r := range recs {
			got = append(got, r)
			if op, _, _ := envelope(t, r); op == "r" {
				reads[keyField(r, "id").(int32)]++
				if s, _ := r.SourceOffset[OffsetSignal].(int64); s != off {
					t.Fatalf("read record's %s = %v, want %d", OffsetSignal, r.SourceOffset[OffsetSignal], off)
				}
			}
		}
		return len(reads) == rows, err
	})
	for id, n := range reads {
		if n != 1 {
			t.Fatalf("row %d read %d times", id, n)
		}
	}
	got = append(got, readQuiet(t, tk, time.Second)...)
	total := 0
	for _, r := range got {
		if op, _, _ := envelope(t, r); op == "r" {
			total++
		}
	}
	if total != rows {
		t.Fatalf("%d reads of %d rows: the table's signal row or the other connector's record was acted on", total, rows)
	}
	committed := lastOffset(got)
	if err := tk.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// Restart from the committed offset: the signal is behind it.
	tk2 := openTask(t, cfg, committed)
	db.exec(`INSERT INTO inc VALUES ($1, 7)`, rows+1)
	after := readQuiet(t, tk2, 2*time.Second)
	if len(after) != 1 {
		t.Fatalf("after the restart %d records, want the one insert (the old signal must not run again)", len(after))
	}
	if op, _, _ := envelope(t, after[0]); op != "c" {
		t.Fatalf("after the restart op %q, want c", op)
	}
	if s := after[0].SourceOffset[OffsetSignal]; s != off {
		t.Fatalf("the insert's %s = %v, want %d (kept across the restart)", OffsetSignal, s, off)
	}

	// A new signal is acted on.
	off2 := produceSignal(t, cl, "srv-signal", "srv", exec)
	n := 0
	waitFor(t, 30*time.Second, "the second snapshot", func() (bool, error) {
		recs, err := tk2.Read(ctx)
		for _, r := range recs {
			if op, _, _ := envelope(t, r); op == "r" {
				n++
				if s := r.SourceOffset[OffsetSignal]; s != off2 {
					t.Fatalf("%s = %v, want %d", OffsetSignal, s, off2)
				}
			}
		}
		return n == rows+1, err
	})
}
