// Package sdktest is the acceptance kit every Sluice connector passes, built
// on nothing but the public SDK, the record model and package testing, so a
// third-party connector's tests can run it too:
//
//	func TestAcceptance(t *testing.T) {
//		sdktest.RunSource(t, myconn.New(), cfg, sdktest.SourceOptions{Want: 1000})
//	}
//
// RunSource drives a SourceConnector in process through the sdk interfaces:
//
//  1. Spec: a name, a version, the right Kind, a ConfigDef whose keys are
//     documented and whose defaults pass their own validators, no duplicate
//     aliases.
//  2. Configuration: the given configuration validates clean (ConfigDef plus
//     Connector.Validate, as the runtime applies both); without each of its
//     required keys it fails and the problems name that key. TaskConfigs
//     returns between 1 and MaxTasks configurations; the kit runs the first.
//  3. First run: Configure, Open with no offsets, Read until Want records.
//     Every record has a topic, a source partition and a source offset that
//     survive JSON, and valid key and value for their schemas. After CommitAt
//     records the kit commits their offsets (concurrently with the next
//     Read, as the runtime may). A Read whose ctx is cancelled returns within
//     CancelWithin. Stop returns nil, twice.
//  4. Restart: a fresh task is opened with the committed offsets after a
//     trip through JSON (integers come back as int64, as over the plugin
//     boundary). It must deliver every record of the uncommitted window
//     again (no loss) and none at or before the committed point (no
//     duplicates beyond what at-least-once allows); window duplicates are
//     counted and logged. With Replayable, redelivered records must carry
//     the same key and value.
//
// RunSink drives a SinkConnector: Spec and configuration as above; then a
// first task writes the first half of the input in batches (with the Errant
// records mixed in), flushes, and the kit checks the offsets (never beyond
// what was written, never backwards, errant records count as handled) and,
// through ReadBack, that everything below them landed and no errant record
// did; it writes a quarter more without flushing and stops. A fresh task is
// opened and given everything from the committed offsets on, as the runtime
// redelivers, and flushed. In the end every record below the final offsets
// has landed, nothing landed that was not written, and duplicates come only
// from the unflushed window (counted and logged). Every Errant record must
// have been reported to the ErrantReporter, and no other.
//
// The kit never sleeps to wait for a condition: it waits on Read and on
// deadlines.
package sdktest
