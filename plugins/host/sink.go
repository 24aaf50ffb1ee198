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

// SinkTask returns a new sink task in the process. Each call is a new task;
// Configure creates it in the plugin.
func (p *Process) SinkTask() sdk.SinkTask {
	return &sinkTask{p: p, ref: &pb.TaskRef{Connector: p.plugin.Name, Task: p.nextTaskID()}, bufs: pb.NewBatchBuffers(4)}
}

// sinkTask is the host half of a remote sink task. Write is called from one
// goroutine at a time (the SDK contract) and owns the Write stream's sending
// side; a receiving goroutine hands responses over. mu guards the setup.
type sinkTask struct {
	p   *Process
	ref *pb.TaskRef

	mu struct {
		sync.Mutex
		stream pb.SinkTask_WriteClient
		acks   chan *pb.WriteResponse
		ended  chan struct{} // closed when the stream ended; err says why
		cancel context.CancelFunc
		err    error // sticky: why the stream ended
		seq    uint64
	}
	// bufs recycles Write's encode buffers: a batch goes to gRPC's
	// transport without a copy (pb.Batch) and comes back once written.
	bufs *pb.BatchBuffers
}

func (t *sinkTask) Configure(ctx context.Context, cfg map[string]string) error {
	_, err := t.p.rpc.sink.Configure(ctx, &pb.ConfigureRequest{Task: t.ref, Config: cfg})
	return t.p.callError(ctx, "configure sink task", err)
}

func (t *sinkTask) Open(ctx context.Context, partitions []sdk.TopicPartition) error {
	req := &pb.SinkOpenRequest{Task: t.ref}
	for _, tp := range partitions {
		req.Partitions = append(req.Partitions, &pb.TopicPartition{Topic: tp.Topic, Partition: tp.Partition})
	}
	_, err := t.p.rpc.sink.Open(ctx, req)
	return t.p.callError(ctx, "open sink task", err)
}

func (t *sinkTask) Flush(ctx context.Context) (map[sdk.TopicPartition]int64, error) {
	resp, err := t.p.rpc.sink.Flush(ctx, &pb.FlushRequest{Task: t.ref})
	if err != nil {
		return nil, t.p.callError(ctx, "flush", err)
	}
	out := make(map[sdk.TopicPartition]int64, len(resp.GetOffsets()))
	for _, o := range resp.GetOffsets() {
		out[sdk.TopicPartition{Topic: o.GetPartition().GetTopic(), Partition: o.GetPartition().GetPartition()}] = o.GetOffset()
	}
	return out, nil
}

func (t *sinkTask) Stop(ctx context.Context) error {
	_, err := t.p.rpc.sink.Stop(ctx, &pb.StopRequest{Task: t.ref})
	t.mu.Lock()
	if t.mu.cancel != nil {
		t.mu.cancel()
	}
	if t.mu.err == nil {
		t.mu.err = fmt.Errorf("write: the task was stopped")
	}
	t.mu.Unlock()
	return t.p.callError(ctx, "stop sink task", err)
}

// Write sends the batch and waits for its answer; errant reports are handed
// to errant with the records as they were given.
func (t *sinkTask) Write(ctx context.Context, recs []record.Record, errant sdk.ErrantReporter) error {
	buf := t.bufs.Get(0)
	enc, err := record.EncodeBatch(*buf, recs)
	*buf = enc
	if err != nil {
		t.bufs.Put(buf)
		return fmt.Errorf("write: encode batch of %d records: %w", len(recs), err)
	}
	stream, acks, ended, err := t.writeStream(ctx)
	if err != nil {
		t.bufs.Put(buf)
		return err
	}
	t.mu.Lock()
	t.mu.seq++
	seq := t.mu.seq
	t.mu.Unlock()
	// The transport owns buf from here: it writes it (and replays it if it
	// retries) and gives it back to t.bufs once done (pb.Batch).
	err = stream.SendMsg(&pb.Batch{Msg: &pb.WriteRequest{Seq: seq}, Field: pb.WriteRequestRecords, Records: buf, Pool: t.bufs})
	if err != nil && !errors.Is(err, io.EOF) {
		return t.p.callError(ctx, "write", err)
	}
	// io.EOF from Send: the stream ended; Recv says why.
	for {
		select {
		case a := <-acks:
			if a.GetSeq() < seq {
				continue // the answer to a Write whose ctx ended before it came
			}
			return t.answer(recs, a, errant)
		case <-ended:
			t.mu.Lock()
			defer t.mu.Unlock()
			return t.mu.err
		case <-ctx.Done():
			return fmt.Errorf("write: %w", ctx.Err())
		}
	}
}

func (t *sinkTask) answer(recs []record.Record, resp *pb.WriteResponse, errant sdk.ErrantReporter) error {
	var errs []error
	for _, e := range resp.GetErrant() {
		cause := fromErrorMessage(e.GetError())
		var rec record.Record
		switch i := int(e.GetIndex()); {
		case i < len(recs):
			rec = recs[i]
		case len(e.GetRecord()) > 0:
			one, err := record.DecodeBatch(e.GetRecord())
			if err != nil || len(one) != 1 {
				errs = append(errs, fmt.Errorf("write: undecodable errant record reported (%v): %w", err, cause))
				continue
			}
			rec = one[0]
		default:
			errs = append(errs, fmt.Errorf("write: errant report names no record: %w", cause))
			continue
		}
		if errant == nil {
			errs = append(errs, fmt.Errorf("write: errant record %s[%d]@%d and no reporter: %w", rec.Topic, rec.Partition, rec.Offset, cause))
			continue
		}
		errant.Report(rec, cause)
	}
	if err := fromErrorMessage(resp.GetError()); err != nil {
		errs = append([]error{fmt.Errorf("write: %w", err)}, errs...)
	}
	return errors.Join(errs...)
}

func (t *sinkTask) writeStream(ctx context.Context) (pb.SinkTask_WriteClient, <-chan *pb.WriteResponse, <-chan struct{}, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.err != nil {
		return nil, nil, nil, t.mu.err
	}
	if t.mu.stream != nil {
		return t.mu.stream, t.mu.acks, t.mu.ended, nil
	}
	sctx, cancel := context.WithCancel(t.p.life)
	stream, err := t.p.rpc.sink.Write(sctx)
	if err == nil {
		err = stream.Send(&pb.WriteRequest{Start: t.ref})
	}
	if err != nil {
		cancel()
		return nil, nil, nil, t.p.callError(ctx, "write", err)
	}
	acks, ended := make(chan *pb.WriteResponse, 1), make(chan struct{})
	t.mu.stream, t.mu.acks, t.mu.ended, t.mu.cancel = stream, acks, ended, cancel
	go t.receive(sctx, stream, acks, ended)
	return stream, acks, ended, nil
}

// receive hands the Write stream's answers over until the stream ends, then
// records why and closes ended.
func (t *sinkTask) receive(sctx context.Context, stream pb.SinkTask_WriteClient, acks chan<- *pb.WriteResponse, ended chan<- struct{}) {
	var err error
	for {
		var m *pb.WriteResponse
		if m, err = stream.Recv(); err != nil {
			break
		}
		select {
		case acks <- m:
			continue
		case <-sctx.Done():
			err = sctx.Err()
		}
		break
	}
	err = t.p.streamEnd("write", sctx, err)
	t.mu.Lock()
	t.mu.err = err
	t.mu.Unlock()
	close(ended)
}
