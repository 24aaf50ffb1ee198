// Package distributed is Sluice's distributed herder: a worker that joins a
// group of workers through the broker's classic group protocol (protocol
// type "connect", name "sluice1"), runs the connectors and tasks the
// group's leader assigns it, and answers the REST API (api.Herder). All
// state lives in the compacted topics of runtime/cluster, so a worker is
// stateless and any worker can be killed.
//
// # Goroutines and ownership
//
//	Run ── tick loop (owns: assignment, running tasks, leader, generation)
//	   │     ▲ requests (bounded chan of closures from REST calls)
//	   │     ▲ rebalances (one round's assignment; member waits for applied)
//	   │     ▲ changed (cap 1; flagged by the config store's tail goroutine)
//	   ├── member (owns: owned set, assignor state; shares member id,
//	   │     generation and liveness with its heartbeat goroutine):
//	   │     JoinGroup → [leader: read configs to end, cluster.Assign]
//	   │     → SyncGroup → hand to tick loop → wait until
//	   │     REBALANCE_IN_PROGRESS, a rejoin request, the assignor's delay,
//	   │     a stale member id or generation, or lost membership
//	   │   └── heartbeat goroutine (liveness.go): heartbeats throughout,
//	   │         rounds and slow stops included; marks the membership lost
//	   │         when unconfirmed for scheduled.rebalance.max.delay.ms
//	   ├── status writer (pending statuses and active topics coalesced per
//	   │     key, mutex-guarded)
//	   ├── task-config senders (a follower's POST to the leader, one per
//	   │     change, ended by Run's ctx; Herder.bg)
//	   └── one goroutine per task: runtime.Worker.RunTask (supervised)
//
// # Invariants
//
//   - A revoked task is stopped (its goroutine returned) before the member
//     rejoins, so with the assignor's rules no task has two live owners.
//   - A worker whose membership the coordinator has not confirmed for
//     scheduled.rebalance.max.delay.ms stops all its work before it
//     rejoins (KAFKA-9184); the leader moves a departed worker's work no
//     earlier than that delay after it saw it gone, so a worker cut off
//     from the group never runs a task another worker runs.
//   - JoinGroup and SyncGroup wait at most rebalance.timeout.ms (+5 s).
//   - Tasks that keep their owner across rounds are not restarted; a task
//     restarts only when its config, target state or ownership changes.
//   - Every write (create, config, pause/resume/stop, delete, offsets,
//     restart, task configs) runs on the leader's tick loop, in a settled
//     generation; other workers answer *api.NotLeaderError with the
//     leader's URL and the REST server forwards. A write that meets a
//     rebalance waits for it (15 s at most), then answers 409 with Kafka's
//     "stale configuration" message. RestartTask is answered by the task's
//     owner (NotLeaderError with the owner's URL).
//   - A restart is a restart-connector-NAME record in the configs topic:
//     every worker restarts the part of the connector it runs.
//   - Statuses carry this worker's id (advertised host:port) and the
//     generation of its assignment; StatusStore fences older generations.
//   - On shutdown the worker stops its tasks, writes their last statuses,
//     then leaves the group (so the leader sees it gone at once).
//
// # Deviations from Kafka Connect's DistributedHerder
//
//   - A connector has no running instance (runtime's connectors only split
//     work): owning one means computing its task configs and status.
//   - PAUSED stops the task instances (status PAUSED) instead of keeping
//     them idle; RESUME starts them from the committed offsets.
//   - A connector whose task configs cannot be computed (a placeholder
//     that does not resolve, a plugin that fails) is retried with the task
//     restart backoff instead of staying FAILED until its config changes.
//   - Active topics record task 0 (runtime's hook does not say which task).
//   - REST TLS and authentication take PEM and plain files
//     (rest.tls.*, rest.auth.*) instead of Java keystores and JAAS.
//
// Task configs computed by a follower reach the leader as Kafka's internal
// POST /connectors/{name}/tasks, signed with the session key (KIP-507) the
// leader writes to the configs topic and rotates every
// inter.worker.key.ttl.ms; REST authentication lets signed internal
// requests through and the leader checks the signature. Sink connectors'
// offsets (KIP-875) are their consumer group connect-NAME, read and
// changed with kadm.
//
// Metrics: Herder.Metrics (for api.Options.Metrics) serves the worker's task
// metrics (see package runtime) and sluice_connect_rebalances_total and
// sluice_connect_rebalance_duration_seconds (JoinGroup sent → assignment
// applied) and sluice_connect_membership_lost_total, all on the
// runtime.Worker's registry (Herder.Registry).
// ${env:…} and ${file:…} placeholders are resolved by the worker that runs
// the connector or task; task configs written to the configs topic keep
// the placeholders.
package distributed
