// Package broker is Sluice's Kafka-protocol server: listeners, request
// framing, one file per API key, and the glue between the partition logs
// (package broker/log), cluster metadata (broker/meta) and the group
// coordinator (broker/group).
//
// Requests are decoded and responses encoded with franz-go's kmsg; nothing
// here hand-writes the codec. Each file that serves an API key starts with a
// comment naming the versions it serves and any deviation from Apache Kafka.
//
// Invariants:
//   - A malformed, oversized or unknown request never panics the broker: it
//     is answered with Kafka's error code, or the connection is closed.
//   - Requests on one connection are executed in the order they arrive and
//     answered in that order; a request that waits (a long-polling Fetch, a
//     JoinGroup, an acks=all Produce waiting for fsync) holds back only the
//     answers that follow it on the same connection.
//   - A Produce is acknowledged only after its batch is in the partition log
//     (and fsynced when the topic's sluice.flush.on.ack is true), so an
//     acknowledged batch is readable after a restart.
//
// Connection ownership: every connection has one reader goroutine that owns
// decoding and executes requests, and one writer goroutine that owns the
// socket's write side and completes answers in order. The queue between them
// is bounded, so a client that pipelines more than the queue holds is pushed
// back by TCP.
package broker
