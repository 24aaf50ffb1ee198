package log

import (
	"fmt"
	"math"
)

// Idempotent producer state, per partition, following Kafka's
// ProducerStateManager. Guarded by Log.mu (write lock to change).
//
// Transactions (txn.go): the first transactional data batch of a producer
// after its last marker sets TxnFirst; a marker (endTxn) clears it. The
// ongoing map mirrors every TxnFirst >= 0 so the last stable offset is a
// scan of the open transactions only.

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
	TxnFirst      int64           // first offset of the ongoing transaction, -1 when none
}

func (e *producerEntry) lastSeq() int32 {
	if len(e.Batches) == 0 {
		return -1
	}
	return e.Batches[len(e.Batches)-1].LastSeq
}

type producerState struct {
	producers map[int64]*producerEntry
	ongoing   map[int64]int64 // producer id -> TxnFirst, for every open transaction
}

func newProducerState() *producerState {
	return &producerState{producers: make(map[int64]*producerEntry), ongoing: make(map[int64]int64)}
}

// producerCheck is the outcome of check for one incoming batch.
type producerCheck struct {
	duplicate *producerBatch
}

// check validates an incoming batch against the state without changing it.
// Batches without a producer id are always accepted. A control batch
// (marker) and a coordinator batch only need an epoch that is not older
// than the producer's; client batches also need their sequence in order and
// must be transactional while the producer has a transaction open.
func (p *producerState) check(h *batchHeader, origin appendOrigin) (producerCheck, error) {
	if h.ProducerID < 0 {
		return producerCheck{}, nil
	}
	e, ok := p.producers[h.ProducerID]
	if !ok {
		return producerCheck{}, nil // unknown producer: any sequence (KIP-360)
	}
	if h.ProducerEpoch < e.Epoch {
		return producerCheck{}, fmt.Errorf("%w: producer %d epoch %d is older than %d",
			ErrInvalidProducerEpoch, h.ProducerID, h.ProducerEpoch, e.Epoch)
	}
	if h.isControl() {
		return producerCheck{}, nil
	}
	if e.TxnFirst >= 0 && !h.isTransactional() {
		return producerCheck{}, fmt.Errorf("%w: producer %d wrote a non-transactional batch inside the transaction begun at %d",
			ErrInvalidTxnState, h.ProducerID, e.TxnFirst)
	}
	if origin == originCoordinator {
		return producerCheck{}, nil
	}
	first, last := h.BaseSequence, h.lastSequence()
	switch {
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
		e = &producerEntry{Epoch: h.ProducerEpoch, TxnFirst: -1}
		p.producers[h.ProducerID] = e
	}
	if h.ProducerEpoch > e.Epoch {
		e.Epoch = h.ProducerEpoch
		e.Batches = e.Batches[:0]
	}
	if h.MaxTimestamp > e.LastTimestamp {
		e.LastTimestamp = h.MaxTimestamp
	}
	if h.isTransactional() && !h.isControl() && e.TxnFirst < 0 {
		e.TxnFirst = h.BaseOffset
		p.ongoing[h.ProducerID] = h.BaseOffset
	}
	if h.isControl() || h.BaseSequence < 0 {
		// Markers end transactions in endTxn; coordinator batches carry
		// no sequence to remember.
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

// endTxn ends the producer's ongoing transaction at a marker already
// passed to update. It returns the completed transaction; without an
// ongoing one its first offset is the marker's own, as in Kafka.
func (p *producerState) endTxn(producerID, markerOffset int64) completedTxn {
	c := completedTxn{ProducerID: producerID, FirstOffset: markerOffset, LastOffset: markerOffset}
	if e, ok := p.producers[producerID]; ok && e.TxnFirst >= 0 {
		c.FirstOffset = e.TxnFirst
		e.TxnFirst = -1
	}
	delete(p.ongoing, producerID)
	return c
}

// firstUnstable returns the smallest first offset of an open transaction,
// or def when none is open.
func (p *producerState) firstUnstable(def int64) int64 {
	for _, first := range p.ongoing {
		def = min(def, first)
	}
	return def
}

// expire drops producers whose last write is older than cutoff (ms). A
// producer with an open transaction is kept: its marker is still to come
// and the last stable offset depends on it.
func (p *producerState) expire(cutoff int64) {
	for id, e := range p.producers {
		if e.LastTimestamp < cutoff && e.TxnFirst < 0 {
			delete(p.producers, id)
		}
	}
}
