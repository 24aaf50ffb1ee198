package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// delivery is one change event read back from the topic.
type delivery struct {
	ev        event
	lsn, txID int64 // source.lsn, source.txId
	partition int32
	offset    int64
}

// changeValue is the part of a Debezium envelope (JsonConverter,
// schemas.enable=false) the checks read.
type changeValue struct {
	Op            string
	Before, After *struct {
		ID  int64 `json:"id"`
		Seq int64 `json:"seq"`
	}
	Source struct {
		LSN  int64 `json:"lsn"`
		TxID int64 `json:"txId"`
	}
}

func decodeDelivery(r *kgo.Record) (delivery, bool, error) {
	if len(r.Value) == 0 || string(r.Value) == "null" {
		return delivery{}, false, nil // a delete's tombstone
	}
	var v changeValue
	if err := json.Unmarshal(r.Value, &v); err != nil {
		return delivery{}, false, fmt.Errorf("%s/%d@%d: %v: %s", r.Topic, r.Partition, r.Offset, err, r.Value)
	}
	row := v.After
	if v.Op == "d" {
		row = v.Before
	}
	if row == nil {
		return delivery{}, false, fmt.Errorf("%s/%d@%d: op %q without its row: %s", r.Topic, r.Partition, r.Offset, v.Op, r.Value)
	}
	return delivery{ev: event{op: v.Op, key: row.ID, seq: row.Seq}, lsn: v.Source.LSN, txID: v.Source.TxID,
		partition: r.Partition, offset: r.Offset}, true, nil
}

// readAll consumes topic from the start until every event of want was
// delivered, then up to the end offsets of that moment (so duplicates
// delivered after a first copy are counted too).
func readAll(t *testing.T, bootstrap, topic string, want []event, timeout time.Duration) []delivery {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	missing := make(map[event]bool, len(want))
	for _, e := range want {
		missing[e] = true
	}
	var got []delivery
	next := map[int32]int64{}
	var ends map[int32]int64
	for {
		if len(missing) == 0 && ends == nil {
			listed, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
			if err != nil {
				t.Fatalf("end offsets: %v", err)
			}
			ends = map[int32]int64{}
			listed.Each(func(o kadm.ListedOffset) { ends[o.Partition] = o.Offset })
		}
		if ends != nil {
			done := true
			for p, end := range ends {
				if next[p] < end {
					done = false
				}
			}
			if done {
				return got
			}
		}
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			var some []string
			for e := range missing {
				if len(some) < 10 {
					some = append(some, e.String())
				}
			}
			t.Fatalf("%d of %d committed changes not in %s within %v (read %d events), e.g. %s",
				len(missing), len(want), topic, timeout, len(got), strings.Join(some, "; "))
		}
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			next[r.Partition] = r.Offset + 1
			d, ok, err := decodeDelivery(r)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				got = append(got, d)
				delete(missing, d.ev)
			}
		})
	}
}

// verdict is what check found.
type verdict struct {
	events, deliveries, duplicates int
}

// check compares the deliveries with the committed changes: none missing,
// none invented; a duplicate carries its first delivery's source.lsn and
// source.txId and lies in the uncommitted window (its lsn at or after
// minDupLSN, the change LSN of the last committed offset before the kill,
// a lower bound of where the restart resumed); per key, the first
// deliveries come in commit order and the last delivery is the last
// change (a sink applying in order ends in the table's state).
func check(t *testing.T, want []event, got []delivery, minDupLSN int64) verdict {
	t.Helper()
	first := make(map[event]delivery, len(got))
	perKeyGot := map[int64][]event{}
	lastGot := map[int64]event{}
	v := verdict{events: len(want), deliveries: len(got)}
	var bad []string
	report := func(format string, args ...any) {
		if len(bad) < 20 {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	for _, d := range got {
		lastGot[d.ev.key] = d.ev
		f, seen := first[d.ev]
		if !seen {
			first[d.ev] = d
			perKeyGot[d.ev.key] = append(perKeyGot[d.ev.key], d.ev)
			continue
		}
		v.duplicates++
		if f.lsn != d.lsn || f.txID != d.txID {
			report("duplicate %v at %d@%d has lsn %d txId %d, its first delivery at %d@%d lsn %d txId %d",
				d.ev, d.partition, d.offset, d.lsn, d.txID, f.partition, f.offset, f.lsn, f.txID)
		}
		if d.ev.op != "r" && d.lsn < minDupLSN {
			report("duplicate %v (lsn %d) lies before the committed offset's lsn %d: not from the uncommitted window", d.ev, d.lsn, minDupLSN)
		}
	}
	perKeyWant := map[int64][]event{}
	wanted := make(map[event]bool, len(want))
	for _, e := range want {
		wanted[e] = true
		perKeyWant[e.key] = append(perKeyWant[e.key], e)
		if _, ok := first[e]; !ok {
			report("committed change %v missing", e)
		}
	}
	for e := range first {
		if !wanted[e] {
			report("delivered %v was never committed", e)
		}
	}
	for k, evs := range perKeyWant {
		g := perKeyGot[k]
		if fmt.Sprint(g) != fmt.Sprint(evs) {
			report("key %d: delivered in the order %v, committed in the order %v", k, g, evs)
		}
		if lastGot[k] != evs[len(evs)-1] {
			report("key %d: last delivery %v, last change %v", k, lastGot[k], evs[len(evs)-1])
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d committed changes, %d deliveries, %d duplicates; problems:\n  %s", v.events, v.deliveries, v.duplicates, strings.Join(bad, "\n  "))
	}
	return v
}
