package dlq

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// fixture writes a DLQ "orders-dlq" with two partitions:
//
//	p0: offsets 0-3 pg-sink, orders, VALUE_CONVERTER, *dlq.convertError
//	    offset 4 pg-source (no original topic), TASK_POLL, *errors.errorString
//	p1: offsets 0-2 es-sink, payments, TASK_PUT, *errors.errorString "bulk rejected …"
//
// Timestamps are base+0s … base+7s in that order.
func fixture(t *testing.T, addr string) []letter {
	t.Helper()
	var ls []letter
	for i := range 4 {
		ls = append(ls, sinkLetter("pg-sink", "orders", 0, int64(10+i), StageValueConverter,
			&convertError{`parsing "x` + strconv.Itoa(i) + `": invalid syntax`}))
	}
	src := letter{ec: ErrorContext{Connector: "pg-source", Task: 1, Stage: StageTaskPoll, Partition: -1, Offset: -1,
		SourcePartition: map[string]any{"slot": "s1"}, SourceOffset: map[string]any{"lsn": 42},
		Err: errors.New("unsupported type")}, key: "src", val: "\x00\x01\xff"}
	ls = append(ls, src)
	for i := range 3 {
		l := sinkLetter("es-sink", "payments", 1, int64(i), StageTaskPut, errors.New("bulk rejected: mapper_parsing_exception "+strconv.Itoa(i)))
		l.partition = 1
		l.headers = []kgo.RecordHeader{{Key: "trace-id", Value: []byte("t" + strconv.Itoa(i))}}
		ls = append(ls, l)
	}
	writeLetters(t, addr, "orders-dlq", 2, ls)
	return ls
}

func TestListDLQ(t *testing.T) {
	addr := startBroker(t)
	fixture(t, addr)
	createTopic(t, addr, "orders", 1)       // not a DLQ by name
	createTopic(t, addr, "dead-letters", 1) // a DLQ by name, empty
	in := newInspector(t, addr)

	got, err := in.List(t.Context(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Topic != "dead-letters" || got[1].Topic != "orders-dlq" {
		t.Fatalf("List found %+v, want dead-letters and orders-dlq", got)
	}
	s := got[1]
	if s.Records != 8 || s.Scanned != 8 || s.ScanCapped || s.WithContext != 8 {
		t.Errorf("records %d scanned %d capped %v with context %d, want 8 8 false 8", s.Records, s.Scanned, s.ScanCapped, s.WithContext)
	}
	wantCount(t, "by connector", s.ByConnector, map[string]int64{"pg-sink": 4, "pg-source": 1, "es-sink": 3})
	wantCount(t, "by error class", s.ByErrorClass, map[string]int64{"*dlq.convertError": 4, "*errors.errorString": 4})
	wantCount(t, "by stage", s.ByStage, map[string]int64{"VALUE_CONVERTER": 4, "TASK_POLL": 1, "TASK_PUT": 3})
	wantCount(t, "by original topic", s.ByTopic, map[string]int64{"orders": 4, "": 1, "payments": 3})
	if s.FirstTimestamp == nil || !s.FirstTimestamp.Equal(base) || s.LastTimestamp == nil || !s.LastTimestamp.Equal(base.Add(7*time.Second)) {
		t.Errorf("first/last %v %v, want %v %v", s.FirstTimestamp, s.LastTimestamp, base, base.Add(7*time.Second))
	}

	// A capped scan says so, and still finds the newest timestamp.
	capped, err := in.Summary(t.Context(), "orders-dlq", 3)
	if err != nil {
		t.Fatal(err)
	}
	if !capped.ScanCapped || capped.Scanned != 3 || capped.Records != 8 {
		t.Errorf("capped: scanned %d capped %v records %d, want 3 true 8", capped.Scanned, capped.ScanCapped, capped.Records)
	}
	if capped.LastTimestamp == nil || !capped.LastTimestamp.Equal(base.Add(7*time.Second)) {
		t.Errorf("capped: last timestamp %v, want %v", capped.LastTimestamp, base.Add(7*time.Second))
	}

	// Explicit topics, and a pattern.
	if got, err := in.List(t.Context(), ListOptions{Topics: []string{"orders"}}); err != nil || len(got) != 1 || got[0].WithContext != 0 {
		t.Errorf("explicit: %+v, %v", got, err)
	}
	if got, err := in.List(t.Context(), ListOptions{Pattern: "orders.*"}); err != nil || len(got) != 2 {
		t.Errorf("pattern orders.*: %+v, %v", got, err)
	}
	// Probe finds a DLQ by its headers.
	writeLetters(t, addr, "failed-things", 1, []letter{sinkLetter("c", "orders", 0, 1, StageTaskPut, errors.New("x"))})
	got, err = in.List(t.Context(), ListOptions{Pattern: "nothing", Probe: true})
	if err != nil || len(got) != 2 || got[0].Topic != "failed-things" || got[1].Topic != "orders-dlq" {
		t.Errorf("probe: %+v, %v", got, err)
	}
	if _, err := in.List(t.Context(), ListOptions{Pattern: "("}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad pattern: %v, want ErrInvalid", err)
	}
	if _, err := in.Summary(t.Context(), "nope", 0); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("unknown topic: %v, want ErrUnknownTopic", err)
	}
}

type convertError struct{ msg string }

func (e *convertError) Error() string { return e.msg }

func wantCount(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %v, want %v", what, got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", what, got, want)
			return
		}
	}
}

