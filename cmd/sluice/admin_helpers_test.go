package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
)

// adminRun executes a fresh command tree from newCmd (newTopicsCmd or
// newGroupsCmd) against bootstrap, as the binary would, and returns what
// it wrote to its output.
func adminRun(t *testing.T, newCmd func() *cobra.Command, bootstrap string, args ...string) (string, error) {
	t.Helper()
	cmd := newCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if bootstrap != "" {
		args = append(args, "--bootstrap", bootstrap)
	}
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

// adminMustRun is adminRun that fails the test on error.
func adminMustRun(t *testing.T, newCmd func() *cobra.Command, bootstrap string, args ...string) string {
	t.Helper()
	out, err := adminRun(t, newCmd, bootstrap, args...)
	if err != nil {
		t.Fatalf("%s: %v\noutput:\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// adminJSON runs the command with -o json and decodes its output into T.
func adminJSON[T any](t *testing.T, newCmd func() *cobra.Command, bootstrap string, args ...string) T {
	t.Helper()
	out := adminMustRun(t, newCmd, bootstrap, append(args, "-o", "json")...)
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%s: output is not the expected JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// adminWantErr runs the command, expects it to fail, and checks that the error
// contains every one of wants.
func adminWantErr(t *testing.T, newCmd func() *cobra.Command, bootstrap string, args []string, wants ...string) {
	t.Helper()
	out, err := adminRun(t, newCmd, bootstrap, args...)
	if err == nil {
		t.Fatalf("%s: succeeded, want an error containing %q\noutput:\n%s", strings.Join(args, " "), wants, out)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not contain %q", strings.Join(args, " "), err, w)
		}
	}
}

// adminProduce writes n records to topic's partition p and waits for the acks.
func adminProduce(t *testing.T, bootstrap, topic string, p int32, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(bootstrap, ",")...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rs := make([]*kgo.Record, n)
	for i := range rs {
		// Keyed: some test topics are compacted, and Kafka refuses keyless
		// records there.
		rs[i] = &kgo.Record{Topic: topic, Partition: p, Key: []byte(strconv.Itoa(i)), Value: []byte("v")}
	}
	if err := cl.ProduceSync(t.Context(), rs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s/%d: %v", topic, p, err)
	}
}
