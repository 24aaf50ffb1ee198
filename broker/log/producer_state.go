package log

import (
	"fmt"
	"math"
)

// Idempotent producer state, per partition, following Kafka's
// ProducerStateManager. Guarded by Log.mu (write lock to change).
//
// Transactions are not implemented, but the shape leaves room for them:
// producerEntry gets a currentTxnFirstOffset and producerState an ongoing
// transaction index from which the last stable offset follows; control
// batches (COMMIT/ABORT markers) already reach update() untouched.

// producerBatchesKept is how many recent batches per producer are kept for
// duplicate detection (Kafka's max.in.flight.requests bound for
// idempotence).
const producerBatchesKept = 5

type producerBatch struct {
	FirstSeq   int32
	LastSeq    int32
	BaseOffset int64
	LastOffset int64
}

type producerEntry struct {
	Epoch         int16
	Batches       []producerBatch // oldest first, at most producerBatchesKept
	LastTimestamp int64           // max timestamp of the last batch, for expiration
}

func (e *producerEntry) lastSeq() int32 {
	if len(e.Batches) == 0 {
		return -1
	}
	return e.Batches[len(e.Batches)-1].LastSeq
}

type producerState struct {
	producers map[int64]*producerEntry
}

func newProducerState() *producerState {
	return &producerState{producers: make(map[int64]*producerEntry)}
}

// producerCheck is the outcome of check for one incoming batch.
type producerCheck struct {
	duplicate *producerBatch
}

// check validates an incoming batch against the state without changing it.
// Control batches and batches without a producer id are always accepted.
func (p *producerState) check(h *batchHeader) (producerCheck, error) {
	if h.ProducerID < 0 || h.isControl() {
		return producerCheck{}, nil
	}
	e, ok := p.producers[h.ProducerID]
	if !ok {
		return producerCheck{}, nil // unknown producer: any sequence (KIP-360)
	}
	first, last := h.BaseSequence, h.lastSequence()
	switch {
	case h.ProducerEpoch < e.Epoch:
		return producerCheck{}, fmt.Errorf("%w: producer %d epoch %d is older than %d",
			ErrInvalidProducerEpoch, h.ProducerID, h.ProducerEpoch, e.Epoch)
	case h.ProducerEpoch > e.Epoch:
		if first != 0 {
			return producerCheck{}, fmt.Errorf("%w: producer %d new epoch %d must start at sequence 0, got %d",
				ErrOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, first)
		}
		return producerCheck{}, nil
	}
	for i := range e.Batches {
		if b := &e.Batches[i]; b.FirstSeq == first && b.LastSeq == last {
			d := *b
			return producerCheck{duplicate: &d}, nil
		}
	}
	if prev := e.lastSeq(); prev >= 0 && !inSequence(prev, first) {
		return producerCheck{}, fmt.Errorf("%w: producer %d epoch %d expected sequence %d, got %d",
			ErrOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, nextSeq(prev), first)
	}
	return producerCheck{}, nil
}

func nextSeq(s int32) int32 {
	if s == math.MaxInt32 {
		return 0
	}
	return s + 1
}

func inSequence(prev, first int32) bool { return first == nextSeq(prev) }

// update records an appended batch (h carries its assigned offsets). Used by
// Append after check and by recovery replay, where no check is made.
func (p *producerState) update(h *batchHeader) {
	if h.ProducerID < 0 {
		return
	}
	e, ok := p.producers[h.ProducerID]
	if !ok {
		e = &producerEntry{Epoch: h.ProducerEpoch}
		p.producers[h.ProducerID] = e
	}
	if h.ProducerEpoch > e.Epoch {
		e.Epoch = h.ProducerEpoch
		e.Batches = e.Batches[:0]
	}
	if h.MaxTimestamp > e.LastTimestamp {
		e.LastTimestamp = h.MaxTimestamp
	}
	if h.isControl() || h.BaseSequence < 0 {
		// A transaction marker bumps nothing but the epoch; here is where
		// transactions will end the producer's ongoing transaction.
		return
	}
	if len(e.Batches) == producerBatchesKept {
		copy(e.Batches, e.Batches[1:])
		e.Batches = e.Batches[:producerBatchesKept-1]
	}
	e.Batches = append(e.Batches, producerBatch{
		FirstSeq:   h.BaseSequence,
		LastSeq:    h.lastSequence(),
		BaseOffset: h.BaseOffset,
		LastOffset: h.lastOffset(),
	})
}

// expire drops producers whose last write is older than cutoff (ms).
func (p *producerState) expire(cutoff int64) {
	for id, e := range p.producers {
		if e.LastTimestamp < cutoff {
			delete(p.producers, id)
		}
	}
}
