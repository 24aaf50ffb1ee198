package txn

// AddOffsetsToTxn: versions 0-4. The group's __consumer_offsets partition
// (Config.GroupPartition) joins the transaction, so that EndTxn writes a
// marker there and the group coordinator completes the transactional offset
// commits. Deviations from Apache Kafka: none known.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// AddOffsetsToTxnMaxVersion is the highest AddOffsetsToTxn version served.
const AddOffsetsToTxnMaxVersion = 4

// OffsetsTopic is the internal topic of committed offsets.
const OffsetsTopic = "__consumer_offsets"

// AddOffsetsToTxn adds the group's offsets partition to the transaction.
func (c *Coordinator) AddOffsetsToTxn(_ context.Context, req *kmsg.AddOffsetsToTxnRequest) *kmsg.AddOffsetsToTxnResponse {
	resp := req.ResponseKind().(*kmsg.AddOffsetsToTxnResponse)
	resp.Version = req.Version
	p := tp{OffsetsTopic, c.cfg.GroupPartition(req.Group)}
	resp.ErrorCode = fencedCode(c.add(req.TransactionalID, req.ProducerID, req.ProducerEpoch, []tp{p}), req.Version, 2)
	return resp
}
