// Package proto is the Sluice connector plugin protocol: the gRPC services of
// plugin.proto (generated code committed beside it) and the go-plugin
// handshake both sides must agree on.
//
// Versioning: ProtocolVersion is the version of the service set this package
// describes. A host offers every version it speaks (go-plugin's versioned
// plugin sets) and the plugin picks the highest it also speaks; when there is
// none the host refuses the plugin with a message naming both sides'
// versions. A change that is not wire-compatible adds a new version number.
//
// Codec is the gRPC codec both sides use: plain protobuf on the wire (a
// peer with grpc's own codec reads and writes the same bytes), but record
// batches are sent without a marshal copy (Batch, BatchBuffers) and received
// with one copy instead of two. WindowSize and SocketBufferSize size the
// connection's flow control and buffers for batches of megabytes.
//
// Regenerate with `go generate ./proto` (runs generate.sh).
package proto

//go:generate ./generate.sh
