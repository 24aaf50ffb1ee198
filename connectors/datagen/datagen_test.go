package datagen

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  map[string]string
		bad  string // the property the problem must name; "" = valid
	}{
		{"minimal", map[string]string{"topic": "t"}, ""},
		{"all", map[string]string{"topic": "t", "records.per.second": "2.5", "key.cardinality": "0", "schema": "bytes1k", "count": "10", "seed": "-3", "batch.size": "5"}, ""},
		{"no topic", map[string]string{}, "topic"},
		{"negative rate", map[string]string{"topic": "t", "records.per.second": "-1"}, "records.per.second"},
		{"word rate", map[string]string{"topic": "t", "records.per.second": "fast"}, "records.per.second"},
		{"NaN rate", map[string]string{"topic": "t", "records.per.second": "NaN"}, "records.per.second"},
		{"unknown schema", map[string]string{"topic": "t", "schema": "customers"}, "schema"},
		{"negative cardinality", map[string]string{"topic": "t", "key.cardinality": "-2"}, "key.cardinality"},
		{"negative count", map[string]string{"topic": "t", "count": "-1"}, "count"},
		{"fractional count", map[string]string{"topic": "t", "count": "1.5"}, "count"},
		{"zero batch", map[string]string{"topic": "t", "batch.size": "0"}, "batch.size"},
		{"word seed", map[string]string{"topic": "t", "seed": "x"}, "seed"},
		{"bad task index", map[string]string{"topic": "t", "task.index": "-1"}, "task.index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig(tc.cfg)
			if tc.bad == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, sdk.ErrFatal) || !strings.Contains(err.Error(), tc.bad) {
				t.Fatalf("parseConfig: %v, want a fatal error naming %q", err, tc.bad)
			}
			if tc.bad != KeyTaskIndex {
				if p := configDef().Validate(tc.cfg); len(p[tc.bad]) == 0 {
					t.Fatalf("ConfigDef problems %v do not name %q", p, tc.bad)
				}
			}
		})
	}
}

