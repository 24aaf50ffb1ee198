package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/sluicehq/sluice/record"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

// readCounter is a source whose Read calls are counted.
type readCounter struct {
	UnimplementedSourceTask
	reads atomic.Int64
}

func (r *readCounter) Read(context.Context) ([]record.Record, error) {
	n := r.reads.Add(1)
	return []record.Record{{Topic: "t", Key: n}}, nil
}

type readCounterConnector struct{ task *readCounter }

func (c readCounterConnector) Spec() Spec { return Spec{Name: "rc", Kind: Source} }
func (readCounterConnector) Validate(context.Context, map[string]string) map[string][]string {
	return nil
}
func (readCounterConnector) TaskConfigs(context.Context, map[string]string, int) ([]map[string]string, error) {
	return nil, nil
}
func (c readCounterConnector) NewTask() SourceTask { return c.task }

// serveInProcess runs the plugin's gRPC services on an in-memory listener.
func serveInProcess(t testing.TB, cs ...Connector) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer(serverOptions()...)
	gp := &grpcPlugin{srv: newServer(cs, slog.New(slog.DiscardHandler))}
	if err := gp.GRPCServer(nil, s); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestReadHonoursCredit: the plugin calls Read only for batches the host
// granted, so when a batch arrives exactly as many Reads have happened as
// batches were received.
func TestReadHonoursCredit(t *testing.T) {
	task := &readCounter{}
	conn := serveInProcess(t, readCounterConnector{task})
	ctx := t.Context()
	ref := &pb.TaskRef{Connector: "rc", Task: "1"}
	src := pb.NewSourceTaskClient(conn)
	if _, err := src.Configure(ctx, &pb.ConfigureRequest{Task: ref}); err != nil {
		t.Fatal(err)
	}
	stream, err := src.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	send := func(m *pb.ReadRequest) {
		if err := stream.Send(m); err != nil {
			_, rerr := stream.Recv()
			t.Fatalf("send: %v (the stream ended: %v)", err, rerr)
		}
	}
	send(&pb.ReadRequest{Msg: &pb.ReadRequest_Start{Start: ref}})
	received := int64(0)
	for _, grant := range []uint32{2, 1, 5} {
		send(&pb.ReadRequest{Msg: &pb.ReadRequest_Credit{Credit: grant}})
		for range grant {
			m, err := stream.Recv()
			if err != nil {
				t.Fatal(err)
			}
			received++
			recs, err := record.DecodeBatch(m.GetRecords())
			if err != nil || len(recs) != 1 || m.GetCount() != 1 {
				t.Fatalf("batch = %v, %v", recs, err)
			}
		}
		// After the last granted batch the loop waits for credit: no Read
		// beyond what was granted.
		if got := task.reads.Load(); got != received {
			t.Fatalf("after %d batches the plugin called Read %d times", received, got)
		}
	}
	// A second Read stream for the same task is refused.
	other, err := src.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Send(&pb.ReadRequest{Msg: &pb.ReadRequest_Start{Start: ref}}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Recv(); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("second Read stream: %v, want FailedPrecondition", err)
	}
	// Stop ends the running stream (it was waiting for credit).
	if _, err := src.Stop(ctx, &pb.StopRequest{Task: ref}); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		t.Errorf("Read stream after Stop: %v, want its end", err)
	}
	if got := task.reads.Load(); got != received {
		t.Errorf("Read called %d times for %d batches", got, received)
	}
}

func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		err   error
		code  codes.Code
		class pb.Error_Class
	}{
		{fmt.Errorf("x: %w", ErrRetriable), codes.Aborted, pb.Error_CLASS_RETRIABLE},
		{fmt.Errorf("x: %w", ErrFatal), codes.FailedPrecondition, pb.Error_CLASS_FATAL},
		{errors.New("x"), codes.Unknown, pb.Error_CLASS_OTHER},
		{context.Canceled, codes.Canceled, pb.Error_CLASS_OTHER},
	} {
		if got := status.Code(statusError(tc.err)); got != tc.code {
			t.Errorf("statusError(%v) code = %v, want %v", tc.err, got, tc.code)
		}
		if got := errorMessage(tc.err); got.GetClass() != tc.class || got.GetMessage() != tc.err.Error() {
			t.Errorf("errorMessage(%v) = %v", tc.err, got)
		}
	}
	if statusError(nil) != nil || errorMessage(nil) != nil {
		t.Error("nil error became non-nil")
	}
}

