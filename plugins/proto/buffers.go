package proto

import (
	"sync/atomic"

	"google.golang.org/grpc/mem"
)

// maxKeptBuffer bounds what BatchBuffers keeps of an unusually large batch:
// a buffer over it is kept only when its batch filled at least a quarter.
const maxKeptBuffer = 1 << 20

// BatchBuffers recycles the encode buffers of Batches, so a sender does not
// allocate (and clear) a batch-sized buffer per message: Get takes a kept
// buffer or makes one, and gRPC's transport Puts it back once written. It
// keeps at most a fixed number; the rest are left to the garbage collector.
// Safe for concurrent use (Put runs on the transport's goroutines).
type BatchBuffers struct {
	free chan *[]byte
	last atomic.Int64 // length of the last buffer Put: what a new one is sized for
}

var _ mem.BufferPool = (*BatchBuffers)(nil)

// NewBatchBuffers returns a recycler that keeps up to n buffers.
func NewBatchBuffers(n int) *BatchBuffers {
	return &BatchBuffers{free: make(chan *[]byte, n)}
}

// Get returns a buffer of length n; its contents are undefined.
func (p *BatchBuffers) Get(n int) *[]byte {
	select {
	case b := <-p.free:
		if cap(*b) >= n {
			*b = (*b)[:n]
			return b
		}
	default:
	}
	size := int(p.last.Load())
	b := make([]byte, n, max(n, size+size/4, 4096))
	return &b
}

// Put keeps b for a later Get, unless enough are kept or b is much larger
// than the batch it last held (its length).
func (p *BatchBuffers) Put(b *[]byte) {
	p.last.Store(int64(len(*b)))
	if c := cap(*b); c > maxKeptBuffer && c/4 > len(*b) {
		return
	}
	select {
	case p.free <- b:
	default:
	}
}
