// Package meta holds Sluice's cluster metadata as the replicated state
// machine of one hashicorp/raft group (the KRaft role): the cluster id,
// registered brokers, topics (id, partitions, leaders, leader epochs,
// replicas, ISR, explicitly set configs), dynamic broker configs and the
// producer-id allocator.
//
// A single node runs the group with one voter, bootstrapped on the first
// start. Growing to more voters is configuration (Config.RaftBind, Peers),
// not a rewrite: the state machine, commands and snapshots do not change.
//
// On disk (Config.Dir):
//
//	raft/
//	  raft.db                     bbolt: raft log entries and stable state
//	  snapshots/<term>-<index>-<ms>/
//	    meta.json                 raft's snapshot metadata
//	    state.bin                 {"version":1,"state":{…}}  (snapshot.go)
//
// Each change is one JSON command in the raft log (commands.go) applied by
// the FSM (fsm.go).
//
// Invariants:
//   - The FSM is deterministic. Everything random or policy-dependent
//     (cluster id, topic ids, replica assignment, validation of names,
//     configs and replication factors) is decided before proposal and
//     carried in the command; the FSM checks only preconditions on its own
//     state (topic exists, partition count unchanged since proposal), so
//     replaying an old log with a newer Sluice rebuilds the same state.
//   - The cluster id is created once and never changes.
//   - Producer-id ranges never overlap, also across restarts: the allocator
//     lives in the replicated state.
//   - Topic names and ids are unique; a name that differs from an existing
//     one only by '.' versus '_' is refused (Kafka's metric-collision rule).
//   - Readers get copies: nothing returned by Store aliases the state.
//   - Watchers see every change exactly once, in log order, on one
//     goroutine, outside Store locks; a new watcher first gets the current
//     topics as TopicCreated events. The event queue is bounded: a slow
//     watcher delays later metadata changes instead of growing memory.
//   - Mutations are accepted only on the raft leader (the controller);
//     elsewhere they fail with ErrNotController.
package meta
