package plugins

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/dlq"
)

// TestThirdPartySinkErrantRecordsToDLQ: a sink plugin process reports the
// records its target rejects through the SDK's errant reporter; across the
// gRPC boundary they reach the worker, which sends them to the dead-letter
// queue with their context and commits past them, without failing a batch.
func TestThirdPartySinkErrantRecordsToDLQ(t *testing.T) {
	const total, every = 300, 30
	bootstrap := startBroker(t)
	cl := newClient(t, bootstrap)
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(context.Background(), 2, 1, nil, "amounts"); err != nil {
		t.Fatal(err)
	}
	var recs []*kgo.Record
	for i := range total {
		v := fmt.Sprint(i)
		if i%every == 5 {
			v = fmt.Sprintf("%q", fmt.Sprintf("oops-%d", i))
		}
		recs = append(recs, &kgo.Record{Topic: "amounts", Value: []byte(v)})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "amounts.txt")
	startWorker(t, bootstrap, nil, map[string]string{
		"name": "picky", "connector.class": "PickySink", "topics": "amounts", "file": out,
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "amounts-dlq",
		"errors.deadletterqueue.context.headers.enable": "true",
	})
	bad := total / every
	waitFor(t, "the good records in the file", 30*time.Second, func() bool { return lines(out) >= total-bad })
	waitFor(t, "the group to commit past every record", 30*time.Second, func() bool {
		offs, err := adm.FetchOffsets(context.Background(), "connect-picky")
		if err != nil {
			return false
		}
		var n int64
		offs.Each(func(o kadm.OffsetResponse) { n += o.At })
		return n == total
	})
	if n := lines(out); n != total-bad {
		t.Fatalf("file has %d lines, want %d", n, total-bad)
	}
	in, err := dlq.NewInspector([]string{bootstrap})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	entries, err := in.Show(context.Background(), "amounts-dlq", dlq.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != bad {
		t.Fatalf("DLQ holds %d records, want %d", len(entries), bad)
	}
	for _, e := range entries {
		c := e.Context
		if c.Stage != dlq.StageTaskPut || c.ClassName != "PickySink" || c.Connector != "picky" || c.Topic != "amounts" ||
			!strings.Contains(c.Message, "not an integer") || !strings.Contains(string(e.Record.Value), "oops-") {
			t.Errorf("DLQ entry %q: context %+v", e.Record.Value, c)
		}
	}
}
