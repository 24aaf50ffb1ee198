package group

// TxnOffsetCommit: versions 0-5.
//
//   - The offsets are written (OffsetCommitKey v1 / OffsetCommitValue v3, as
//     OffsetCommit writes them) as one transactional batch with
//     Store.AppendTxn, then held as pending for the producer id: OffsetFetch
//     does not see them (RequireStable answers UNSTABLE_OFFSET_COMMIT) until
//     CompleteTxn applies (COMMIT) or drops (ABORT) them.
//   - v0-2 carry no generation or member: the commit is accepted for any
//     group, and an unknown group is created (a "simple" group), as Kafka does.
//   - v3+ with a generation, member id or instance id (Kafka's
//     validateOffsetCommit with isTransactional): an instance id must be the
//     member's (FENCED_INSTANCE_ID; UNKNOWN_MEMBER_ID if no member has it), the
//     member must exist (UNKNOWN_MEMBER_ID) and the generation must be the
//     group's (ILLEGAL_GENERATION, also for an unknown group). Unlike
//     OffsetCommit, an anonymous commit (generation -1, no member) is accepted
//     in any state, and CompletingRebalance is no error.
//   - v2+ LeaderEpoch is stored; before it, -1.
//   - v4 may answer TRANSACTION_ABORTABLE, v5 has v4's format (KIP-890 part 2:
//     the broker adds the offsets partition to the transaction implicitly, a
//     matter of Store.AppendTxn). v6 (topic ids) is not served:
//     UNSUPPORTED_VERSION.
//   - An AppendTxn error that is a *kerr.Error is answered as Kafka maps log
//     append errors: NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR →
//     NOT_COORDINATOR; UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS(_AFTER_APPEND)
//     → COORDINATOR_NOT_AVAILABLE; MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE,
//     INVALID_FETCH_SIZE → INVALID_COMMIT_OFFSET_SIZE; TRANSACTION_ABORTABLE
//     before v4 → INVALID_TXN_STATE; any other as it is (INVALID_PRODUCER_EPOCH,
//     PRODUCER_FENCED, INVALID_TXN_STATE ...). Other errors answer
//     COORDINATOR_NOT_AVAILABLE.
//
// The producer epoch is not checked here: the log's transactional append
// (AppendTxn) fences stale producers, as Kafka's log does.

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxTxnOffsetCommitVersion is the highest TxnOffsetCommit version served.
const maxTxnOffsetCommitVersion = 5

