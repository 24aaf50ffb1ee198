package sdk

import (
	"errors"

	"github.com/sluicehq/sluice/record"
)

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

// HeaderRecordError is the header FailedRecord puts on a record: its value
// is the error's message. The runtime removes it before the record goes
// anywhere.
const HeaderRecordError = "__sluice.source.error"

// FailedRecord marks rec, a record a source task could not make properly
// (a value it cannot map, say), as failed with err. The runtime never
// writes it to its topic: it treats it as a failure at stage TASK_POLL,
// so errors.tolerance=none fails the task with err's message, and all
// sends rec to the dead-letter queue (when one is configured) and commits
// past its source offset. rec should carry what an operator needs to see
// the problem (the raw values, schemaless) and its source offset, like any
// other record, so nothing is lost and nothing is silently skipped.
func FailedRecord(rec record.Record, err error) record.Record {
	rec.Headers = append(rec.Headers[:len(rec.Headers):len(rec.Headers)],
		record.Header{Key: HeaderRecordError, Schema: record.StringSchema(), Value: err.Error()})
	return rec
}

// RecordError returns rec without FailedRecord's header, and the failure
// it carried; rec and nil for any other record.
func RecordError(rec record.Record) (record.Record, error) {
	for i, h := range rec.Headers {
		if h.Key != HeaderRecordError {
			continue
		}
		msg, _ := h.Value.(string)
		rest := make([]record.Header, 0, len(rec.Headers)-1)
		rest = append(append(rest, rec.Headers[:i]...), rec.Headers[i+1:]...)
		rec.Headers = rest
		return rec, &recordError{msg}
	}
	return rec, nil
}

// recordError is a FailedRecord's failure as the runtime sees it: only its
// message crosses the plugin boundary.
type recordError struct{ msg string }

func (e *recordError) Error() string { return e.msg }
