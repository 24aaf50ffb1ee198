package config

const maxLong = "9223372036854775807"

// Values accepted by compression.type, cleanup.policy and
// message.timestamp.type.
var (
	CompressionTypes = []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}
	CleanupPolicies  = []string{"delete", "compact"}
	TimestampTypes   = []string{"CreateTime", "LogAppendTime"}
)

// def builds a Def with a default value.
func def(name string, t Type, dflt, doc string, v func(string) error, synonyms ...string) Def {
	return Def{Name: name, Type: t, Default: dflt, HasDefault: true, Doc: doc, Validate: v, BrokerSynonyms: synonyms}
}

// topicTable lists Kafka's topic-level configs (LogConfig) that Sluice
// honours, with their broker synonyms.
func topicTable() []Def {
	return []Def{
		def("cleanup.policy", List, "delete",
			"Retention policy for old segments: delete, compact, or both (comma-separated). Sluice: an empty list is rejected.",
			listOf(CleanupPolicies...), "log.cleanup.policy"),
		def("compression.type", String, "producer",
			"Final compression of the topic's batches; producer keeps the producer's codec.",
			oneOf(CompressionTypes...), "compression.type"),
		def("delete.retention.ms", Long, "86400000",
			"How long delete tombstones are retained on compacted topics.",
			atLeastLong(0), "log.cleaner.delete.retention.ms"),
		def("file.delete.delay.ms", Long, "60000",
			"Time to wait before deleting a file from the filesystem.",
			atLeastLong(0), "log.segment.delete.delay.ms"),
		def("flush.messages", Long, maxLong,
			"Number of messages appended to a partition before forcing an fsync.",
			atLeastLong(1), "log.flush.interval.messages"),
		def("flush.ms", Long, maxLong,
			"Maximum time a message stays unflushed before an fsync is forced.",
			atLeastLong(0), "log.flush.interval.ms"),
		def("follower.replication.throttled.replicas", List, "",
			"Replicas whose log replication is throttled on the follower side: partitionId:brokerId,... or *.",
			throttledReplicas),
		def("index.interval.bytes", Int, "4096",
			"How often (in bytes) an offset index entry is added.",
			atLeastInt(0), "log.index.interval.bytes"),
		def("leader.replication.throttled.replicas", List, "",
			"Replicas whose log replication is throttled on the leader side: partitionId:brokerId,... or *.",
			throttledReplicas),
		def("max.compaction.lag.ms", Long, maxLong,
			"Maximum time a message remains ineligible for compaction.",
			atLeastLong(1), "log.cleaner.max.compaction.lag.ms"),
		def("max.message.bytes", Int, "1048588",
			"Largest record batch size allowed, after compression.",
			atLeastInt(0), "message.max.bytes"),
		def("message.timestamp.after.max.ms", Long, "3600000",
			"Maximum allowed amount a CreateTime timestamp may be ahead of the broker's clock.",
			atLeastLong(0), "log.message.timestamp.after.max.ms"),
		def("message.timestamp.before.max.ms", Long, maxLong,
			"Maximum allowed amount a CreateTime timestamp may be behind the broker's clock.",
			atLeastLong(0), "log.message.timestamp.before.max.ms"),
		def("message.timestamp.type", String, "CreateTime",
			"Whether record timestamps are the producer's (CreateTime) or the append time (LogAppendTime).",
			oneOf(TimestampTypes...), "log.message.timestamp.type"),
		def("min.cleanable.dirty.ratio", Double, "0.5",
			"Minimum ratio of dirty log to total log for the cleaner to compact a log.",
			floatRange(0, 1), "log.cleaner.min.cleanable.ratio"),
		def("min.compaction.lag.ms", Long, "0",
			"Minimum time a message remains uncompacted.",
			atLeastLong(0), "log.cleaner.min.compaction.lag.ms"),
		def("min.insync.replicas", Int, "1",
			"Minimum number of in-sync replicas that must acknowledge an acks=all write.",
			atLeastInt(1), "min.insync.replicas"),
		def("preallocate", Boolean, "false",
			"Preallocate the file on disk when creating a new segment.",
			nil, "log.preallocate"),
		def("retention.bytes", Long, "-1",
			"Maximum size a partition can grow to before old segments are deleted; -1 for no limit.",
			atLeastLong(-1), "log.retention.bytes"),
		def("retention.ms", Long, "604800000",
			"Maximum time a segment is kept before it is deleted; -1 for no limit.",
			atLeastLong(-1), "log.retention.ms", "log.retention.minutes", "log.retention.hours"),
		def("segment.bytes", Int, "1073741824",
			"Segment file size. Sluice: minimum 14 bytes (Kafka 3.x), not Kafka 4's 1 MiB.",
			atLeastInt(14), "log.segment.bytes"),
		def("segment.index.bytes", Int, "10485760",
			"Size of the offset and time index files.",
			atLeastInt(4), "log.index.size.max.bytes"),
		def("segment.jitter.ms", Long, "0",
			"Maximum random jitter subtracted from segment.ms to avoid thundering segment rolls.",
			atLeastLong(0), "log.roll.jitter.ms", "log.roll.jitter.hours"),
		def("segment.ms", Long, "604800000",
			"Time after which a segment is rolled even if not full.",
			atLeastLong(1), "log.roll.ms", "log.roll.hours"),
		def("sluice.flush.on.ack", Boolean, "false",
			"Sluice: when true, acks=all produce responses wait until the batch is fsynced (group-committed with concurrent writers).",
			nil, "sluice.log.flush.on.ack"),
		def("unclean.leader.election.enable", Boolean, "false",
			"Allow replicas not in the ISR to become leader as a last resort, at the risk of data loss.",
			nil, "unclean.leader.election.enable"),
	}
}
