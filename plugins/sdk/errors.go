package sdk

import "errors"

// Sentinel errors that tell the runtime what to do with a failed call. Wrap
// them: fmt.Errorf("connect to %s: %w", addr, sdk.ErrRetriable).
var (
	// ErrRetriable: the call may succeed if repeated (a network blip, a lock
	// timeout). The runtime retries with backoff without restarting the task.
	ErrRetriable = errors.New("retriable")
	// ErrFatal: repeating cannot help (bad credentials, a missing table). The
	// runtime fails the task and does not retry until reconfigured.
	ErrFatal = errors.New("fatal")
)
