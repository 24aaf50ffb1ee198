package log

import (
	"log/slog"
	"math"
	"time"
)

// Config is the per-partition log configuration. Field names follow the
// Kafka topic configs named in the comments; the broker translates topic
// configs into a Config and may change it at runtime with SetConfig.
type Config struct {
	SegmentBytes           int64   // segment.bytes, default 1073741824
	SegmentMs              int64   // segment.ms, default 604800000
	IndexIntervalBytes     int32   // index.interval.bytes, default 4096
	RetentionMs            int64   // retention.ms, default 604800000; -1 = unlimited
	RetentionBytes         int64   // retention.bytes, default -1
	Compact                bool    // cleanup.policy contains "compact"
	Delete                 bool    // cleanup.policy contains "delete" (default true)
	DeleteRetentionMs      int64   // delete.retention.ms, default 86400000
	MinCleanableDirtyRatio float64 // min.cleanable.dirty.ratio, default 0.5
	MinCompactionLagMs     int64   // min.compaction.lag.ms, default 0
	FlushMessages          int64   // flush.messages, default math.MaxInt64
	FlushMs                int64   // flush.ms, default math.MaxInt64
	FsyncOnAck             bool    // Sluice extension: Sync() waits for an fsync covering the offset
	MaxMessageBytes        int32   // max.message.bytes, default 1048588
	LogAppendTime          bool    // message.timestamp.type=LogAppendTime

	// ProducerIDExpirationMs is producer.id.expiration.ms (default
	// 86400000): idempotent producer state whose last write is older than
	// this is dropped by Maintain. Not part of the original API brief.
	ProducerIDExpirationMs int64
}

// maxSegmentBytes keeps file positions inside the uint32 of index entries.
const maxSegmentBytes = math.MaxUint32 >> 1

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{
		SegmentBytes:           1 << 30,
		SegmentMs:              604800000,
		IndexIntervalBytes:     4096,
		RetentionMs:            604800000,
		RetentionBytes:         -1,
		Delete:                 true,
		DeleteRetentionMs:      86400000,
		MinCleanableDirtyRatio: 0.5,
		MinCompactionLagMs:     0,
		FlushMessages:          math.MaxInt64,
		FlushMs:                math.MaxInt64,
		MaxMessageBytes:        1048588,
		ProducerIDExpirationMs: 86400000,
	}
}

// sanitized replaces values that cannot work (zero or negative sizes,
// typically from a zero Config) with defaults. It never changes a valid
// value.
func (c Config) sanitized() Config {
	d := DefaultConfig()
	if c.SegmentBytes <= 0 {
		c.SegmentBytes = d.SegmentBytes
	}
	if c.SegmentBytes > maxSegmentBytes {
		c.SegmentBytes = maxSegmentBytes
	}
	if c.SegmentMs <= 0 {
		c.SegmentMs = d.SegmentMs
	}
	if c.IndexIntervalBytes <= 0 {
		c.IndexIntervalBytes = d.IndexIntervalBytes
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = d.MaxMessageBytes
	}
	if c.FlushMessages <= 0 {
		c.FlushMessages = d.FlushMessages
	}
	if c.FlushMs < 0 {
		c.FlushMs = d.FlushMs
	}
	if c.DeleteRetentionMs < 0 {
		c.DeleteRetentionMs = 0
	}
	if c.MinCompactionLagMs < 0 {
		c.MinCompactionLagMs = 0
	}
	if c.ProducerIDExpirationMs <= 0 {
		c.ProducerIDExpirationMs = d.ProducerIDExpirationMs
	}
	return c
}

// Options are the non-config dependencies of a Log.
type Options struct {
	Logger *slog.Logger     // never nil after defaults
	Now    func() time.Time // nil = time.Now
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
