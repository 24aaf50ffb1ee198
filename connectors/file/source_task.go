package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// initialBufSize is the read buffer's first size; it doubles for longer lines.
const initialBufSize = 64 << 10

var errStopped = fmt.Errorf("file source: task stopped: %w", sdk.ErrFatal)

// sourceTask reads one file. Configure, Open and Read run on the runtime's
// one reading goroutine; Stop may come from another, so the reader's state
// lives under mu, which Read holds while it touches the file but not while
// it waits. Commit touches nothing (the runtime keeps the offsets).
type sourceTask struct {
	pollInterval time.Duration
	valueSchema  *record.Schema

	stop     chan struct{} // closed by Stop: wakes a waiting Read
	stopOnce sync.Once

	mu struct {
		sync.Mutex
		cfg        sourceConfig
		configured bool
		stopped    bool
		f          *os.File // nil until the file exists and was opened
		buf        []byte   // bytes read from f; buf[off:n] are not yet returned
		off, n     int
		pos        int64 // file offset of buf[off]: where the next line starts
	}
}

func newSourceTask(poll time.Duration) *sourceTask {
	return &sourceTask{pollInterval: poll, valueSchema: record.StringSchema(), stop: make(chan struct{})}
}

var _ sdk.SourceTask = (*sourceTask)(nil)

// Configure implements sdk.SourceTask.
func (t *sourceTask) Configure(_ context.Context, cfg map[string]string) error {
	c, err := parseSourceConfig(cfg)
	if err != nil {
		return fmt.Errorf("file source: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mu.cfg, t.mu.configured = c, true
	return nil
}

// Open implements sdk.SourceTask: it resumes from the committed position of
// the configured file, if any.
func (t *sourceTask) Open(_ context.Context, committed []sdk.SourceOffset) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.mu.configured {
		return fmt.Errorf("file source: Open before Configure: %w", sdk.ErrFatal)
	}
	for _, o := range committed {
		if name, _ := o.Partition[PartitionFilename].(string); name != t.mu.cfg.file {
			continue
		}
		pos, err := sdk.OffsetInt64(o.Offset[OffsetPosition])
		if err != nil || pos < 0 {
			return fmt.Errorf("file source: committed offset %v of %s: bad %q: %w", o.Offset, t.mu.cfg.file, OffsetPosition, sdk.ErrFatal)
		}
		t.mu.pos = pos
	}
	return nil
}

// Read implements sdk.SourceTask: it returns up to batch.size lines; at the
// end of the file it waits up to the poll interval (less if ctx is done or
// the task stops), looks once more and returns what it found, maybe nothing.
func (t *sourceTask) Read(ctx context.Context) ([]record.Record, error) {
	recs, err := t.readLines()
	if err != nil || len(recs) > 0 {
		return recs, err
	}
	t.idle(ctx)
	if ctx.Err() != nil {
		return nil, nil
	}
	return t.readLines()
}

func (t *sourceTask) idle(ctx context.Context) {
	timer := time.NewTimer(t.pollInterval)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-t.stop:
	case <-timer.C:
	}
}

// readLines returns the complete lines available now, at most batch.size.
func (t *sourceTask) readLines() ([]record.Record, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.mu.stopped:
		return nil, errStopped
	case !t.mu.configured:
		return nil, fmt.Errorf("file source: Read before Configure: %w", sdk.ErrFatal)
	}
	if t.mu.f == nil {
		if err := t.openLocked(); err != nil || t.mu.f == nil {
			return nil, err
		}
	}
	var recs []record.Record
	now := time.Now()
	for len(recs) < t.mu.cfg.batchSize {
		line, ok := t.nextLineLocked()
		if ok {
			recs = append(recs, record.Record{
				Topic:           t.mu.cfg.topic,
				Partition:       -1,
				ValueSchema:     t.valueSchema,
				Value:           line,
				Timestamp:       now,
				SourcePartition: map[string]any{PartitionFilename: t.mu.cfg.file},
				SourceOffset:    map[string]any{OffsetPosition: t.mu.pos},
			})
			continue
		}
		more, err := t.fillLocked()
		if err != nil {
			return recs, err
		}
		if !more {
			break
		}
	}
	if len(recs) == 0 {
		return nil, t.checkTruncatedLocked()
	}
	return recs, nil
}

