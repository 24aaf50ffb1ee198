// Package config declares, once, every Kafka topic config and every broker
// config Sluice supports: name, type, default, short documentation, validator
// and (for topic configs) the broker-level synonyms that supply a cluster-wide
// default. The declarations drive validation (CreateTopics, AlterConfigs,
// IncrementalAlterConfigs, the server's static properties), DescribeConfigs
// answers (value, source, synonyms) and generated documentation.
//
// Resolution of a topic config, highest precedence first:
//
//	topic override        retention.ms=3600000          DYNAMIC_TOPIC_CONFIG   (1)
//	broker synonyms       log.retention.ms, then        DYNAMIC_BROKER_CONFIG  (2)
//	  (most specific        log.retention.minutes, then   or STATIC_BROKER_CONFIG (4)
//	   first, converted)    log.retention.hours           per Layer
//	default               604800000                     DEFAULT_CONFIG         (5)
//
// Invariants:
//   - Names, types and defaults are Apache Kafka's (4.x) except where a Def's
//     Doc says "Sluice:"; the deviations are auto.create.topics.enable=false,
//     offsets.topic.replication.factor=1 and
//     transaction.state.log.replication.factor=1 (a single node is the default
//     deployment), the minimum of segment.bytes kept at Kafka 3.x's 14 bytes,
//     an empty cleanup.policy rejected, and the Sluice-only
//     sluice.flush.on.ack topic config (broker synonym sluice.log.flush.on.ack).
//   - TopicDefs and BrokerDefs are sorted by name and rebuilt on each call:
//     callers may keep and modify the returned slices. There is no package
//     state besides immutable tables.
//   - Every default value passes its own validator (tested).
//   - A broker synonym's value is converted to the topic config's unit
//     (hours and minutes become milliseconds) before it is used.
//   - Validation errors name the property and the reason, and wrap
//     ErrUnknownConfig, ErrInvalidValue or ErrReadOnly so the broker can map
//     them to Kafka error codes (INVALID_CONFIG) without parsing text.
//
// Not supported (rejected as unknown): tiered-storage configs
// (remote.storage.enable, local.retention.*), configs Kafka 4.0 removed
// (message.format.version, message.downconversion.enable,
// message.timestamp.difference.max.ms) and compression level configs.
package config
