// Package cluster holds what distributed workers share through Kafka: the
// incremental cooperative assignor, the group protocol bytes, and the three
// stores on compacted topics (configs, offsets, status). The distributed
// herder (a separate package) drives them; nothing here joins a group.
//
// # Assignor
//
// Assign is a pure function (KIP-415). The leader calls it once per round
// with the members' join metadata, the config snapshot's task counts
// (ConfigSnapshot.AssignableTasks), the clock, scheduled.rebalance.max.delay
// and the AssignorState it got from its previous round (zero on a new
// leader). Each member receives only changes: Assigned (start) and Revoked
// (stop). Invariants:
//
//   - A unit (connector or task) a live member owns keeps its owner unless it
//     was deleted, is claimed twice, or exceeds the member's balanced share.
//   - Revoked units are placed in the next round (Revoking says one is due:
//     members rejoin at once after stopping them), never in the round that
//     revokes them, so no unit ever has two owners among live members.
//   - Work of a member that left is held back until MaxDelay after it was
//     first seen lost (Delay is announced; members rejoin when it expires),
//     then goes to the least loaded. A member that returns in time and
//     reports its units keeps them. While work is held nothing is revoked
//     for balance.
//   - Settled (no delay, no revocation pending): every unit owned exactly
//     once, connector and task counts each differ by at most one between
//     members, and a repeated round changes nothing.
//
// Task reconfiguration (new task configs, same count) is not the assignor's
// business: the owner restarts its tasks when ConfigStore reports
// TaskConfigsCommitted.
//
// # Group protocol bytes
//
// Protocol type "connect", protocol name "sluice1". Sluice's own compact
// layout, not Kafka's ConnectProtocol (joining a Java Connect group is not a
// goal; a Java worker offering "default"/"compatible"/"sessioned" finds no
// common protocol and is refused by the broker). Integers are unsigned
// varints (uv) or zig-zag varints (v); strings are uv length + UTF-8.
//
//	metadata:    u8 version=1 | str url | v config_offset | assignment
//	assignment:  uv n | n × str connector
//	             uv g | g × ( str connector | uv k | k × uv task )
//	sync value:  u8 version=1 | u8 error | str leader | str leader_url
//	             | v config_offset | assignment assigned | assignment revoked
//	             | uv delay_ms
//
// error 1 (AssignConfigMismatch) tells a member to read the configs topic
// to config_offset and rejoin. Decoders reject other versions, truncation
// and trailing bytes with ErrBadProtocol.
//
// # Topic log
//
// TopicLog is KafkaBasedLog on franz-go: one client tails the topic from
// the beginning on one goroutine and calls back per record; ReadToEnd waits
// for the end offsets sampled when it is called; Send produces with the
// idempotent acks=all producer and returns when acknowledged. Keys are
// partitioned by murmur2 as Kafka's producer does, so a key always lands on
// the same partition. EnsureTopic creates a topic with
// cleanup.policy=compact (+ min.insync.replicas), or checks an existing one
// (policy exactly compact; one partition for configs). Where a partition's
// end lies past its last record (an emptied batch, markers), the consumer
// moves on without delivering anything; ReadToEnd then probes with a direct
// Fetch (on a second client, so it does not queue behind the tail's long
// poll) and counts the partition as read when no data record lies before
// the end.
//
// # Record formats (Kafka Connect's, JsonConverter schemas.enable=false)
//
//	topic            key (bytes)                     value (JSON; nil = tombstone)
//	connect-configs  connector-NAME                  {"properties":{"k":"v",…}}
//	(1 partition)    task-NAME-N                     {"properties":{…}}
//	                 commit-NAME                     {"tasks":N}
//	                 target-state-NAME               {"state":"PAUSED","state.v2":"STOPPED"}
//	                 session-key                     {"key":"<base64>","algorithm":"HmacSHA256","creation-timestamp":MS}
//	                 restart-connector-NAME          {"include-tasks":true,"only-failed":false}
//	connect-offsets  ["CONNECTOR",{partition…}]      {offset…}
//	(25)
//	connect-status   status-connector-NAME           {"state":"RUNNING","trace":null,"worker_id":"W","generation":G}
//	(5)              status-task-NAME-N              same
//	                 status-topic-T:connector-NAME   {"topic":{"name":T,"connector":NAME,"task":N,"discoverTimestamp":MS}}
//
// Byte-identical to what a Java worker writes, except that JSON object keys
// inside maps (properties, source partitions and offsets) come out sorted
// where Java writes HashMap order; struct fields keep Kafka's schema order.
// Readers parse JSON, so records written by Java workers are understood;
// offsets keys are canonicalised when read, so a Java and a Sluice key for
// the same partition are one entry.
//
// ConfigStore applies task configs only at their commit record and only if
// it finds tasks 0..N-1 since the previous commit; otherwise the connector
// is Inconsistent (its tasks are withheld) until a complete set is written.
// Deleting a connector tombstones connector-NAME and target-state-NAME.
// Target state STOPPED is written as Kafka 3.5+ does; readers prefer
// "state.v2". Writes return after the store read them back.
//
// StatusStore fences writes as Kafka's putSafe: after reading to the end, a
// status from another worker with a newer generation is not overwritten.
// DESTROYED writes a tombstone. Readers apply the last record per key, which
// is what survives compaction.
//
// OffsetStore implements runtime/offsets.Store (Load reads to the end
// first; Save returns when acknowledged; a nil offset is a tombstone).
//
// # For the herder
//
//	stores: EnsureTopic ×3, OpenConfigStore(onChange), OpenOffsetStore, OpenStatusStore
//	join:   EncodeMetadata(Member{URL, ConfigOffset: snapshot.Offset, Owned})
//	leader: DecodeMetadata per member; ReadToEnd the configs (or answer
//	        AssignConfigMismatch); res := Assign(...);
//	        res.Encode(leader, url, offset) gives the SyncGroup bytes;
//	        keep res.State for the next round (DefaultMaxDelay: 30s)
//	member: DecodeAssignment; stop Revoked, start Assigned; rejoin at once
//	        if anything was revoked, after Delay if Delay > 0
//
// Callbacks (ConfigStore's onChange, TopicLog's apply) run on the tail
// goroutine and must not call ReadToEnd or write to their own store. Open a
// store, then take a Snapshot: changes after the snapshot are notified.
package cluster
