package dlq

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultPattern is the topic-name pattern List discovers DLQs by when no
// topics are named: Kafka Connect has no naming rule, these are the names
// people use (dlq-orders, orders-dlq, orders.dlq, orders-dead-letter, …).
// It must match the whole name.
const DefaultPattern = `dlq.*|.*-dlq|.*\.dlq|.*dead.?letter.*`

// DefaultMaxScan is how many records List reads per topic to count by
// connector and error class.
const DefaultMaxScan = 10000

// ListOptions says which topics List reports on.
type ListOptions struct {
	// Topics are DLQ topics named explicitly; when empty, List discovers
	// topics by Pattern (and, with Probe, by their records).
	Topics []string
	// Pattern matches whole topic names; empty is DefaultPattern.
	Pattern string
	// Probe also lists topics whose name does not match Pattern but whose
	// last records carry error context headers (reads a few records per
	// partition of every non-internal topic).
	Probe bool
	// MaxScan bounds the records read per topic for the breakdowns;
	// 0 is DefaultMaxScan, negative reads none.
	MaxScan int
}

// TopicSummary describes one DLQ topic.
type TopicSummary struct {
	Topic string `json:"topic"`
	// Records is the sum over partitions of end − start offsets (an upper
	// bound: transaction markers and compacted-away records count).
	Records    int64              `json:"records"`
	Partitions []PartitionSummary `json:"partitions"`
	// Scanned is how many records the breakdowns were computed over, from
	// the start of each partition; ScanCapped is set when MaxScan stopped
	// the scan before the end.
	Scanned    int64 `json:"scanned"`
	ScanCapped bool  `json:"scan_capped"`
	// WithContext counts scanned records that carry error context headers.
	WithContext int64 `json:"with_context"`
	// FirstTimestamp is the earliest timestamp seen; LastTimestamp that
	// of the newest record of any partition (read even when capped).
	FirstTimestamp *time.Time       `json:"first_timestamp,omitempty"`
	LastTimestamp  *time.Time       `json:"last_timestamp,omitempty"`
	ByConnector    map[string]int64 `json:"by_connector"`
	ByErrorClass   map[string]int64 `json:"by_error_class"`
	ByStage        map[string]int64 `json:"by_stage"`
	ByTopic        map[string]int64 `json:"by_original_topic"`
}

// PartitionSummary is one DLQ partition's offsets.
type PartitionSummary struct {
	Partition   int32 `json:"partition"`
	StartOffset int64 `json:"start_offset"`
	EndOffset   int64 `json:"end_offset"`
}

// List reports on the DLQ topics opts selects, sorted by name.
func (in *Inspector) List(ctx context.Context, opts ListOptions) ([]TopicSummary, error) {
	topics := slices.Clone(opts.Topics)
	if len(topics) == 0 {
		var err error
		if topics, err = in.discover(ctx, opts); err != nil {
			return nil, err
		}
	}
	slices.Sort(topics)
	topics = slices.Compact(topics)
	out := make([]TopicSummary, 0, len(topics))
	for _, t := range topics {
		s, err := in.Summary(ctx, t, opts.MaxScan)
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}

// discover finds DLQ topics by name (and by content with Probe).
func (in *Inspector) discover(ctx context.Context, opts ListOptions) ([]string, error) {
	pat := opts.Pattern
	if pat == "" {
		pat = DefaultPattern
	}
	re, err := regexp.Compile(`^(?:` + pat + `)$`)
	if err != nil {
		return nil, &InvalidError{"pattern", err.Error()}
	}
	ms, err := metadata(ctx, in.cl)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	var out []string
	for _, t := range slices.Sorted(maps.Keys(ms)) {
		if ms[t].internal || ms[t].err != nil {
			continue
		}
		if re.MatchString(t) {
			out = append(out, t)
			continue
		}
		if opts.Probe {
			ok, err := in.probe(ctx, t)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// probeRecords is how many of each partition's last offsets probe reads.
const probeRecords = 5

// probe reports whether the last records of topic carry context headers.
func (in *Inspector) probe(ctx context.Context, topic string) (bool, error) {
	tm, err := describe(ctx, in.cl, topic)
	if err != nil {
		return false, err
	}
	bs, err := listBounds(ctx, in.adm, topic)
	if err != nil {
		return false, err
	}
	found := false
	for _, p := range tm.partitions() {
		b := bs[p]
		_, err := readRange(ctx, in.cl, in.adm, tm, p, max(b.start, b.end-probeRecords), b.end, func(r *kgo.Record) (bool, error) {
			_, found = ParseContext(r.Headers)
			return !found, nil
		}, nil)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// Summary describes one DLQ topic, reading at most maxScan records (0 is
// DefaultMaxScan, negative none) for the breakdowns.
func (in *Inspector) Summary(ctx context.Context, topic string, maxScan int) (TopicSummary, error) {
	if maxScan == 0 {
		maxScan = DefaultMaxScan
	}
	maxScan = max(maxScan, 0)
	s := TopicSummary{
		Topic:        topic,
		ByConnector:  map[string]int64{},
		ByErrorClass: map[string]int64{},
		ByStage:      map[string]int64{},
		ByTopic:      map[string]int64{},
	}
	tm, err := describe(ctx, in.cl, topic)
	if err != nil {
		return s, err
	}
	bs, err := listBounds(ctx, in.adm, topic)
	if err != nil {
		return s, err
	}
	seen := func(ts time.Time) {
		ts = ts.UTC()
		if s.FirstTimestamp == nil || ts.Before(*s.FirstTimestamp) {
			s.FirstTimestamp = &ts
		}
		if s.LastTimestamp == nil || ts.After(*s.LastTimestamp) {
			s.LastTimestamp = &ts
		}
	}
	ps := tm.partitions()
	left := int64(maxScan)
	for i, p := range ps {
		b := bs[p]
		s.Partitions = append(s.Partitions, PartitionSummary{p, b.start, b.end})
		s.Records += b.end - b.start
		// Share what is left of the budget among the partitions left.
		budget := (left + int64(len(ps)-i) - 1) / int64(len(ps)-i)
		n, pos := int64(0), b.start
		if budget > 0 {
			pos, err = readRange(ctx, in.cl, in.adm, tm, p, b.start, b.end, func(r *kgo.Record) (bool, error) {
				n++
				seen(r.Timestamp)
				c, ok := ParseContext(r.Headers)
				if ok {
					s.WithContext++
					s.ByConnector[c.Connector]++
					s.ByErrorClass[c.ErrorClass]++
					s.ByStage[string(c.Stage)]++
					s.ByTopic[c.Topic]++
				}
				return n < budget, nil
			}, nil)
			if err != nil {
				return s, fmt.Errorf("scan %q: %w", topic, err)
			}
		}
		s.Scanned += n
		left -= n
		if pos < b.end {
			s.ScanCapped = true
			// The newest records, for LastTimestamp.
			if _, err := readRange(ctx, in.cl, in.adm, tm, p, max(pos, b.end-probeRecords), b.end, func(r *kgo.Record) (bool, error) {
				seen(r.Timestamp)
				return true, nil
			}, nil); err != nil {
				return s, fmt.Errorf("scan %q: %w", topic, err)
			}
		}
	}
	return s, nil
}
