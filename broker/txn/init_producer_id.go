package txn

// InitProducerId: versions 0-5, for transactional producers only (the broker
// answers idempotent producers itself). Version 3+ carries the producer's
// current id and epoch (KIP-360); version 5 changes nothing here since
// transaction version 2 is not served. Deviations from Apache Kafka: none
// known. As Kafka, an Ongoing transaction is aborted with a bumped epoch and
// the request answered CONCURRENT_TRANSACTIONS; the client retries.

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// InitProducerIDMaxVersion is the highest InitProducerId version served.
const InitProducerIDMaxVersion = 5

// InitProducerID initializes a transactional producer: a new producer id
// (epoch 0) or the next epoch of the existing one. req.TransactionalID must
// not be nil.
func (c *Coordinator) InitProducerID(_ context.Context, req *kmsg.InitProducerIDRequest) *kmsg.InitProducerIDResponse {
	resp := req.ResponseKind().(*kmsg.InitProducerIDResponse)
	resp.Version = req.Version
	pid, epoch, code := c.initProducerID(req)
	if code != 0 {
		pid, epoch = noProducerID, noProducerEpoch
	}
	resp.ProducerID, resp.ProducerEpoch = pid, epoch
	resp.ErrorCode = fencedCode(code, req.Version, 4)
	return resp
}

// expected is the producer id and epoch a KIP-360 request carries.
type expected struct {
	set        bool
	producerID int64
	epoch      int16
}

func (c *Coordinator) initProducerID(req *kmsg.InitProducerIDRequest) (int64, int16, int16) {
	if req.TransactionalID == nil || *req.TransactionalID == "" {
		return 0, 0, kerr.InvalidRequest.Code
	}
	timeout := time.Duration(req.TransactionTimeoutMillis) * time.Millisecond
	if req.TransactionTimeoutMillis <= 0 || timeout > c.cfg.MaxTimeout {
		return 0, 0, kerr.InvalidTransactionTimeout.Code
	}
	var exp expected
	if req.Version >= 3 {
		switch {
		case req.ProducerID == noProducerID && req.ProducerEpoch == noProducerEpoch:
		case req.ProducerID == noProducerID || req.ProducerEpoch == noProducerEpoch:
			return 0, 0, kerr.InvalidRequest.Code
		default:
			exp = expected{true, req.ProducerID, req.ProducerEpoch}
		}
	}
	t, code := c.acquire(*req.TransactionalID, true)
	if code != 0 {
		return 0, 0, code
	}
	defer c.releaseLocked(t)
	if t.mu.meta.producerID == noProducerID { // new transactional id
		id, err := c.cfg.AllocateProducerID()
		if err != nil {
			c.log.Warn("allocate producer id", "err", err)
			var ke *kerr.Error
			if errors.As(err, &ke) {
				return 0, 0, ke.Code
			}
			return 0, 0, kerr.CoordinatorNotAvailable.Code
		}
		t.mu.meta.producerID = id
	}
	return c.initLocked(t, req.TransactionTimeoutMillis, exp)
}

// initLocked is Kafka's prepareInitProducerIdTransit and what follows it.
func (c *Coordinator) initLocked(t *txn, timeoutMillis int32, exp expected) (int64, int16, int16) {
	m := t.mu.meta
	// Kafka's isValidProducerId: fence unless the metadata is new, the id is
	// the current one (the epoch is checked below), or the id is the
	// previous one with an exhausted epoch (a retry after a rotation).
	if exp.set && m.epoch != noProducerEpoch && exp.producerID != m.producerID &&
		!(exp.producerID == t.mu.lastProducerID && epochExhausted(exp.epoch)) {
		return 0, 0, kerr.ProducerFenced.Code
	}
	switch m.state {
	case statePrepareCommit, statePrepareAbort:
		return 0, 0, kerr.ConcurrentTransactions.Code
	case stateOngoing:
		// Abort with a bumped epoch; the client retries and then gets the
		// next epoch (or a new producer id if the fence exhausted them).
		if code := c.fenceLocked(t); code != 0 {
			return 0, 0, code
		}
		return 0, 0, kerr.ConcurrentTransactions.Code
	}
	next := m
	next.timeoutMillis = timeoutMillis
	next.state = stateEmpty
	next.partitions = nil
	next.startMillis = noTimestamp
	next.updatedMillis = c.nowMillis()
	lastID, lastEpoch := t.mu.lastProducerID, noProducerEpoch
	switch {
	case epochExhausted(m.epoch) && (!exp.set || exp.epoch == m.epoch):
		id, err := c.cfg.AllocateProducerID()
		if err != nil {
			c.log.Warn("allocate producer id", "err", err)
			return 0, 0, kerr.CoordinatorNotAvailable.Code
		}
		lastID, lastEpoch = m.producerID, noProducerEpoch
		if exp.set {
			lastEpoch = m.epoch
		}
		next.producerID, next.epoch = id, 0
	case !exp.set:
		next.epoch, lastEpoch = m.epoch+1, noProducerEpoch
	case m.epoch == noProducerEpoch || exp.epoch == m.epoch:
		next.epoch, lastEpoch = m.epoch+1, m.epoch
	case exp.epoch == t.mu.lastEpoch:
		// A retry of a bump whose answer was lost: the same answer again.
		return m.producerID, m.epoch, 0
	default:
		return 0, 0, kerr.ProducerFenced.Code
	}
	if code := c.persistLocked(t, next); code != 0 {
		return 0, 0, code
	}
	t.mu.lastProducerID, t.mu.lastEpoch = lastID, lastEpoch
	return next.producerID, next.epoch, 0
}
