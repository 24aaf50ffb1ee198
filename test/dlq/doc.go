// Package dlq is the end-to-end test of dead-letter queues: a sink pipeline
// with poison pills under errors.tolerance=all, the dead-letter queue it
// fills, and a replay after the sink's configuration is fixed. It runs the
// bundled broker, the worker and FileStreamSink in process; no mocks.
package dlq
