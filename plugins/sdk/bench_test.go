package sdk

import (
	"context"
	"fmt"
	"testing"

	"github.com/sluicehq/sluice/record"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

// fixedSource returns the same batch on every Read.
type fixedSource struct {
	UnimplementedSourceTask
	recs []record.Record
}

func (s *fixedSource) Read(context.Context) ([]record.Record, error) { return s.recs, nil }

type fixedConnector struct{ task *fixedSource }

func (fixedConnector) Spec() Spec { return Spec{Name: "fixed", Kind: Source} }
func (fixedConnector) Validate(context.Context, map[string]string) map[string][]string {
	return nil
}
func (fixedConnector) TaskConfigs(context.Context, map[string]string, int) ([]map[string]string, error) {
	return nil, nil
}
func (c fixedConnector) NewTask() SourceTask { return c.task }

// BenchmarkReadStream measures the plugin side of a Read stream in process
// (over an in-memory listener): encoding batches of 500 records and sending
// them. The client only receives, so allocations are mostly the server's and
// the received message's own copy.
func BenchmarkReadStream(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("value=%dB", size), func(b *testing.B) {
			value := make([]byte, size)
			recs := make([]record.Record, 500)
			for i := range recs {
				recs[i] = record.Record{Topic: "t", Partition: -1, Key: int64(i), Value: value,
					SourcePartition: map[string]any{"source": "count"}, SourceOffset: map[string]any{"position": int64(i)}}
			}
			conn := serveInProcess(b, fixedConnector{&fixedSource{recs: recs}})
			ctx := b.Context()
			ref := &pb.TaskRef{Connector: "fixed", Task: "1"}
			src := pb.NewSourceTaskClient(conn)
			if _, err := src.Configure(ctx, &pb.ConfigureRequest{Task: ref}); err != nil {
				b.Fatal(err)
			}
			stream, err := src.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if err := stream.Send(&pb.ReadRequest{Msg: &pb.ReadRequest_Start{Start: ref}}); err != nil {
				b.Fatal(err)
			}
			const window = 4
			if err := stream.Send(&pb.ReadRequest{Msg: &pb.ReadRequest_Credit{Credit: window}}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; n += len(recs) {
				if _, err := stream.Recv(); err != nil {
					b.Fatal(err)
				}
				if err := stream.Send(&pb.ReadRequest{Msg: &pb.ReadRequest_Credit{Credit: 1}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