func TestErrantCollector(t *testing.T) {
	batch := []record.Record{{Topic: "a", Partition: 0, Offset: 5}, {Topic: "a", Partition: 1, Offset: 5}}
	c := &errantCollector{batch: batch}
	c.Report(batch[1], errors.New("bad"))
	c.Report(record.Record{Topic: "other", Offset: 1, Value: "v"}, fmt.Errorf("worse: %w", ErrFatal))
	if len(c.out) != 2 {
		t.Fatalf("out = %v", c.out)
	}
	if c.out[0].GetIndex() != 1 || c.out[0].GetRecord() != nil || c.out[0].GetError().GetMessage() != "bad" {
		t.Errorf("in-batch report = %v", c.out[0])
	}
	recs, err := record.DecodeBatch(c.out[1].GetRecord())
	if c.out[1].GetIndex() != 2 || err != nil || len(recs) != 1 || recs[0].Topic != "other" ||
		c.out[1].GetError().GetClass() != pb.Error_CLASS_FATAL {
		t.Errorf("out-of-batch report = %v (%v, %v)", c.out[1], recs, err)
	}
}

// varyingSource returns batches whose sizes grow and shrink (one over
// maxKeptBuffer) and whose values differ per batch, so a batch corrupted by
// the reuse of the encode buffer shows.
type varyingSource struct {
	UnimplementedSourceTask
	n int
}

var varyingSizes = []int{10, 1000, 100, 3 << 20, 50, 2000, 1, 700}

func varyingBatch(n int) []record.Record {
	size := varyingSizes[n%len(varyingSizes)]
	recs := make([]record.Record, 1+size/1000)
	for i := range recs {
		v := make([]byte, min(size, 1000))
		for j := range v {
			v[j] = byte(n + i + j)
		}
		recs[i] = record.Record{Topic: "t", Key: int64(n), Value: v}
	}
	return recs
}

func (s *varyingSource) Read(context.Context) ([]record.Record, error) {
	s.n++
	return varyingBatch(s.n), nil
}

// TestReadReusedBufferIntact: with credit for many batches the plugin
// encodes the next batch while earlier ones are still on their way; each
// batch still arrives as it was read.
func TestReadReusedBufferIntact(t *testing.T) {
	conn := serveInProcess(t, varyingConnector{})
	ctx := t.Context()
	ref := &pb.TaskRef{Connector: "vary", Task: "1"}
	src := pb.NewSourceTaskClient(conn)
	if _, err := src.Configure(ctx, &pb.ConfigureRequest{Task: ref}); err != nil {
		t.Fatal(err)
	}
	stream, err := src.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const batches = 40
	for _, m := range []*pb.ReadRequest{
		{Msg: &pb.ReadRequest_Start{Start: ref}},
		{Msg: &pb.ReadRequest_Credit{Credit: batches}},
	} {
		if err := stream.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	var got []*pb.ReadResponse
	for range batches {
		m, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	for i, m := range got {
		recs, err := record.DecodeBatch(m.GetRecords())
		if err != nil {
			t.Fatalf("batch %d: %v", i+1, err)
		}
		want := varyingBatch(i + 1)
		if len(recs) != len(want) || int(m.GetCount()) != len(want) {
			t.Fatalf("batch %d: %d records (count %d), want %d", i+1, len(recs), m.GetCount(), len(want))
		}
		for j := range recs {
			if recs[j].Key != want[j].Key || !bytes.Equal(recs[j].Value.([]byte), want[j].Value.([]byte)) {
				t.Fatalf("batch %d record %d differs", i+1, j)
			}
		}
	}
}

type varyingConnector struct{}

func (varyingConnector) Spec() Spec { return Spec{Name: "vary", Kind: Source} }
func (varyingConnector) Validate(context.Context, map[string]string) map[string][]string {
	return nil
}
func (varyingConnector) TaskConfigs(context.Context, map[string]string, int) ([]map[string]string, error) {
	return nil, nil
}
func (varyingConnector) NewTask() SourceTask { return &varyingSource{} }
