package proto

import (
	"bytes"
	"testing"

	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// TestCodecWireCompatible: what Codec sends, grpc's proto codec reads as
// the same message, and what grpc's codec sends, Codec reads, whether the
// transport hands it over in one buffer or in pieces.
func TestCodecWireCompatible(t *testing.T) {
	std := encoding.GetCodecV2(grpcproto.Name)
	records := bytes.Repeat([]byte("0123456789"), 1000)
	cases := []struct {
		name string
		msg  proto.Message // as sent; Batch messages carry records apart
		out  any           // what Codec sends
	}{
		{"read response batch",
			&ReadResponse{Records: records, Count: 7, Error: &Error{Class: Error_CLASS_RETRIABLE, Message: "x"}},
			&Batch{Msg: &ReadResponse{Count: 7, Error: &Error{Class: Error_CLASS_RETRIABLE, Message: "x"}}, Field: ReadResponseRecords, Records: &records}},
		{"write request batch",
			&WriteRequest{Seq: 3, Records: records},
			&Batch{Msg: &WriteRequest{Seq: 3}, Field: WriteRequestRecords, Records: &records}},
		{"empty batch", &ReadResponse{}, &Batch{Msg: &ReadResponse{}, Field: ReadResponseRecords, Records: new([]byte)}},
		{"other message", &TaskRef{Connector: "c", Task: "1"}, &TaskRef{Connector: "c", Task: "1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sent, err := Codec{}.Marshal(c.out)
			if err != nil {
				t.Fatal(err)
			}
			got := c.msg.ProtoReflect().New().Interface()
			if err := std.Unmarshal(sent, got); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, c.msg) {
				t.Errorf("grpc's codec read %v, want %v", got, c.msg)
			}
			stdSent, err := std.Marshal(c.msg)
			if err != nil {
				t.Fatal(err)
			}
			wire := stdSent.Materialize()
			for _, pieces := range []mem.BufferSlice{stdSent, split(wire, 1000)} {
				got := c.msg.ProtoReflect().New().Interface()
				if err := (Codec{}).Unmarshal(pieces, got); err != nil {
					t.Fatal(err)
				}
				if !proto.Equal(got, c.msg) {
					t.Errorf("Codec read %v, want %v", got, c.msg)
				}
			}
		})
	}
}

// TestCodecUnknownFields: fields this version does not know survive
// Codec's fast path, as they do proto.Unmarshal.
func TestCodecUnknownFields(t *testing.T) {
	wire, err := proto.Marshal(&ReadResponse{Records: []byte("recs"), Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	wire = protowire.AppendTag(wire, 99, protowire.BytesType)
	wire = protowire.AppendBytes(wire, []byte("future"))
	var got ReadResponse
	if err := (Codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, &got); err != nil {
		t.Fatal(err)
	}
	var want ReadResponse
	if err := proto.Unmarshal(wire, &want); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&got, &want) || string(got.GetRecords()) != "recs" || len(got.ProtoReflect().GetUnknown()) == 0 {
		t.Errorf("got %v (unknown %q), want %v", &got, got.ProtoReflect().GetUnknown(), &want)
	}
}

// TestCodecMalformed: a truncated message is an error, not a panic.
func TestCodecMalformed(t *testing.T) {
	wire, err := proto.Marshal(&ReadResponse{Records: []byte("records"), Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < len(wire); n++ {
		var got ReadResponse
		if err := (Codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire[:n])}, &got); err == nil && proto.Unmarshal(wire[:n], new(ReadResponse)) != nil {
			t.Errorf("%d of %d bytes: no error", n, len(wire))
		}
	}
}

// TestBatchBuffersReturned: once gRPC frees a sent Batch, its buffer goes
// back to the pool and the next Get reuses it.
func TestBatchBuffersReturned(t *testing.T) {
	pool := NewBatchBuffers(2)
	buf := pool.Get(0)
	*buf = append(*buf, bytes.Repeat([]byte("x"), 64<<10)...)
	sent, err := Codec{}.Marshal(&Batch{Msg: &ReadResponse{Count: 1}, Field: ReadResponseRecords, Records: buf, Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	first := &(*buf)[0]
	sent.Free()
	again := pool.Get(10)
	if len(*again) != 10 || &(*again)[0] != first {
		t.Errorf("Get after Free: a new buffer, want the freed one back")
	}
}

func split(b []byte, n int) mem.BufferSlice {
	var s mem.BufferSlice
	for len(b) > n {
		s = append(s, mem.SliceBuffer(b[:n]))
		b = b[n:]
	}
	return append(s, mem.SliceBuffer(b))
}
