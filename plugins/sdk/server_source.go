package sdk

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluicehq/sluice/record"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

type sourceServer struct {
	pb.UnimplementedSourceTaskServer
	srv *server
}

func (s *sourceServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.Empty, error) {
	t, err := s.srv.newTask(req.GetTask(), Source)
	if err != nil {
		return nil, err
	}
	if err := t.source.Configure(s.srv.ctx(ctx, t.connector, t.id), req.GetConfig()); err != nil {
		s.srv.removeTask(t)
		return nil, statusError(err)
	}
	return &pb.Empty{}, nil
}

func (s *sourceServer) Open(ctx context.Context, req *pb.SourceOpenRequest) (*pb.Empty, error) {
	t, err := s.srv.task(req.GetTask(), Source)
	if err != nil {
		return nil, err
	}
	offs, err := offsetsFromProto(req.GetCommitted())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &pb.Empty{}, statusError(t.source.Open(s.srv.ctx(ctx, t.connector, t.id), offs))
}

func (s *sourceServer) Commit(ctx context.Context, req *pb.CommitRequest) (*pb.Empty, error) {
	t, err := s.srv.task(req.GetTask(), Source)
	if err != nil {
		return nil, err
	}
	offs, err := offsetsFromProto(req.GetOffsets())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &pb.Empty{}, statusError(t.source.Commit(s.srv.ctx(ctx, t.connector, t.id), offs))
}

func (s *sourceServer) Stop(ctx context.Context, req *pb.StopRequest) (*pb.Empty, error) {
	t, err := s.srv.task(req.GetTask(), Source)
	if err != nil {
		return nil, err
	}
	s.srv.removeTask(t)
	return &pb.Empty{}, statusError(t.source.Stop(s.srv.ctx(ctx, t.connector, t.id)))
}

// Read runs the task's Read loop for one stream: it calls Read only while
// the host has granted credit, so at most the granted number of batches is
// ever in flight. The stream ends when the host closes it or Stop is called.
func (s *sourceServer) Read(stream pb.SourceTask_ReadServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	ref := first.GetStart()
	if ref == nil {
		return status.Error(codes.InvalidArgument, "the first message of a Read stream must be start")
	}
	t, err := s.srv.task(ref, Source)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	t.mu.Lock()
	if t.mu.reading {
		t.mu.Unlock()
		return status.Errorf(codes.FailedPrecondition, "task %q already has a Read stream", t.id)
	}
	t.mu.reading, t.mu.cancel = true, cancel
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.mu.reading, t.mu.cancel = false, nil
		t.mu.Unlock()
	}()

	// credits carries grants from the receiving goroutine; the loop below owns
	// the balance. Grants are few and small (the host's window), so a buffer
	// of 64 never blocks a well-behaved host.
	credits := make(chan uint32, 64)
	go func() {
		defer close(credits)
		for {
			m, err := stream.Recv()
			if err != nil {
				cancel()
				return
			}
			if c := m.GetCredit(); c > 0 {
				select {
				case credits <- c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()

	tctx := s.srv.ctx(ctx, t.connector, t.id)
	var balance uint32
	// Batches are encoded into buffers that travel to the transport
	// without a copy (pb.Batch, sent with pb.Codec, which Serve's server
	// uses): gRPC hands each back to bufs once it wrote it. The host's
	// credit bounds how many are out at once.
	bufs := pb.NewBatchBuffers(16)
	for {
		for balance == 0 {
			select {
			case c, ok := <-credits:
				if !ok {
					return nil
				}
				balance += c
			case <-ctx.Done():
				return nil
			}
		}
		recs, err := t.source.Read(tctx)
		if ctx.Err() != nil {
			return nil // stopped or the host went away; what was read is not delivered
		}
		resp := &pb.ReadResponse{Error: errorMessage(err)}
		var msg any = resp
		if err == nil && len(recs) > 0 {
			buf := bufs.Get(0)
			enc, err := record.EncodeBatch(*buf, recs)
			*buf = enc
			if err != nil {
				resp.Error = errorMessage(fmt.Errorf("encode batch of %d records: %w", len(recs), err))
				bufs.Put(buf)
			} else {
				resp.Count = uint32(len(recs))
				msg = &pb.Batch{Msg: resp, Field: pb.ReadResponseRecords, Records: buf, Pool: bufs}
			}
		}
		if err := stream.SendMsg(msg); err != nil {
			return err
		}
		balance--
	}
}

func offsetsFromProto(in []*pb.SourceOffset) ([]SourceOffset, error) {
	out := make([]SourceOffset, 0, len(in))
	for _, o := range in {
		p, err := pb.DecodeMap(o.GetPartitionJson())
		if err != nil {
			return nil, err
		}
		off, err := pb.DecodeMap(o.GetOffsetJson())
		if err != nil {
			return nil, err
		}
		out = append(out, SourceOffset{Partition: p, Offset: off})
	}
	return out, nil
}
