package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/dlq"
)

// dlqLetters writes n dead letters of connector "sink" from topic "orders"
// to a new one-partition topic "orders-dlq", letter i with key ki, and
// creates "orders".
func dlqLetters(t *testing.T, bootstrap string, n int) {
	t.Helper()
	adminMustRun(t, newTopicsCmd, bootstrap, "create", "orders-dlq", "--partitions", "1")
	adminMustRun(t, newTopicsCmd, bootstrap, "create", "orders", "--partitions", "1")
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var rs []*kgo.Record
	for i := range n {
		ec := dlq.ErrorContext{Connector: "sink", Stage: dlq.StageValueConverter, Topic: "orders", Partition: 0, Offset: int64(i),
			Err: errors.New("bad value " + strconv.Itoa(i))}
		if i%2 == 1 {
			ec.Connector = "other"
		}
		rs = append(rs, &kgo.Record{Topic: "orders-dlq", Key: []byte("k" + strconv.Itoa(i)), Value: []byte{0xff, byte(i)}, Headers: dlq.Headers(ec)})
	}
	if err := cl.ProduceSync(t.Context(), rs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func endOffset(t *testing.T, bootstrap, topic string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	los, err := kadm.NewClient(cl).ListEndOffsets(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := los.Lookup(topic, 0)
	return o.Offset
}

func TestDLQCommand(t *testing.T) {
	bootstrap := startTestCluster(t)
	dlqLetters(t, bootstrap, 6)

	list := adminJSON[[]dlq.TopicSummary](t, newDLQCmd, bootstrap, "list")
	if len(list) != 1 || list[0].Topic != "orders-dlq" || list[0].Records != 6 || list[0].ByConnector["sink"] != 3 {
		t.Errorf("dlq list: %+v", list)
	}
	out := adminMustRun(t, newDLQCmd, bootstrap, "list", "--max-scan", "2")
	if !strings.Contains(out, "orders-dlq") || !strings.Contains(out, "(capped)") || !strings.Contains(out, "first 2 of up to 6") {
		t.Errorf("dlq list table:\n%s", out)
	}

	es := adminJSON[[]dlq.Entry](t, newDLQCmd, bootstrap, "show", "orders-dlq", "--connector", "other", "--limit", "2")
	if len(es) != 2 || es[0].Offset != 1 || es[1].Offset != 3 || es[0].Context.Message != "bad value 1" || es[0].Value.Encoding != "base64" {
		t.Errorf("dlq show json: %+v", es)
	}
	out = adminMustRun(t, newDLQCmd, bootstrap, "show", "orders-dlq", "--message-regexp", "value [45]")
	if !strings.Contains(out, "orders/0@4") || !strings.Contains(out, "0xff05") || strings.Contains(out, "orders/0@3") {
		t.Errorf("dlq show table:\n%s", out)
	}
	adminWantErr(t, newDLQCmd, bootstrap, []string{"show", "orders-dlq", "--from", "soon"}, "--from")
	adminWantErr(t, newDLQCmd, bootstrap, []string{"show", "nope"}, `"nope"`)

	// Dry run, then the real thing (twice), then the rest with a purge.
	out = adminMustRun(t, newDLQCmd, bootstrap, "replay", "orders-dlq", "--dry-run", "--connector", "sink")
	if !strings.Contains(out, "would replay 3") || endOffset(t, bootstrap, "orders") != 0 {
		t.Errorf("dry run:\n%s", out)
	}
	for range 2 {
		adminMustRun(t, newDLQCmd, bootstrap, "replay", "orders-dlq", "--connector", "sink", "--name", "sink-only", "-q")
	}
	if n := endOffset(t, bootstrap, "orders"); n == 0 {
		t.Error("nothing replayed")
	}
	res := adminJSON[dlq.ReplayResult](t, newDLQCmd, bootstrap, "replay", "orders-dlq", "--purge", "-q", "--rate", "1000")
	if res.Replayed != 6 || !res.Purged || res.Partitions[0].LogStart != 6 {
		t.Errorf("replay with purge: %+v", res)
	}
	adminWantErr(t, newDLQCmd, bootstrap, []string{"replay", "orders-dlq", "--name", "x", "--to", "missing"}, `"missing"`, "--create-topic")
	noFixer := func() *cobra.Command { return newDLQCmdWith(dlqCmdOptions{}) }
	adminWantErr(t, noFixer, bootstrap, []string{"replay", "orders-dlq", "--transforms", "f.properties"}, "not available")

	// With a fix-up loader, --transforms goes through it.
	var loaded string
	withFixer := func() *cobra.Command {
		return newDLQCmdWith(dlqCmdOptions{LoadFixer: func(path string) (dlq.Fixer, error) {
			loaded = path
			return func(r *kgo.Record) (*kgo.Record, bool, error) { return r, true, nil }, nil
		}})
	}
	adminMustRun(t, withFixer, bootstrap, "replay", "orders-dlq", "--transforms", "f.properties", "--dry-run")
	if loaded != "f.properties" {
		t.Errorf("LoadFixer got %q", loaded)
	}
}

// --transforms FILE applies a transform chain to the replayed records, and
// a bad file is refused naming the property.
func TestDLQReplayWithTransformsFile(t *testing.T) {
	bootstrap := startTestCluster(t)
	dlqLetters(t, bootstrap, 4)
	dir := t.TempDir()
	good := filepath.Join(dir, "fix.properties")
	if err := os.WriteFile(good, []byte("transforms=tag\ntransforms.tag.type=InsertHeader\ntransforms.tag.header=replayed\ntransforms.tag.value.literal=yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.properties")
	if err := os.WriteFile(bad, []byte("transforms=x\ntransforms.x.type=NoSuchTransform\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	adminWantErr(t, newDLQCmd, bootstrap, []string{"replay", "orders-dlq", "--transforms", bad}, "transforms.x.type", "NoSuchTransform")
	res := adminJSON[dlq.ReplayResult](t, newDLQCmd, bootstrap, "replay", "orders-dlq", "--transforms", good, "-q")
	if res.Replayed != 4 {
		t.Fatalf("replay: %+v", res)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []*kgo.Record
	for len(got) < 4 {
		f := cl.PollFetches(t.Context())
		if err := f.Err0(); err != nil {
			t.Fatal(err)
		}
		got = append(got, f.Records()...)
	}
	for _, r := range got {
		if len(r.Headers) != 1 || r.Headers[0].Key != "replayed" || string(r.Headers[0].Value) != "yes" {
			t.Errorf("replayed record %q headers %v: want only replayed=yes (context headers stripped)", r.Key, r.Headers)
		}
	}
}

// The command is on the root command, with help.
func TestDLQCommandHelp(t *testing.T) {
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"dlq", "replay", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sluice-dlq-replay-NAME", "--dry-run", "--create-topic", "--transforms", "--rate"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help does not mention %s", want)
		}
	}
}
