package proto

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Codec is the gRPC codec both sides of a plugin connection use (the host
// forces it on its calls, Serve on its server). On the wire it is protobuf,
// exactly what grpc's own "proto" codec reads and writes, so either side
// may run it against a peer that does not: it only avoids copies of record
// batches, the bulk of the traffic.
//
//   - Sending, a *Batch passes its encoded records to the transport without
//     copying them into a marshal buffer (grpc's codec would copy them, after
//     clearing a pooled buffer of up to 1 MiB).
//   - Receiving a ReadResponse or a WriteRequest, the message is copied once
//     out of the transport's buffers and its records field aliases that
//     copy (grpc's codec copies it twice: into one buffer, then into the
//     field).
//
// Every other message goes through grpc's proto codec unchanged.
type Codec struct{}

var _ encoding.CodecV2 = Codec{}

// Name is "proto": the content-subtype is the one grpc's codec announces.
func (Codec) Name() string { return grpcproto.Name }

// Batch is a message to send whose records field travels without a copy:
// Msg is marshalled as usual (its records field must be empty) and followed
// by field Field holding *Records. The transport may write *Records after
// SendMsg returned, so the sender hands *Records over with the Batch: Pool's
// Put gives it back once gRPC is done with it. Put may never come (a small
// slice, a nil Pool, a failed stream); then the slice is garbage. Only Codec
// can send a Batch.
type Batch struct {
	Msg     proto.Message
	Field   protowire.Number
	Records *[]byte
	Pool    mem.BufferPool
}

// ReadResponseRecords and WriteRequestRecords are the field numbers of the
// records fields of ReadResponse and WriteRequest (plugin.proto), for Batch.
const (
	ReadResponseRecords protowire.Number = 1
	WriteRequestRecords protowire.Number = 3
)

func (Codec) Marshal(v any) (mem.BufferSlice, error) {
	b, ok := v.(*Batch)
	if !ok {
		return protoCodec().Marshal(v)
	}
	head, err := proto.MarshalOptions{}.Marshal(b.Msg)
	if err != nil {
		return nil, err
	}
	if b.Records == nil || len(*b.Records) == 0 {
		if b.Records != nil && b.Pool != nil {
			b.Pool.Put(b.Records)
		}
		return mem.BufferSlice{mem.SliceBuffer(head)}, nil
	}
	head = protowire.AppendTag(head, b.Field, protowire.BytesType)
	head = protowire.AppendVarint(head, uint64(len(*b.Records)))
	return mem.BufferSlice{mem.SliceBuffer(head), mem.NewBuffer(b.Records, b.Pool)}, nil
}

func (Codec) Unmarshal(data mem.BufferSlice, v any) error {
	switch m := v.(type) {
	case *ReadResponse:
		return unmarshalBatch(data, m, ReadResponseRecords, &m.Records)
	case *WriteRequest:
		return unmarshalBatch(data, m, WriteRequestRecords, &m.Records)
	}
	return protoCodec().Unmarshal(data, v)
}

// unmarshalBatch decodes m from one copy of data: *records aliases that
// copy; the other fields (and unknown ones) go through proto.Unmarshal.
func unmarshalBatch(data mem.BufferSlice, m proto.Message, field protowire.Number, records *[]byte) error {
	buf := data.Materialize()
	var rest []byte // the fields other than records, when there are any
	var recs []byte
	for b := buf; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("proto: cannot parse %T: %w", m, protowire.ParseError(n))
		}
		fieldLen := protowire.ConsumeFieldValue(num, typ, b[n:])
		if fieldLen < 0 {
			return fmt.Errorf("proto: cannot parse %T: %w", m, protowire.ParseError(fieldLen))
		}
		if num == field && typ == protowire.BytesType {
			v, vn := protowire.ConsumeBytes(b[n:])
			if vn < 0 {
				return fmt.Errorf("proto: cannot parse %T: %w", m, protowire.ParseError(vn))
			}
			recs = v[:len(v):len(v)] // the last occurrence wins, as in proto.Unmarshal
		} else {
			rest = append(rest, b[:n+fieldLen]...)
		}
		b = b[n+fieldLen:]
	}
	proto.Reset(m)
	if len(rest) > 0 {
		if err := proto.Unmarshal(rest, m); err != nil {
			return err
		}
	}
	*records = recs
	return nil
}

func protoCodec() encoding.CodecV2 { return encoding.GetCodecV2(grpcproto.Name) }

// WindowSize is the HTTP/2 flow-control window (per stream and per
// connection) both sides of a plugin connection grant, and SocketBufferSize
// the size of gRPC's read and write buffers on the socket. They are sized
// for record batches, which run to megabytes: with gRPC's defaults (64 KiB
// windows grown by BDP estimation, 32 KiB buffers) one batch took dozens of
// reads, writes and window updates, each waking gRPC's writer goroutine. A
// stream's credit (ReadRequest.credit) or its acks, not the window, bound
// what a side sends ahead; the window only stops a sender from waiting on
// the receiver's updates in the middle of a batch.
const (
	WindowSize       = 16 << 20
	SocketBufferSize = 256 << 10
)
