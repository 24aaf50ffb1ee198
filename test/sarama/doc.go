// Package sarama judges the broker with IBM/sarama at three protocol
// versions: V3_6_0_0 (modern, flexible requests; sticky balancer), sarama's
// default V2_8_0_0 (older requests; range balancer) and V2_1_0_0 (requests
// from before flexible encoding: Produce v7, Fetch v10; round-robin). Each
// run gets a fresh broker and checks, end to end:
//
//   - ClusterAdmin creates a 3-partition topic, describes it (partitions,
//     leader) and its configs (the config set at creation is returned);
//   - an idempotent SyncProducer (acks=all, one request in flight) has every
//     keyed message acknowledged at contiguous offsets from 0 per partition;
//   - a PartitionConsumer per partition reads back exactly those messages,
//     key, value and headers, in order;
//   - a two-member ConsumerGroup receives every message, the admin API
//     (DescribeConsumerGroups, ListConsumerGroupOffsets) shows a stable group
//     of two and committed offsets equal to the partitions' end offsets;
//   - after the group is gone, a member re-joining under the same group id
//     starts at those offsets: it sees only messages produced since.
//
// Env: SLUICE_BIN (see test/internal/brokerproc; unset builds ./cmd/sluice
// into a temporary directory in TestMain), SARAMA_DEBUG=1 (sarama's logger
// to stderr).
package sarama
