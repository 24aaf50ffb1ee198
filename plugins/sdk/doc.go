// Package sdk is the public API connector authors write against.
//
// A connector is a Go value implementing SourceConnector or SinkConnector. A
// plugin binary's main calls Serve with its connectors; the Sluice host
// launches that binary as a subprocess (hashicorp/go-plugin over gRPC, see
// package proto) and drives the connector and its tasks through the same
// interfaces declared here. Built-in connectors use nothing but this package,
// so a third party has the same power.
//
// Invariants the SDK keeps:
//   - A SourceTask's Read is called from one goroutine at a time; Commit may run
//     concurrently with Read and only ever names offsets the runtime made durable.
//   - A SinkTask's Write and Flush are called from one goroutine at a time; the
//     offsets Flush returns are the only ones the runtime commits.
//   - Errors wrapping ErrRetriable ask the runtime to retry the call; errors
//     wrapping ErrFatal fail the task without retry. Both survive the process
//     boundary: errors.Is works on the host side.
//   - A record a SourceTask marks with FailedRecord is never written to its
//     topic: the runtime applies errors.tolerance to it at stage TASK_POLL
//     (the dead-letter queue, or a failed task); a SinkTask reports records
//     it cannot write to its ErrantReporter.
//   - Serve stops every task still open when the host shuts the process down.
package sdk
