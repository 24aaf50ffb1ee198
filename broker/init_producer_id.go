package broker

// InitProducerId, versions 0-5.
//
// A producer without a transactional id always gets a fresh producer id at
// epoch 0, as Kafka does (a KIP-360 epoch bump request from an idempotent
// producer is answered with a new id too). A transactional id is served by
// the transaction coordinator (package txn). Producer ids are allocated from
// the metadata quorum in blocks, so they never repeat across restarts.

import (
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const producerIDBlock = 1000

// producerIDs hands out producer ids from blocks reserved in the metadata
// quorum.
type producerIDs struct {
	b  *Broker
	mu struct {
		sync.Mutex
		next, end int64
	}
}

func (ids *producerIDs) next() (int64, error) {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	if ids.mu.next >= ids.mu.end {
		first, err := ids.b.meta.AllocateProducerIDs(producerIDBlock)
		if err != nil {
			return -1, err
		}
		ids.mu.next, ids.mu.end = first, first+producerIDBlock
	}
	id := ids.mu.next
	ids.mu.next++
	return id, nil
}

func (b *Broker) handleInitProducerID(c *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.InitProducerIDRequest)
	resp := req.ResponseKind().(*kmsg.InitProducerIDResponse)
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if req.TransactionalID != nil {
		return reply{wait: func() kmsg.Response { return b.txns.InitProducerID(c.ctx, req) }}
	}
	id, err := b.pids.next()
	if err != nil {
		b.logger.Error("allocate producer id", "err", err)
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
		return reply{resp: resp}
	}
	resp.ProducerID, resp.ProducerEpoch = id, 0
	return reply{resp: resp}
}
