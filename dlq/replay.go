package dlq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Fixer changes a record on its way back: it gets the record to produce
// (context headers stripped, Topic set to the target, Partition to the
// original partition or -1) and returns the record to produce, or
// keep=false to drop it (dropped records advance progress like filtered
// ones). An error stops the replay; records before it stay replayed.
type Fixer func(*kgo.Record) (out *kgo.Record, keep bool, err error)

// ReplayOptions say what to replay where.
type ReplayOptions struct {
	// Topic is the DLQ topic to replay from.
	Topic string `json:"topic"`
	// To is the target topic for every record. Empty: each record goes
	// back to its original topic (__connect.errors.topic); a record
	// without one stops the replay (ErrNoTarget).
	To string `json:"to,omitempty"`
	// Name identifies the replay's progress; empty is
	// DefaultReplayName(Topic, To). Progress is the committed offsets of
	// group ReplayGroup(Name) on Topic.
	Name string `json:"name,omitempty"`
	// Filter selects the records to replay. Records it rejects are
	// skipped and still advance progress: a replay with another filter
	// over the same records needs another Name.
	Filter Filter `json:"filter"`
	// DryRun reads and counts, produces and commits nothing.
	DryRun bool `json:"dry_run,omitempty"`
	// Rate limits produced records per second; 0 is no limit.
	Rate float64 `json:"rate,omitempty"`
	// CreateTopic creates a missing target topic (broker defaults for
	// partitions and replication) instead of refusing (ErrTargetMissing).
	CreateTopic bool `json:"create_topic,omitempty"`
	// Purge deletes the DLQ records below this replay's progress
	// (DeleteRecords) once the replay has succeeded.
	Purge bool `json:"purge,omitempty"`
	// Fixer, when set, changes or drops each record before it is produced.
	Fixer Fixer `json:"-"`
	// Progress, when set, is called every ProgressInterval (default 2s)
	// from another goroutine while the replay runs.
	Progress         func(Progress) `json:"-"`
	ProgressInterval time.Duration  `json:"-"`
	// BatchSize is the most records in one transaction (default 5000); a
	// transaction also ends after CommitInterval (default 1s).
	BatchSize      int           `json:"-"`
	CommitInterval time.Duration `json:"-"`

	// Clock for the rate limiter, replaced in tests.
	now  func() time.Time
	wait func(context.Context, time.Duration) error
}

// DefaultReplayName is the name of a replay from topic to target ("" for
// the original topics): "<topic>-to-<target>" or "<topic>-to-origin".
func DefaultReplayName(topic, to string) string {
	if to == "" {
		to = "origin"
	}
	return topic + "-to-" + to
}

// ReplayGroup is the consumer group holding the progress of the replay
// named name, and the transactional id of its producer.
func ReplayGroup(name string) string { return "sluice-dlq-replay-" + name }

// ReplayResult is what a replay did (or, dry, would do).
type ReplayResult struct {
	Name   string `json:"name"`
	Group  string `json:"group"`
	Topic  string `json:"topic"`
	DryRun bool   `json:"dry_run"`
	// Replayed records were produced (dry: would be) and committed.
	Replayed int64 `json:"replayed"`
	// Skipped records did not pass the filter; Dropped ones the Fixer
	// dropped. Both advanced progress.
	Skipped int64 `json:"skipped"`
	Dropped int64 `json:"dropped"`
	// Refused counts, in a dry run, records with no original topic and no
	// To (a real run stops at the first).
	Refused int64 `json:"refused"`
	// Remaining records between progress and the end offsets taken when
	// the replay started (0 after a complete replay).
	Remaining  int64               `json:"remaining"`
	Targets    []TargetCount       `json:"targets"`
	Partitions []PartitionProgress `json:"partitions"`
	Purged     bool                `json:"purged"`
}

// TargetCount is how many records went (dry: would go) to a topic.
type TargetCount struct {
	Topic   string `json:"topic"`
	Records int64  `json:"records"`
	// Exists is false for a topic that does not exist (dry run), or that
	// the replay created.
	Exists  bool `json:"exists"`
	Created bool `json:"created,omitempty"`
}