// openLocked opens the file and seeks to the resume position; a missing
// file leaves f nil (Kafka waits for it to appear).
func (t *sourceTask) openLocked() error {
	name := t.mu.cfg.file
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("file source: open %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() < t.mu.pos {
		err = fmt.Errorf("file source: %s has %d bytes, fewer than the committed position %d (truncated or replaced): %w",
			name, fi.Size(), t.mu.pos, sdk.ErrFatal)
	} else if err == nil {
		_, err = f.Seek(t.mu.pos, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("file source: open %s: %w", name, err)
	}
	t.mu.f = f
	if t.mu.buf == nil {
		t.mu.buf = make([]byte, initialBufSize)
	}
	t.mu.off, t.mu.n = 0, 0
	return nil
}

// nextLineLocked cuts the next complete line out of the buffer, as Kafka's
// extractLine does: "\n", "\r" and "\r\n" end a line, and a "\r" at the end
// of the buffer waits for the next byte.
func (t *sourceTask) nextLineLocked() (string, bool) {
	data := t.mu.buf[t.mu.off:t.mu.n]
	i := bytes.IndexAny(data, "\r\n")
	if i < 0 {
		return "", false
	}
	next := i + 1
	if data[i] == '\r' {
		if i+1 == len(data) {
			return "", false
		}
		if data[i+1] == '\n' {
			next = i + 2
		}
	}
	line := string(data[:i])
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	t.mu.off += next
	t.mu.pos += int64(next)
	return line, true
}

// fillLocked reads more of the file into the buffer; it reports false at
// the end of the file.
func (t *sourceTask) fillLocked() (bool, error) {
	if t.mu.off > 0 {
		t.mu.n = copy(t.mu.buf, t.mu.buf[t.mu.off:t.mu.n])
		t.mu.off = 0
	}
	if t.mu.n == len(t.mu.buf) {
		t.mu.buf = append(t.mu.buf, make([]byte, len(t.mu.buf))...)
	}
	m, err := t.mu.f.Read(t.mu.buf[t.mu.n:])
	t.mu.n += m
	if err == io.EOF || (err == nil && m == 0) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("file source: read %s: %w", t.mu.cfg.file, err)
	}
	return true, nil
}

// checkTruncatedLocked fails when the file shrank below what was read.
func (t *sourceTask) checkTruncatedLocked() error {
	fi, err := t.mu.f.Stat()
	if err != nil {
		return fmt.Errorf("file source: stat %s: %w", t.mu.cfg.file, err)
	}
	if read := t.mu.pos + int64(t.mu.n-t.mu.off); fi.Size() < read {
		return fmt.Errorf("file source: %s shrank to %d bytes below the read position %d (truncated): %w",
			t.mu.cfg.file, fi.Size(), read, sdk.ErrFatal)
	}
	return nil
}

// Commit implements sdk.SourceTask; the runtime stores the offsets.
func (t *sourceTask) Commit(context.Context, []sdk.SourceOffset) error { return nil }

// Stop implements sdk.SourceTask: it wakes a waiting Read and closes the
// file. It is idempotent.
func (t *sourceTask) Stop(context.Context) error {
	t.stopOnce.Do(func() { close(t.stop) })
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mu.stopped = true
	if t.mu.f == nil {
		return nil
	}
	err := t.mu.f.Close()
	t.mu.f = nil
	if err != nil {
		return fmt.Errorf("file source: close %s: %w", t.mu.cfg.file, err)
	}
	return nil
}
