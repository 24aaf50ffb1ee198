// Package api is Sluice's REST API: Kafka Connect's paths, verbs, status
// codes and JSON shapes (Kafka 3.x/4.x), served by net/http, so existing
// tools (curl scripts, kcctl, Kafka UI, Terraform providers) work unchanged.
//
// The server owns no connector state. Everything it answers comes from a
// Herder (the worker cluster: standalone or distributed), asked through one
// synchronous, context-bounded call per request. The herder tells the REST
// layer what to do with sentinel errors:
//
//	ErrNotFound              → 404
//	ErrAlreadyExists         → 409
//	ErrRebalanceInProgress   → 409
//	ErrConflict              → 409
//	ErrBadRequest            → 400
//	ErrConnectorNotStopped   → 400 (KIP-875: offsets change only when STOPPED)
//	ErrForbidden             → 403 (topic tracking disabled)
//	*NotLeaderError          → the request is forwarded to the leader
//	context.DeadlineExceeded → 500 "Request timed out" (as Kafka does)
//	anything else            → 500
//
// Invariants:
//   - Every error answer is Kafka's ErrorMessage, {"error_code":N,"message":"…"},
//     including unknown routes (404) and wrong methods (405).
//   - A property whose plugin config definition has type PASSWORD is shown
//     as "[hidden]" in every answer (connector info, config, task configs,
//     expand=info, validate). The herder stores the real value; only the
//     REST rendering masks it.
//   - A request is forwarded at most twice (Kafka's forward=true/false
//     query flag), so a leader that moves during a rebalance cannot make
//     workers bounce a request forever; the third hop answers 409.
//   - A failed request changes nothing: the server validates the request
//     before calling the herder, and the herder applies a write atomically
//     or not at all.
//
// Optional herder interfaces add endpoints: ClusterLoggers for
// PUT /admin/loggers/{name}?scope=cluster, TaskConfigSink for the internal
// POST /connectors/{name}/tasks that followers send to the leader
// (signature headers passed through to the herder, which holds the
// session key). The Auth option guards every path but /health (including
// /metrics and the internal endpoint); a forwarded request carries the
// user's Authorization header and the signature headers.
//
// Package apitest holds an in-memory Herder for tests of this package,
// api/client and the CLI; testdata/*.golden hold every answer, refreshed
// only by `go test ./api -update`.
//
// Deliberate deviations from Apache Kafka:
//   - A body that is not JSON answers 500, as Kafka's Jackson mapping does,
//     but a create request without "config" answers 400 (Kafka throws a
//     NullPointerException and answers 500 with a null message).
//   - GET /health needs no credentials, so orchestrator probes work when
//     authentication is on.
//   - PUT /admin/loggers/{name}?scope=cluster needs a herder that
//     implements ClusterLoggers; otherwise it answers 400.
//   - Connector and plugin lists are sorted by name (Kafka's order is a
//     HashMap's), so answers are stable.
//   - POST /connectors/{name}/signals (signals.go) is Sluice's own: it
//     produces a Debezium signal to the connector's Kafka signal channel
//     and answers 202 with the record's topic, partition and offset
//     (docs/adr/0017-cdc-signals.md).
package api
