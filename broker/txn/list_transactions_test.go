package txn

import (
	"context"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestDescribeTransactions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "b", 1, 0)
		h.mustAdd("tx", pid, epoch, "a", 3)
		req := kmsg.NewPtrDescribeTransactionsRequest()
		req.TransactionalIDs = []string{"tx", "nope", ""}
		resp := h.c.DescribeTransactions(context.Background(), req)
		d := resp.TransactionStates[0]
		if d.ErrorCode != 0 || d.State != "Ongoing" || d.ProducerID != pid || d.ProducerEpoch != epoch ||
			d.TimeoutMillis != 60000 || d.StartTimestamp != time.Now().UnixMilli() {
			t.Fatalf("describe %+v", d)
		}
		var topics []string
		for _, tt := range d.Topics {
			topics = append(topics, tt.Topic)
		}
		if !reflect.DeepEqual(topics, []string{"a", "b"}) || !reflect.DeepEqual(d.Topics[1].Partitions, []int32{0, 1}) {
			t.Fatalf("topics %+v", d.Topics)
		}
		wantCode(t, "unknown", resp.TransactionStates[1].ErrorCode, kerr.TransactionalIDNotFound.Code)
		wantCode(t, "empty", resp.TransactionStates[2].ErrorCode, kerr.InvalidRequest.Code)
	})
}

func TestListTransactions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pa, ea := h.mustInit("app-a")
		h.mustAdd("app-a", pa, ea, "orders", 0)
		time.Sleep(time.Minute) // app-a has run a minute
		pb, eb := h.mustInit("app-b")
		h.mustAdd("app-b", pb, eb, "orders", 0)
		pc, _ := h.mustInit("other")

		list := func(version int16, states []string, pids []int64, dur int64, pattern *string) *kmsg.ListTransactionsResponse {
			req := kmsg.NewPtrListTransactionsRequest()
			req.Version = version
			req.StateFilters, req.ProducerIDFilters, req.DurationFilterMillis, req.TransactionalIDPattern = states, pids, dur, pattern
			return h.c.ListTransactions(context.Background(), req)
		}
		ids := func(r *kmsg.ListTransactionsResponse) []string {
			var out []string
			for _, s := range r.TransactionStates {
				out = append(out, s.TransactionalID)
			}
			return out
		}
		str := func(s string) *string { return &s }
		for _, tc := range []struct {
			name    string
			resp    *kmsg.ListTransactionsResponse
			want    []string
			unknown []string
		}{
			{"all", list(0, nil, nil, -1, nil), []string{"app-a", "app-b", "other"}, nil},
			{"ongoing", list(0, []string{"Ongoing"}, nil, -1, nil), []string{"app-a", "app-b"}, nil},
			{"unknown state", list(0, []string{"Ongoing", "Weird"}, nil, -1, nil), []string{"app-a", "app-b"}, []string{"Weird"}},
			{"only unknown state", list(0, []string{"Weird"}, nil, -1, nil), nil, []string{"Weird"}},
			{"producer id", list(0, nil, []int64{pc, 12345}, -1, nil), []string{"other"}, nil},
			{"duration", list(1, []string{"Ongoing"}, nil, 30000, nil), []string{"app-a"}, nil},
			{"duration ignored v0", list(0, []string{"Ongoing"}, nil, 30000, nil), []string{"app-a", "app-b"}, nil},
			{"pattern", list(2, nil, nil, -1, str("app-.*")), []string{"app-a", "app-b"}, nil},
			{"pattern is anchored", list(2, nil, nil, -1, str("app")), nil, nil},
			{"empty pattern", list(2, nil, nil, -1, str("")), []string{"app-a", "app-b", "other"}, nil},
			{"pattern ignored v1", list(1, nil, nil, -1, str("zzz")), []string{"app-a", "app-b", "other"}, nil},
		} {
			if tc.resp.ErrorCode != 0 {
				t.Fatalf("%s: %v", tc.name, kerr.ErrorForCode(tc.resp.ErrorCode))
			}
			if got := ids(tc.resp); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
			if !reflect.DeepEqual(tc.resp.UnknownStateFilters, tc.unknown) {
				t.Errorf("%s: unknown filters %v, want %v", tc.name, tc.resp.UnknownStateFilters, tc.unknown)
			}
		}
		r := list(2, nil, nil, -1, str("("))
		wantCode(t, "bad pattern", r.ErrorCode, kerr.InvalidRegularExpression.Code)
		if s := list(0, nil, []int64{pa}, -1, nil).TransactionStates; len(s) != 1 || s[0].TransactionState != "Ongoing" || s[0].ProducerID != pa {
			t.Fatalf("state answer %+v", s)
		}
	})
}
