package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/sluicehq/sluice/record"

	"github.com/sluicehq/sluice/plugins/sdk"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

// ReadWindow is how many batches a source task's plugin may read ahead of
// the runtime: the credit the host grants on a Read stream.
const ReadWindow = 4

// SourceTask returns a new source task in the process. Each call is a new
// task; Configure creates it in the plugin.
func (p *Process) SourceTask() sdk.SourceTask {
	return &sourceTask{p: p, ref: &pb.TaskRef{Connector: p.plugin.Name, Task: p.nextTaskID()}}
}

// sourceTask is the host half of a remote source task. The Read stream is
// owned by the goroutine calling Read (the SDK contract: one at a time); its
// receiving goroutine only fills batches. mu guards the stream's setup.
type sourceTask struct {
	p   *Process
	ref *pb.TaskRef

	mu struct {
		sync.Mutex
		stream  pb.SourceTask_ReadClient
		batches chan readResult // at most ReadWindow, the granted credit
		cancel  context.CancelFunc
		err     error // sticky: the stream ended
		lazy    bool  // decode with record.LazySourceOffsets; read when the stream opens
	}
}

// LazySourceOffsets makes Read return records whose source offsets are
// decoded lazily (record.LazySourceOffsets): their SourceOffset is nil and
// Record.SourceOffsetMap builds it, saving a map per record for a caller
// that needs few of them. The worker asks for it; other callers get
// records with SourceOffset set. Call it before the first Read.
func (t *sourceTask) LazySourceOffsets() {
	t.mu.Lock()
	t.mu.lazy = true
	t.mu.Unlock()
}

type readResult struct {
	recs []record.Record
	err  error // a task error (the stream goes on) or the end of the stream
	end  bool
}

func (t *sourceTask) Configure(ctx context.Context, cfg map[string]string) error {
	_, err := t.p.rpc.source.Configure(ctx, &pb.ConfigureRequest{Task: t.ref, Config: cfg})
	return t.p.callError(ctx, "configure source task", err)
}

func (t *sourceTask) Open(ctx context.Context, committed []sdk.SourceOffset) error {
	offs, err := offsetsToProto(committed)
	if err != nil {
		return fmt.Errorf("open source task: %w", err)
	}
	_, err = t.p.rpc.source.Open(ctx, &pb.SourceOpenRequest{Task: t.ref, Committed: offs})
	return t.p.callError(ctx, "open source task", err)
}

func (t *sourceTask) Commit(ctx context.Context, offsets []sdk.SourceOffset) error {
	offs, err := offsetsToProto(offsets)
	if err != nil {
		return fmt.Errorf("commit source offsets: %w", err)
	}
	_, err = t.p.rpc.source.Commit(ctx, &pb.CommitRequest{Task: t.ref, Offsets: offs})
	return t.p.callError(ctx, "commit source offsets", err)
}

func (t *sourceTask) Stop(ctx context.Context) error {
	_, err := t.p.rpc.source.Stop(ctx, &pb.StopRequest{Task: t.ref})
	t.mu.Lock()
	if t.mu.cancel != nil {
		t.mu.cancel()
	}
	if t.mu.err == nil {
		t.mu.err = fmt.Errorf("read: the task was stopped")
	}
	t.mu.Unlock()
	return t.p.callError(ctx, "stop source task", err)
}

// Read returns the next batch the plugin read ahead, then grants one more.
func (t *sourceTask) Read(ctx context.Context) ([]record.Record, error) {
	batches, err := t.readStream(ctx)
	if err != nil {
		return nil, err
	}
	select {
	case r := <-batches:
		if r.end {
			t.mu.Lock()
			t.mu.err = r.err
			t.mu.Unlock()
			return nil, r.err
		}
		t.mu.Lock()
		stream := t.mu.stream
		t.mu.Unlock()
		if err := stream.Send(&pb.ReadRequest{Msg: &pb.ReadRequest_Credit{Credit: 1}}); err != nil && !errors.Is(err, io.EOF) {
			return r.recs, nil // the receiver reports the stream's end on the next Read
		}
		return r.recs, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("read: %w", ctx.Err())
	}
}

// readStream opens the Read stream on first use.
func (t *sourceTask) readStream(ctx context.Context) (<-chan readResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.err != nil {
		return nil, t.mu.err
	}
	if t.mu.stream != nil {
		return t.mu.batches, nil
	}
	sctx, cancel := context.WithCancel(t.p.life)
	stream, err := t.p.rpc.source.Read(sctx)
	if err == nil {
		err = stream.Send(&pb.ReadRequest{Msg: &pb.ReadRequest_Start{Start: t.ref}})
	}
	if err == nil {
		err = stream.Send(&pb.ReadRequest{Msg: &pb.ReadRequest_Credit{Credit: ReadWindow}})
	}
	if err != nil {
		cancel()
		return nil, t.p.callError(ctx, "read", err)
	}
	// ReadWindow+1: the batches granted, plus the end of the stream.
	batches := make(chan readResult, ReadWindow+1)
	t.mu.stream, t.mu.batches, t.mu.cancel = stream, batches, cancel
	var opts []record.DecodeOption
	if t.mu.lazy {
		opts = append(opts, record.LazySourceOffsets)
	}
	go t.receive(sctx, stream, batches, opts)
	return batches, nil
}

// receive decodes batches as they arrive, so decoding overlaps the
// runtime's work on the previous batch. The plugin never sends more than the
// credit granted, so sends to batches do not block.
func (t *sourceTask) receive(sctx context.Context, stream pb.SourceTask_ReadClient, batches chan<- readResult, opts []record.DecodeOption) {
	for {
		m, err := stream.Recv()
		if err != nil {
			batches <- readResult{err: t.p.streamEnd("read", sctx, err), end: true}
			return
		}
		r := readResult{err: fromErrorMessage(m.GetError())}
		if r.err != nil {
			r.err = fmt.Errorf("read: %w", r.err)
		}
		if len(m.GetRecords()) > 0 {
			// m.Records is this message's own copy (pb.Codec copies the
			// message out of gRPC's pooled receive buffers, and so does
			// grpc's proto codec) and is never reused or written: the
			// decoded records may alias it.
			recs, err := record.DecodeBatchOwned(m.GetRecords(), opts...)
			if err != nil {
				r.err = fmt.Errorf("read: decode batch of %d records from the plugin: %w", m.GetCount(), err)
			}
			r.recs = recs
		}
		if len(batches) >= ReadWindow {
			// The plugin overran its credit: a protocol violation. (Only this
			// goroutine sends, so the length can only shrink meanwhile.)
			t.mu.Lock()
			t.mu.cancel()
			t.mu.Unlock()
			batches <- readResult{err: fmt.Errorf("read: the plugin sent more batches than the %d granted", ReadWindow), end: true}
			return
		}
		batches <- r
	}
}

func offsetsToProto(in []sdk.SourceOffset) ([]*pb.SourceOffset, error) {
	out := make([]*pb.SourceOffset, 0, len(in))
	for _, o := range in {
		p, err := pb.EncodeMap(o.Partition)
		if err != nil {
			return nil, err
		}
		off, err := pb.EncodeMap(o.Offset)
		if err != nil {
			return nil, err
		}
		out = append(out, &pb.SourceOffset{PartitionJson: p, OffsetJson: off})
	}
	return out, nil
}
