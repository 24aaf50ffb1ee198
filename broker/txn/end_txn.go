package txn

// EndTxn: versions 0-4 (transaction version 1). Version 5 (KIP-890 part 2,
// an epoch bump per transaction) is not served. Deviations from Apache Kafka:
// none known. As Kafka, the answer comes once PrepareCommit/PrepareAbort is
// durable; markers are written afterwards.

import (
	"context"
	"math"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// EndTxnMaxVersion is the highest EndTxn version served.
const EndTxnMaxVersion = 4

// EndTxn commits or aborts the ongoing transaction of a producer.
func (c *Coordinator) EndTxn(_ context.Context, req *kmsg.EndTxnRequest) *kmsg.EndTxnResponse {
	resp := req.ResponseKind().(*kmsg.EndTxnResponse)
	resp.Version = req.Version
	resp.ErrorCode = fencedCode(c.endTxn(req), req.Version, 2)
	return resp
}

func (c *Coordinator) endTxn(req *kmsg.EndTxnRequest) int16 {
	if req.TransactionalID == "" {
		return kerr.InvalidRequest.Code
	}
	t, code := c.acquire(req.TransactionalID, false)
	if code != 0 {
		return code
	}
	if t == nil {
		return kerr.InvalidProducerIDMapping.Code
	}
	defer t.mu.Unlock()
	m := t.mu.meta
	switch {
	case m.producerID != req.ProducerID:
		return kerr.InvalidProducerIDMapping.Code
	case m.epoch != req.ProducerEpoch:
		return kerr.ProducerFenced.Code
	}
	switch m.state {
	case stateOngoing:
		return c.prepareEndLocked(t, m, req.Commit)
	case stateCompleteCommit: // a retry of a commit that completed
		return okIf(req.Commit)
	case stateCompleteAbort:
		return okIf(!req.Commit)
	case statePrepareCommit: // a retry while markers are written
		return concurrentIf(req.Commit)
	case statePrepareAbort:
		return concurrentIf(!req.Commit)
	default: // Empty: nothing to end
		return kerr.InvalidTxnState.Code
	}
}

func okIf(same bool) int16 {
	if same {
		return 0
	}
	return kerr.InvalidTxnState.Code
}

func concurrentIf(same bool) int16 {
	if same {
		return kerr.ConcurrentTransactions.Code
	}
	return kerr.InvalidTxnState.Code
}

// prepareEndLocked persists PrepareCommit or PrepareAbort from next (t's
// Ongoing metadata, maybe with a bumped epoch) and starts writing markers.
func (c *Coordinator) prepareEndLocked(t *txn, next meta, commit bool) int16 {
	next.state = statePrepareAbort
	if commit {
		next.state = statePrepareCommit
	}
	next.updatedMillis = c.nowMillis()
	if code := c.persistLocked(t, next); code != 0 {
		return code
	}
	c.writeMarkersLocked(t)
	return 0
}

// fenceLocked aborts t's Ongoing transaction with a bumped epoch, fencing
// the producer (Kafka's PrepareEpochFence, which is never persisted: here the
// bump and PrepareAbort are one write). The producer's next request with the
// old epoch is answered PRODUCER_FENCED (INVALID_PRODUCER_EPOCH for old
// versions).
func (c *Coordinator) fenceLocked(t *txn) int16 {
	next := t.mu.meta
	if next.epoch < math.MaxInt16 { // the last epoch is kept for this bump
		next.epoch++
	}
	if code := c.prepareEndLocked(t, next, false); code != 0 {
		return code
	}
	t.mu.lastEpoch = noProducerEpoch
	return 0
}
