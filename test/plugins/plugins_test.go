package plugins

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSourcePluginKilledMidStream SIGKILLs the DatagenSource plugin process
// while it streams; the worker restarts it from the committed source
// offset. Every record (identified by its seq field) must reach the topic;
// duplicates may only come from the window that was not committed yet.
func TestSourcePluginKilledMidStream(t *testing.T) {
	const total = 40000
	bootstrap := startBroker(t)
	adm := kadm.NewClient(newClient(t, bootstrap))
	startWorker(t, bootstrap, nil, map[string]string{
		"name":               "gen",
		"connector.class":    "DatagenSource",
		"topic":              "generated",
		"schema":             "bytes100",
		"count":              strconv.Itoa(total),
		"records.per.second": "5000",
		"batch.size":         "200",
	})

	waitFor(t, "the first records", 30*time.Second, func() bool { return endOffsets(t, adm, "generated") > total/4 })
	pid := pluginPID(t, "plugin", "serve", "DatagenSource")
	if pid == 0 {
		t.Fatal("no DatagenSource plugin process found")
	}
	before := endOffsets(t, adm, "generated")
	kill(t, pid)
	if before >= total {
		t.Fatalf("the plugin was killed after it had delivered everything (%d records): not mid-stream", before)
	}
	waitFor(t, "a new DatagenSource plugin process", 30*time.Second, func() bool {
		p := pluginPID(t, "plugin", "serve", "DatagenSource")
		return p != 0 && p != pid
	})
	waitFor(t, "every record", 60*time.Second, func() bool { return endOffsets(t, adm, "generated") >= total })

	seen := make(map[int64]int, total)
	cons := newClient(t, bootstrap, kgo.ConsumeTopics("generated"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	end := endOffsets(t, adm, "generated")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for read := int64(0); read < end; {
		fs := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records back: %v", read, end, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			read++
			var v struct{ Seq int64 }
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatalf("record at offset %d: %v: %s", r.Offset, err, r.Value)
			}
			seen[v.Seq]++
		})
	}
	var missing, dups int
	for seq := int64(0); seq < total; seq++ {
		switch n := seen[seq]; {
		case n == 0:
			missing++
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("source plugin killed at ~%d records in the topic; %d records in the topic for %d generated: %d duplicates from the uncommitted window", before, end, total, dups)
	if missing > 0 || len(seen) != total {
		t.Fatalf("%d records missing after the plugin was killed and restarted (%d distinct seen)", missing, len(seen))
	}
}

// TestSinkPluginKilledMidStream SIGKILLs the FileStreamSink plugin process
// while it writes; the worker restarts it from the group's committed
// offsets (committed only after Flush). Every record must land in the file.
func TestSinkPluginKilledMidStream(t *testing.T) {
	const total = 60000
	bootstrap := startBroker(t)
	cl := newClient(t, bootstrap, kgo.DefaultProduceTopic("numbers"), kgo.ProducerLinger(5*time.Millisecond))
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(context.Background(), 3, 1, nil, "numbers"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < total; i++ {
		cl.Produce(ctx, &kgo.Record{Value: []byte(strconv.Quote(strconv.Itoa(i)))}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Errorf("produce: %v", err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "numbers.txt")
	startWorker(t, bootstrap, map[string]string{"consumer.max.poll.records": "500"}, map[string]string{
		"name":            "tofile",
		"connector.class": "FileStreamSink",
		"topics":          "numbers",
		"file":            out,
	})
	waitFor(t, "the sink to write", 30*time.Second, func() bool { return lines(out) > total/10 })
	pid := pluginPID(t, "plugin", "serve", "FileStreamSink")
	if pid == 0 {
		t.Fatal("no FileStreamSink plugin process found")
	}
	kill(t, pid)
	at := lines(out)
	waitFor(t, "every record in the file", 90*time.Second, func() bool { return distinct(t, out) == total })
	n := lines(out)
	t.Logf("sink plugin killed with %d lines written; the file holds %d lines for %d records: %d duplicates from the unflushed window", at, n, total, n-total)
}

func lines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n := 0
	for _, b := range data {
		if b == '\n' {
			n++
		}
	}
	return n
}

// distinct counts the different numbers in the file; a line that is not
// one of the produced numbers fails the test.
func distinct(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	seen := map[int]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("line %q in the sink file is not a produced record", sc.Text())
		}
		seen[n] = true
	}
	return len(seen)
}

// TestThirdPartyPluginOnPluginPath runs a connector built in its own module
// against the public SDK only (test/thirdparty), found on plugin.path as
// sluice-connector-counter.
func TestThirdPartyPluginOnPluginPath(t *testing.T) {
	const count = 1000
	bootstrap := startBroker(t)
	adm := kadm.NewClient(newClient(t, bootstrap))
	startWorker(t, bootstrap, nil, map[string]string{
		"name":            "counter",
		"connector.class": "CounterSource",
		"topic":           "counted",
		"count":           strconv.Itoa(count),
	})
	waitFor(t, "the counter's records", 30*time.Second, func() bool { return endOffsets(t, adm, "counted") >= count })
	cons := newClient(t, bootstrap, kgo.ConsumeTopics("counted"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for len(seen) < count {
		fs := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records: %v", len(seen), count, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) { seen[string(r.Value)] = true })
	}
	for i := 0; i < count; i++ {
		if want := strconv.Quote(strconv.Itoa(i)); !seen[want] {
			t.Fatalf("record %s missing", want)
		}
	}
	if n := endOffsets(t, adm, "counted"); n != count {
		t.Fatalf("%d records in the topic, want exactly %d", n, count)
	}
}
