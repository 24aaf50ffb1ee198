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
//	   ├── member (owns: member id, generation, owned set, assignor state):
//	   │     JoinGroup → [leader: read configs to end, cluster.Assign]
//	   │     → SyncGroup → hand to tick loop → heartbeat until
//	   │     REBALANCE_IN_PROGRESS, a rejoin request, or the assignor's delay
//	   ├── status writer (pending statuses coalesced per key, mutex-guarded)
//	   └── one goroutine per task: runtime.Worker.RunTask (supervised)
//
// # Invariants
//
//   - A revoked task is stopped (its goroutine returned) before the member
//     rejoins, so with the assignor's rules no task has two live owners.
//   - Tasks that keep their owner across rounds are not restarted; a task
//     restarts only when its config, target state or ownership changes.
//   - Every write (create, config, pause/resume/stop, delete, offsets) runs
//     on the leader's tick loop; other workers answer *api.NotLeaderError
//     with the leader's URL and the REST server forwards. RestartTask is
//     answered by the task's owner (NotLeaderError with the owner's URL).
//   - Statuses carry this worker's id (advertised host:port) and the
//     generation of its assignment; StatusStore fences older generations.
//   - On shutdown the worker stops its tasks, writes their last statuses,
//     then leaves the group (so the leader sees it gone at once).
//
// # Deviations from Kafka Connect's DistributedHerder
//
//   - A connector's owner computes its task configs and writes them to the
//     configs topic itself, instead of sending them to the leader over
//     POST /connectors/{name}/tasks (no session-key signatures yet).
//   - A connector has no running instance (runtime's connectors only split
//     work): owning one means computing its task configs and status.
//   - PAUSED stops the task instances (status PAUSED) instead of keeping
//     them idle; RESUME starts them from the committed offsets.
//   - Offsets, alter and reset cover source connectors (the offsets topic);
//     sink connectors' consumer-group offsets are not listed yet.
//
// Metrics: Herder.Metrics (for api.Options.Metrics) serves the worker's task
// metrics (see package runtime) and sluice_connect_rebalances_total and
// sluice_connect_rebalance_duration_seconds (JoinGroup sent → assignment
// applied), all on the runtime.Worker's registry (Herder.Registry).
// ${env:…} and ${file:…} placeholders are resolved by the worker that runs
// the connector or task; task configs written to the configs topic keep
// the placeholders.
package distributed
