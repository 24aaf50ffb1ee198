package sdk

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluicehq/sluice/record"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

type sinkServer struct {
	pb.UnimplementedSinkTaskServer
	srv *server
}

func (s *sinkServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.Empty, error) {
	t, err := s.srv.newTask(req.GetTask(), Sink)
	if err != nil {
		return nil, err
	}
	if err := t.sink.Configure(s.srv.ctx(ctx, t.connector, t.id), req.GetConfig()); err != nil {
		s.srv.removeTask(t)
		return nil, statusError(err)
	}
	return &pb.Empty{}, nil
}

func (s *sinkServer) Open(ctx context.Context, req *pb.SinkOpenRequest) (*pb.Empty, error) {
	t, err := s.srv.task(req.GetTask(), Sink)
	if err != nil {
		return nil, err
	}
	tps := make([]TopicPartition, 0, len(req.GetPartitions()))
	for _, tp := range req.GetPartitions() {
		tps = append(tps, TopicPartition{Topic: tp.GetTopic(), Partition: tp.GetPartition()})
	}
	return &pb.Empty{}, statusError(t.sink.Open(s.srv.ctx(ctx, t.connector, t.id), tps))
}

func (s *sinkServer) Flush(ctx context.Context, req *pb.FlushRequest) (*pb.FlushResponse, error) {
	t, err := s.srv.task(req.GetTask(), Sink)
	if err != nil {
		return nil, err
	}
	offs, err := t.sink.Flush(s.srv.ctx(ctx, t.connector, t.id))
	if err != nil {
		return nil, statusError(err)
	}
	resp := &pb.FlushResponse{}
	for tp, o := range offs {
		resp.Offsets = append(resp.Offsets, &pb.PartitionOffset{
			Partition: &pb.TopicPartition{Topic: tp.Topic, Partition: tp.Partition},
			Offset:    o,
		})
	}
	return resp, nil
}

func (s *sinkServer) Stop(ctx context.Context, req *pb.StopRequest) (*pb.Empty, error) {
	t, err := s.srv.task(req.GetTask(), Sink)
	if err != nil {
		return nil, err
	}
	s.srv.removeTask(t)
	return &pb.Empty{}, statusError(t.sink.Stop(s.srv.ctx(ctx, t.connector, t.id)))
}

// Write answers each batch with one response carrying the errant reports and
// the error of that batch; an error does not end the stream.
func (s *sinkServer) Write(stream pb.SinkTask_WriteServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	ref := first.GetStart()
	if ref == nil {
		return status.Error(codes.InvalidArgument, "the first message of a Write stream must be start")
	}
	t, err := s.srv.task(ref, Sink)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	t.mu.Lock()
	if t.mu.writing {
		t.mu.Unlock()
		return status.Errorf(codes.FailedPrecondition, "task %q already has a Write stream", t.id)
	}
	t.mu.writing, t.mu.cancel = true, cancel
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.mu.writing, t.mu.cancel = false, nil
		t.mu.Unlock()
	}()
	tctx := s.srv.ctx(ctx, t.connector, t.id)
	for {
		m, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		resp := &pb.WriteResponse{Seq: m.GetSeq()}
		// m.Records is this message's own copy, never written again (the
		// codec copies it out of gRPC's buffers): the records may alias it.
		recs, err := record.DecodeBatchOwned(m.GetRecords())
		if err != nil {
			resp.Error = errorMessage(fmt.Errorf("decode batch: %w", err))
		} else {
			rep := &errantCollector{batch: recs}
			resp.Error = errorMessage(t.sink.Write(tctx, recs, rep))
			resp.Errant = rep.out
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

// errantCollector gathers a Write call's errant reports. A reported record is
// named by its index in the batch (matched by topic, partition and offset);
// one not found there is sent whole.
type errantCollector struct {
	batch []record.Record
	out   []*pb.ErrantRecord
}

func (c *errantCollector) Report(rec record.Record, err error) {
	if err == nil {
		err = fmt.Errorf("reported errant without a reason")
	}
	e := &pb.ErrantRecord{Error: errorMessage(err)}
	found := false
	for i := range c.batch {
		b := &c.batch[i]
		if b.Topic == rec.Topic && b.Partition == rec.Partition && b.Offset == rec.Offset {
			e.Index, found = uint32(i), true
			break
		}
	}
	if !found {
		e.Index = uint32(len(c.batch)) // out of range: see record
		enc, encErr := record.EncodeBatch(nil, []record.Record{rec})
		if encErr != nil {
			e.Error.Message += fmt.Sprintf(" (and the record could not be encoded: %v)", encErr)
		} else {
			e.Record = enc
		}
	}
	c.out = append(c.out, e)
}
