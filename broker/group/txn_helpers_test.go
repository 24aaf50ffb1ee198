package group

import (
	"context"
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// txnOpts describes one TxnOffsetCommit.
type txnOpts struct {
	version  int16
	group    string // "" means "g"
	member   string
	instance string
	gen      int32 // sent as is if gen, member or instance is set; else -1
	pid      int64 // 0 means 7
	epoch    int16
	meta     string
}

// txnReq builds a TxnOffsetCommit of offsets of topic. A zero gen is sent as
// -1 (the kmsg default) unless member or instance is set.
func txnReq(o txnOpts, topic string, offsets map[int32]int64) *kmsg.TxnOffsetCommitRequest {
	r := kmsg.NewPtrTxnOffsetCommitRequest()
	r.Version = o.version
	r.TransactionalID = "tx"
	r.Group = o.group
	if r.Group == "" {
		r.Group = "g"
	}
	r.ProducerID, r.ProducerEpoch = o.pid, o.epoch
	if r.ProducerID == 0 {
		r.ProducerID = 7
	}
	r.MemberID = o.member
	if o.gen != 0 || o.member != "" || o.instance != "" {
		r.Generation = o.gen
	}
	if o.instance != "" {
		r.InstanceID = kmsg.StringPtr(o.instance)
	}
	t := kmsg.NewTxnOffsetCommitRequestTopic()
	t.Topic = topic
	for _, p := range sortedKeys(offsets) {
		rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = p, offsets[p], 5
		rp.Metadata = kmsg.StringPtr(o.meta)
		t.Partitions = append(t.Partitions, rp)
	}
	r.Topics = append(r.Topics, t)
	return r
}

func sortedKeys(m map[int32]int64) []int32 { return slices.Sorted(maps.Keys(m)) }

func txnCommit(c *Coordinator, o txnOpts, topic string, offsets map[int32]int64) error {
	return txnErr(c.TxnOffsetCommit(context.Background(), txnReq(o, topic, offsets)))
}

// txnErr is the first partition error of a TxnOffsetCommit answer.
func txnErr(r *kmsg.TxnOffsetCommitResponse) error {
	for _, t := range r.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return kerr.ErrorForCode(p.ErrorCode)
			}
		}
	}
	return nil
}

// fetchOne fetches one partition's offset with OffsetFetch v9.
func fetchOne(c *Coordinator, stable bool, group, topic string, p int32) (int64, error) {
	r := kmsg.NewPtrOffsetFetchRequest()
	r.Version = 9
	r.RequireStable = stable
	g := kmsg.NewOffsetFetchRequestGroup()
	g.Group = group
	g.Topics = []kmsg.OffsetFetchRequestGroupTopic{{Topic: topic, Partitions: []int32{p}}}
	r.Groups = append(r.Groups, g)
	rp := c.OffsetFetch(context.Background(), r).Groups[0].Topics[0].Partitions[0]
	return rp.Offset, kerr.ErrorForCode(rp.ErrorCode)
}