// TxnOffsetCommit writes a transaction's offsets of a group, pending until
// the transaction's marker (CompleteTxn).
func (c *Coordinator) TxnOffsetCommit(ctx context.Context, req *kmsg.TxnOffsetCommitRequest) *kmsg.TxnOffsetCommitResponse {
	r := kmsg.NewPtrTxnOffsetCommitResponse()
	r.Version = req.Version
	for _, t := range req.Topics {
		rt := kmsg.NewTxnOffsetCommitResponseTopic()
		rt.Topic, rt.TopicID = t.Topic, t.TopicID
		for _, p := range t.Partitions {
			rp := kmsg.NewTxnOffsetCommitResponseTopicPartition()
			rp.Partition = p.Partition
			rt.Partitions = append(rt.Partitions, rp)
		}
		r.Topics = append(r.Topics, rt)
	}
	setAll := func(code int16) *kmsg.TxnOffsetCommitResponse {
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				r.Topics[i].Partitions[j].ErrorCode = code
			}
		}
		return r
	}
	if req.Version > maxTxnOffsetCommitVersion {
		return setAll(kerr.UnsupportedVersion.Code)
	}

	generation, memberID, instanceID := int32(-1), "", (*string)(nil)
	if req.Version >= 3 {
		generation, memberID, instanceID = req.Generation, req.MemberID, req.InstanceID
	}
	g, code := c.acquire(req.Group, generation < 0)
	if code != 0 {
		return setAll(code)
	}
	if g == nil {
		return setAll(kerr.IllegalGeneration.Code)
	}
	defer g.mu.Unlock()
	if code := g.validateTxnCommitLocked(generation, memberID, instanceID); code != 0 {
		return setAll(code)
	}

	now := c.now()
	type pos struct{ t, p int }
	var (
		recs  []Record
		where []pos
		vals  []offset
	)
	for i, t := range req.Topics {
		for j, p := range t.Partitions {
			rp := &r.Topics[i].Partitions[j]
			meta := ""
			if p.Metadata != nil {
				meta = *p.Metadata
			}
			switch {
			case len(meta) > maxOffsetMetadata:
				rp.ErrorCode = kerr.OffsetMetadataTooLarge.Code
				continue
			case c.cfg.PartitionExists != nil && !c.cfg.PartitionExists(t.Topic, p.Partition):
				rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
				continue
			}
			o := offset{offset: p.Offset, leaderEpoch: -1, metadata: meta, committed: now}
			if req.Version >= 2 {
				o.leaderEpoch = p.LeaderEpoch
			}
			rec := offsetRecord(g.name, t.Topic, p.Partition, o)
			rec.ProducerID, rec.ProducerEpoch = req.ProducerID, req.ProducerEpoch
			recs = append(recs, rec)
			where = append(where, pos{i, j})
			vals = append(vals, o)
		}
	}
	if len(recs) == 0 {
		return r
	}
	if err := g.store.AppendTxn(ctx, req.ProducerID, req.ProducerEpoch, recs); err != nil {
		c.log.Warn("append transactional offset commit", "group", g.name, "producer_id", req.ProducerID, "err", err)
		code := txnAppendErrorCode(err, req.Version)
		for _, w := range where {
			r.Topics[w.t].Partitions[w.p].ErrorCode = code
		}
		return r
	}
	for k, w := range where {
		vals[k].seq = g.nextSeqLocked()
		tp := topicPartition{req.Topics[w.t].Topic, req.Topics[w.t].Partitions[w.p].Partition}
		g.addTxnOffsetLocked(req.ProducerID, tp, vals[k])
	}
	c.trackTxn(g, req.ProducerID)
	return r
}

// validateTxnCommitLocked is Kafka's validateOffsetCommit for a transactional
// commit (ClassicGroup.validateOffsetCommit, isTransactional = true).
func (g *group) validateTxnCommitLocked(generation int32, memberID string, instanceID *string) int16 {
	if generation < 0 && g.state == stateEmpty {
		return 0 // admin client or a consumer without group management
	}
	if generation < 0 && memberID == "" && instanceID == nil {
		return 0 // v0-2 style: no member to check, whatever the state
	}
	if instanceID != nil {
		id, ok := g.statics[*instanceID]
		switch {
		case !ok:
			return kerr.UnknownMemberID.Code
		case id != memberID:
			return kerr.FencedInstanceID.Code
		}
	}
	if _, ok := g.members[memberID]; !ok {
		return kerr.UnknownMemberID.Code
	}
	if generation != g.generation {
		return kerr.IllegalGeneration.Code
	}
	return 0
}

// txnAppendErrorCode maps an AppendTxn error to the code answered, as
// Kafka's GroupMetadataManager.storeOffsets maps log append errors.
func txnAppendErrorCode(err error, version int16) int16 {
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return kerr.CoordinatorNotAvailable.Code
	}
	switch ke {
	case kerr.UnknownTopicOrPartition, kerr.NotEnoughReplicas, kerr.NotEnoughReplicasAfterAppend:
		return kerr.CoordinatorNotAvailable.Code
	case kerr.NotLeaderForPartition, kerr.KafkaStorageError:
		return kerr.NotCoordinator.Code
	case kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidFetchSize:
		return kerr.InvalidCommitOffsetSize.Code
	case kerr.TransactionAbortable:
		if version < 4 {
			return kerr.InvalidTxnState.Code
		}
	}
	return ke.Code
}
