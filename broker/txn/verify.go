package txn

import (
	"github.com/twmb/franz-go/pkg/kerr"
)

// Verify is what the broker calls on a transactional Produce: is
// (topic, partition) part of the producer's ongoing transaction at this
// epoch? It protects against hanging transactions as KIP-890 part 1 does.
//
// The error is ready for a ProduceResponse, mapped as Kafka's
// AddPartitionsToTxnManager maps verification answers:
//
//	nil                          the partition is in the Ongoing transaction
//	INVALID_TXN_STATE            it is not, or the transaction is being completed
//	INVALID_PRODUCER_EPOCH       the epoch is not the current one (fenced)
//	INVALID_PRODUCER_ID_MAPPING  unknown transactional id or producer id
//	NOT_ENOUGH_REPLICAS          this broker is not (yet) the coordinator; retriable
//	INVALID_REQUEST              empty transactional id
func (c *Coordinator) Verify(transactionalID string, producerID int64, epoch int16, topic string, partition int32) error {
	p := tp{topic, partition}
	code, in := c.verify(transactionalID, producerID, epoch, []tp{p})
	switch code {
	case 0:
		if !in[p] {
			return kerr.InvalidTxnState
		}
		return nil
	case kerr.ProducerFenced.Code:
		return kerr.InvalidProducerEpoch
	case kerr.ConcurrentTransactions.Code:
		return kerr.InvalidTxnState
	case kerr.NotCoordinator.Code, kerr.CoordinatorLoadInProgress.Code, kerr.CoordinatorNotAvailable.Code:
		return kerr.NotEnoughReplicas
	}
	return kerr.ErrorForCode(code)
}