func TestTaskConfigsSplit(t *testing.T) {
	ctx := context.Background()
	tasks, err := New().TaskConfigs(ctx, map[string]string{"topic": "t", "count": "10", "records.per.second": "300"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var counts []string
	for i, tc := range tasks {
		if tc[KeyTaskIndex] != strconv.Itoa(i) || tc[KeyRate] != "100" {
			t.Fatalf("task %d: %v", i, tc)
		}
		counts = append(counts, tc[KeyCount])
	}
	if fmt.Sprint(counts) != "[4 3 3]" {
		t.Fatalf("counts %v, want [4 3 3]", counts)
	}
	tasks, err = New().TaskConfigs(ctx, map[string]string{"topic": "t", "count": "2"}, 5)
	if err != nil || len(tasks) != 2 {
		t.Fatalf("count 2 over 5 tasks: %d tasks, %v; want 2", len(tasks), err)
	}
	tasks, err = New().TaskConfigs(ctx, map[string]string{"topic": "t"}, 4)
	if err != nil || len(tasks) != 4 || tasks[3][KeyCount] != "" {
		t.Fatalf("unbounded over 4 tasks: %v, %v", tasks, err)
	}
}

func openTask(t *testing.T, cfg map[string]string, committed ...sdk.SourceOffset) *task {
	t.Helper()
	c := map[string]string{"topic": "gen"}
	for k, v := range cfg {
		c[k] = v
	}
	task := newTask()
	if err := task.Configure(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if err := task.Open(context.Background(), committed); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { task.Stop(context.Background()) })
	return task
}

func readN(t *testing.T, task *task, n int) []record.Record {
	t.Helper()
	var out []record.Record
	for len(out) < n {
		recs, err := task.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recs...)
	}
	return out
}

func TestEveryRecordIsValidAndWellKeyed(t *testing.T) {
	for _, schema := range schemaNames() {
		t.Run(schema, func(t *testing.T) {
			task := openTask(t, map[string]string{"schema": schema, "key.cardinality": "7", "task.index": "3"})
			for i, r := range readN(t, task, 3000) {
				if err := r.Validate(); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				n, err := strconv.Atoi(strings.TrimPrefix(r.Key.(string), "key-"))
				if err != nil || n < 0 || n >= 7 {
					t.Fatalf("record %d: key %v outside key-0 … key-6", i, r.Key)
				}
				if r.SourcePartition[PartitionTask] != int64(3) || r.SourceOffset[OffsetSeq] != int64(i+1) {
					t.Fatalf("record %d: partition %v offset %v", i, r.SourcePartition, r.SourceOffset)
				}
			}
		})
	}
	recs := readN(t, openTask(t, map[string]string{"key.cardinality": "0", "schema": "bytes100"}), 1)
	if recs[0].Key != nil || recs[0].KeySchema != nil {
		t.Fatalf("key.cardinality 0: key %v schema %v, want null", recs[0].Key, recs[0].KeySchema)
	}
	if p := recs[0].Value.(*record.Struct).Get("payload").([]byte); len(p)+16 != 100 {
		t.Fatalf("bytes100 payload %d B", len(p))
	}
	big := readN(t, openTask(t, map[string]string{"key.cardinality": "1000000000"}), 1000)
	if k := big[0].Key.(string); !strings.HasPrefix(k, "key-") {
		t.Fatalf("key %q", k)
	}
}

func sameRecords(t *testing.T, a, b []record.Record) {
	t.Helper()
	for i := range min(len(a), len(b)) {
		if !record.ValuesEqual(a[i].Key, b[i].Key) || !record.ValuesEqual(a[i].Value, b[i].Value) {
			t.Fatalf("record %d differs: %v %v / %v %v", i, a[i].Key, a[i].Value, b[i].Key, b[i].Value)
		}
	}
}

func TestDeterminism(t *testing.T) {
	for _, schema := range schemaNames() {
		t.Run(schema, func(t *testing.T) {
			cfg := map[string]string{"schema": schema, "seed": "42", "batch.size": "100"}
			all := readN(t, openTask(t, cfg), 1000)
			sameRecords(t, all, readN(t, openTask(t, cfg), 1000))
			// A restart from a committed offset, as it comes back over JSON,
			// regenerates the records after it.
			resumed := openTask(t, cfg,
				sdk.SourceOffset{Partition: map[string]any{PartitionTask: int64(1)}, Offset: map[string]any{OffsetSeq: int64(5)}},
				sdk.SourceOffset{Partition: map[string]any{PartitionTask: float64(0)}, Offset: map[string]any{OffsetSeq: float64(517)}})
			again := readN(t, resumed, 100)
			if again[0].SourceOffset[OffsetSeq] != int64(518) {
				t.Fatalf("resumed at %v, want seq 518", again[0].SourceOffset)
			}
			sameRecords(t, all[517:617], again)
			// Another seed, another stream.
			other := readN(t, openTask(t, map[string]string{"schema": schema, "seed": "43"}), 10)
			differ := false
			for i := range other {
				differ = differ || !record.ValuesEqual(other[i].Value, all[i].Value)
			}
			if !differ {
				t.Fatal("seed 43 generated the records of seed 42")
			}
		})
	}
}

func TestCountThenIdle(t *testing.T) {
	task := openTask(t, map[string]string{"count": "250", "batch.size": "100"})
	var sizes []int
	for range 3 {
		recs, err := task.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(recs))
	}
	if fmt.Sprint(sizes) != "[100 100 50]" {
		t.Fatalf("batches %v, want [100 100 50]", sizes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	recs, err := task.Read(ctx)
	if len(recs) != 0 || err != nil {
		t.Fatalf("Read after count: %d records, %v", len(recs), err)
	}
	if d := time.Since(start); d > idleWait/2 {
		t.Fatalf("Read ignored its cancelled ctx for %v", d)
	}
}

func TestRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		task := openTask(t, map[string]string{"records.per.second": "200", "batch.size": "1000"})
		ctx := context.Background()
		start := time.Now()
		total := 0
		for time.Since(start) < 10*time.Second {
			recs, err := task.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			total += len(recs)
		}
		if total < 1990 || total > 2001 {
			t.Fatalf("%d records in 10s at 200/s", total)
		}
		// A stalled pipeline is not paid back in a burst.
		time.Sleep(time.Minute)
		recs, err := task.Read(ctx)
		if err != nil || len(recs) > 201 {
			t.Fatalf("after a minute's stall: %d records, %v; want at most a second's worth", len(recs), err)
		}
	})
}
