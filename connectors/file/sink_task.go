package file

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"sync"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// sinkTask appends values to one file. The runtime calls Write and Flush
// from one goroutine at a time, but Stop may come from another, so all state
// is under mu.
type sinkTask struct {
	mu struct {
		sync.Mutex
		path    string
		f       *os.File      // nil before Open and after Stop
		w       *bufio.Writer // over f
		line    []byte        // scratch for one rendered line
		written map[sdk.TopicPartition]int64
		stopped bool
	}
}

var _ sdk.SinkTask = (*sinkTask)(nil)

// Configure implements sdk.SinkTask.
func (t *sinkTask) Configure(_ context.Context, cfg map[string]string) error {
	path, err := parseSinkConfig(cfg)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mu.path = path
	return nil
}

// Open implements sdk.SinkTask: the file is opened for appending (and
// created) on the first call; later calls (new assignments) keep it.
func (t *sinkTask) Open(_ context.Context, _ []sdk.TopicPartition) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.mu.stopped:
		return fmt.Errorf("file sink: Open after Stop: %w", sdk.ErrFatal)
	case t.mu.path == "":
		return fmt.Errorf("file sink: Open before Configure: %w", sdk.ErrFatal)
	case t.mu.f != nil:
		return nil
	}
	f, err := os.OpenFile(t.mu.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("file sink: open %s: %w", t.mu.path, err)
	}
	if err := dropTornLine(f); err != nil {
		f.Close()
		return fmt.Errorf("file sink: %s: %w", t.mu.path, err)
	}
	t.mu.f, t.mu.w = f, bufio.NewWriterSize(f, 64<<10)
	if t.mu.written == nil {
		t.mu.written = make(map[sdk.TopicPartition]int64)
	}
	return nil
}

// Write implements sdk.SinkTask. A value that cannot be rendered is reported
// to errant and skipped (its offset still counts as handled); without a
// reporter it fails the batch.
func (t *sinkTask) Write(_ context.Context, recs []record.Record, errant sdk.ErrantReporter) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.f == nil {
		return fmt.Errorf("file sink: Write before Open or after Stop: %w", sdk.ErrFatal)
	}
	for i := range recs {
		r := &recs[i]
		line, err := appendLine(t.mu.line[:0], r.Value)
		if err != nil {
			err = fmt.Errorf("file sink: record %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
			if errant == nil {
				return fmt.Errorf("%w: %w", err, sdk.ErrFatal)
			}
			errant.Report(*r, err)
		} else {
			t.mu.line = append(line, '\n')
			if _, err := t.mu.w.Write(t.mu.line); err != nil {
				return fmt.Errorf("file sink: write %s: %w", t.mu.path, err)
			}
		}
		t.mu.written[sdk.TopicPartition{Topic: r.Topic, Partition: r.Partition}] = r.Offset + 1
	}
	return nil
}

// Flush implements sdk.SinkTask: the buffer is written out and the file
// fsynced before the offsets are returned.
func (t *sinkTask) Flush(context.Context) (map[sdk.TopicPartition]int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.f == nil {
		return maps.Clone(t.mu.written), nil
	}
	if err := t.flushLocked(); err != nil {
		return nil, err
	}
	return maps.Clone(t.mu.written), nil
}

func (t *sinkTask) flushLocked() error {
	if err := t.mu.w.Flush(); err != nil {
		return fmt.Errorf("file sink: write %s: %w", t.mu.path, err)
	}
	if err := t.mu.f.Sync(); err != nil {
		return fmt.Errorf("file sink: fsync %s: %w", t.mu.path, err)
	}
	return nil
}

// Stop implements sdk.SinkTask: it flushes what was written (as Kafka's
// close of the stream does) and closes the file. It is idempotent.
func (t *sinkTask) Stop(context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mu.stopped = true
	if t.mu.f == nil {
		return nil
	}
	err := t.flushLocked()
	if cerr := t.mu.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("file sink: close %s: %w", t.mu.path, cerr)
	}
	t.mu.f, t.mu.w = nil, nil
	return err
}

// dropTornLine truncates f after its last newline. A previous task that
// died mid-write (a killed plugin) can leave half a line; that line was
// never flushed, so its record was never committed and is delivered again.
// Without the cut, the redelivered line would be glued to the torn one.
func dropTornLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	for end := st.Size(); end > 0; {
		start := max(0, end-chunk)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && n < int(end-start) {
			return fmt.Errorf("read tail: %w", err)
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			if keep := start + int64(i) + 1; keep < st.Size() {
				return f.Truncate(keep)
			}
			return nil
		}
		end = start
	}
	return f.Truncate(0) // no complete line at all
}