// PartitionProgress is one DLQ partition's replay progress: Start is
// where this run began, Position where it got to (committed), End the end
// offset when it started. LogStart is the DLQ's start offset after a purge.
type PartitionProgress struct {
	Partition int32 `json:"partition"`
	Start     int64 `json:"start"`
	Position  int64 `json:"position"`
	End       int64 `json:"end"`
	LogStart  int64 `json:"log_start"`
}

// Progress is a snapshot of a running replay.
type Progress struct {
	Replayed, Skipped, Dropped, Remaining int64
	Elapsed                               time.Duration
}

// String is the periodic progress line.
func (p Progress) String() string {
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Replayed) / s
	}
	return fmt.Sprintf("replayed %d, skipped %d, dropped by fix-up %d, rate %.1f/s, remaining ~%d",
		p.Replayed, p.Skipped, p.Dropped, rate, p.Remaining)
}

var (
	// ErrReplayRunning: a replay with the same name runs in this process.
	ErrReplayRunning = errors.New("a replay with this name is already running")
	// ErrTargetMissing: the target topic does not exist and CreateTopic
	// is not set.
	ErrTargetMissing = errors.New("target topic does not exist")
	// ErrNoTarget: a record has no __connect.errors.topic header and no
	// To was given.
	ErrNoTarget = errors.New("record has no original topic")
)

// check validates o and fills its defaults.
func (o *ReplayOptions) check() error {
	if o.Topic == "" {
		return &InvalidError{"topic", "is required"}
	}
	if o.Name == "" {
		o.Name = DefaultReplayName(o.Topic, o.To)
	}
	if len(o.Name) > 200 || strings.ContainsFunc(o.Name, unicode.IsControl) {
		return &InvalidError{"name", "must be at most 200 characters without control characters"}
	}
	if o.Rate < 0 {
		return &InvalidError{"rate", "must not be negative"}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 5000
	}
	if o.CommitInterval <= 0 {
		o.CommitInterval = time.Second
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 2 * time.Second
	}
	return nil
}

// claim marks name as running in this process.
func (in *Inspector) claim(name string) (release func(), err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.mu.running[name] {
		return nil, fmt.Errorf("replay %q: %w", name, ErrReplayRunning)
	}
	in.mu.running[name] = true
	return func() {
		in.mu.Lock()
		delete(in.mu.running, name)
		in.mu.Unlock()
	}, nil
}

// Replay produces the DLQ records that pass the filter to their target,
// each exactly once across runs with the same name: see the package doc.
// It returns what it did even with an error (records replayed before a
// failure stay replayed).
func (in *Inspector) Replay(ctx context.Context, o ReplayOptions) (ReplayResult, error) {
	if err := o.check(); err != nil {
		return ReplayResult{}, err
	}
	m, err := o.Filter.compile()
	if err != nil {
		return ReplayResult{}, err
	}
	release, err := in.claim(o.Name)
	if err != nil {
		return ReplayResult{}, err
	}
	defer release()

	r := &replayer{
		in:      in,
		o:       o,
		m:       m,
		group:   ReplayGroup(o.Name),
		targets: map[string]*TargetCount{},
		limit:   newLimiter(o.Rate, o.now, o.wait),
		started: time.Now(),
	}
	r.res = ReplayResult{Name: o.Name, Group: r.group, Topic: o.Topic, DryRun: o.DryRun}
	err = r.run(ctx)
	r.res.Replayed, r.res.Skipped, r.res.Dropped = r.replayed.Load(), r.skipped.Load(), r.dropped.Load()
	r.res.Remaining = r.remaining.Load()
	r.res.Targets = []TargetCount{}
	for _, t := range slices.Sorted(maps.Keys(r.targets)) {
		r.res.Targets = append(r.res.Targets, *r.targets[t])
	}
	return r.res, err
}