func TestShowDLQFilters(t *testing.T) {
	addr := startBroker(t)
	fixture(t, addr)
	in := newInspector(t, addr)

	type at struct {
		p   int32
		off int64
	}
	tests := []struct {
		name  string
		f     Filter
		limit int
		want  []at
	}{
		{"all", Filter{}, 0, []at{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 0}, {1, 1}, {1, 2}}},
		{"limit", Filter{}, 3, []at{{0, 0}, {0, 1}, {0, 2}}},
		{"connector", Filter{Connector: "es-sink"}, 0, []at{{1, 0}, {1, 1}, {1, 2}}},
		{"error class exact", Filter{ErrorClass: "*dlq.convertError"}, 0, []at{{0, 0}, {0, 1}, {0, 2}, {0, 3}}},
		{"error class short", Filter{ErrorClass: "errorString"}, 0, []at{{0, 4}, {1, 0}, {1, 1}, {1, 2}}},
		{"stage", Filter{Stage: "task_poll"}, 0, []at{{0, 4}}},
		{"original topic", Filter{OriginalTopic: "payments"}, 2, []at{{1, 0}, {1, 1}}},
		{"message", Filter{Message: "mapper_parsing"}, 0, []at{{1, 0}, {1, 1}, {1, 2}}},
		{"message regexp", Filter{MessageRegexp: `"x[13]"`}, 0, []at{{0, 1}, {0, 3}}},
		{"time range", Filter{From: base.Add(2 * time.Second), To: base.Add(6 * time.Second)}, 0, []at{{0, 2}, {0, 3}, {0, 4}, {1, 0}}},
		{"offsets", Filter{StartOffset: 1, EndOffset: 3}, 0, []at{{0, 1}, {0, 2}, {1, 1}, {1, 2}}},
		{"partition", Filter{Partitions: []int32{1}, StartOffset: 2}, 0, []at{{1, 2}}},
		{"combined", Filter{Connector: "pg-sink", From: base.Add(time.Second), EndOffset: 3}, 0, []at{{0, 1}, {0, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := in.Show(t.Context(), "orders-dlq", tt.f, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []at
			for _, e := range es {
				got = append(got, at{e.Partition, e.Offset})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}

	// What an entry shows.
	es, err := in.Show(t.Context(), "orders-dlq", Filter{Partitions: []int32{0}, StartOffset: 4}, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("show p0@4: %v %v", es, err)
	}
	e := es[0]
	if !e.HasContext || e.Context.Connector != "pg-source" || e.Context.Task != 1 || e.Context.Topic != "" ||
		e.Context.SourceOffset != `{"lsn":42}` || e.Context.Message != "unsupported type" {
		t.Errorf("context %+v", e.Context)
	}
	if e.Key != (Preview{Encoding: "text", Data: "src", Size: 3}) || e.Value.Encoding != "base64" || e.Value.Data != "AAH/" {
		t.Errorf("key %+v value %+v", e.Key, e.Value)
	}
	if !e.Timestamp.Equal(base.Add(4 * time.Second)) {
		t.Errorf("timestamp %v", e.Timestamp)
	}
	es, _ = in.Show(t.Context(), "orders-dlq", Filter{Partitions: []int32{1}}, 1)
	if len(es) != 1 || len(es[0].Headers) != 1 || es[0].Headers[0].Key != "trace-id" || es[0].Context.Offset != 0 || es[0].Context.Partition != 1 {
		t.Errorf("p1@0: %+v", es)
	}

	// Bad filters name the field.
	for field, f := range map[string]Filter{
		"message_regexp": {MessageRegexp: "("},
		"end_offset":     {StartOffset: 5, EndOffset: 5},
		"to":             {From: base, To: base},
		"partition":      {Partitions: []int32{7}},
	} {
		_, err := in.Show(t.Context(), "orders-dlq", f, 0)
		var ie *InvalidError
		if !errors.As(err, &ie) || ie.Field != field {
			t.Errorf("filter %+v: %v, want an InvalidError on %s", f, err, field)
		}
	}
	if _, err := in.Show(t.Context(), "nope", Filter{}, 0); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("unknown topic: %v", err)
	}
}

func TestPreview(t *testing.T) {
	tests := []struct {
		in   []byte
		max  int
		want Preview
	}{
		{nil, 0, Preview{Encoding: "null"}},
		{[]byte{}, 0, Preview{Encoding: "text", Size: 0}},
		{[]byte("héllo\n"), 0, Preview{Encoding: "text", Data: "héllo\n", Size: 7}},
		{[]byte{0, 1, 2}, 0, Preview{Encoding: "base64", Data: "AAEC", Size: 3}},
		{[]byte("abcdef"), 4, Preview{Encoding: "text", Data: "abcd", Size: 6, Truncated: true}},
		{[]byte("aé"), 2, Preview{Encoding: "text", Data: "a", Size: 3, Truncated: true}},
	}
	for _, tt := range tests {
		if got := NewPreview(tt.in, tt.max); got != tt.want {
			t.Errorf("NewPreview(%q, %d) = %+v, want %+v", tt.in, tt.max, got, tt.want)
		}
	}
}
