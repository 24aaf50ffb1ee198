// Package host finds, launches and supervises connector plugin processes and
// speaks to them over the plugin protocol (package proto). The runtime uses
// it; connector authors never do.
//
// One Process is one plugin subprocess started with hashicorp/go-plugin over
// gRPC. Invariants:
//   - No call on a Process or on the connector and tasks it hands out blocks
//     past its context or past the process's death: when the process exits
//     (crash, panic, kill -9), Exited closes and every pending and later call
//     returns an error wrapping ErrExited that names the exit status and the
//     last lines the plugin wrote to stderr.
//   - Stop never returns before the process is gone: it asks for a graceful
//     shutdown and kills the process when ctx ends first.
//   - A source task's Read stream holds at most ReadWindow undelivered
//     batches: the plugin reads ahead only as far as the host granted credit.
//   - The plugin's stderr (hclog JSON lines, or plain text) is folded into the
//     caller's slog logger with the connector and task fields.
package host
