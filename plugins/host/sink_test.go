package host_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/record"

	"github.com/sluicehq/sluice/plugins/sdk"
)

type errantList struct {
	mu   sync.Mutex
	recs []record.Record
	errs []error
}

func (e *errantList) Report(r record.Record, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.recs, e.errs = append(e.recs, r), append(e.errs, err)
}

func TestSinkWriteFlush(t *testing.T) {
	p := launch(t, "good", "collect-sink", "lake", nil)
	ctx := testCtx(t)
	task := p.SinkTask()
	if err := task.Configure(ctx, map[string]string{"topics": "a,b"}); err != nil {
		t.Fatal(err)
	}
	a0, a1 := sdk.TopicPartition{Topic: "a", Partition: 0}, sdk.TopicPartition{Topic: "a", Partition: 1}
	if err := task.Open(ctx, []sdk.TopicPartition{a0, a1}); err != nil {
		t.Fatal(err)
	}
	rec := func(p int32, off int64, v string) record.Record {
		return record.Record{Topic: "a", Partition: p, Offset: off, Value: v}
	}
	var errant errantList
	batch := []record.Record{rec(0, 0, "x"), rec(0, 1, "bad"), rec(1, 7, "y"), rec(0, 2, "z")}
	if err := task.Write(ctx, batch, &errant); err != nil {
		t.Fatal(err)
	}
	if len(errant.recs) != 1 || errant.recs[0].Offset != 1 || errant.recs[0].Value != "bad" ||
		!strings.Contains(errant.errs[0].Error(), `value "bad" rejected`) {
		t.Errorf("errant = %+v %v", errant.recs, errant.errs)
	}
	got, err := task.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[a0] != 3 || got[a1] != 8 {
		t.Errorf("flush = %v, want a/0:3 a/1:8", got)
	}

	err = task.Write(ctx, []record.Record{rec(0, 3, "retry")}, &errant)
	if !errors.Is(err, sdk.ErrRetriable) || !strings.Contains(err.Error(), "target busy") {
		t.Errorf("write error = %v, want a retriable error", err)
	}
	// The stream survives a failed batch.
	if err := task.Write(ctx, []record.Record{rec(1, 8, "w")}, &errant); err != nil {
		t.Fatal(err)
	}
	if got, _ := task.Flush(ctx); got[a1] != 9 {
		t.Errorf("flush = %v, want a/1:9", got)
	}
	if err := task.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
