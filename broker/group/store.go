package group

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Record is one record of __consumer_offsets. A nil Value is a tombstone.
type Record struct {
	Key, Value []byte
	// ProducerID is -1 for an ordinary record and the producer id of the
	// batch for a record of a transactional batch (on Append, AppendTxn and
	// Replay alike).
	ProducerID    int64
	ProducerEpoch int16
	// Marker is set by Replay only: MarkerNone for a data record,
	// MarkerCommit or MarkerAbort for the control record (transaction marker)
	// that ends ProducerID's transaction in this partition; Key and Value of
	// a marker are not read.
	Marker Marker
}

// Marker tells a replayed data record from a transaction marker.
type Marker int8

const (
	MarkerNone   Marker = iota // a data record
	MarkerCommit               // a COMMIT control record of ProducerID
	MarkerAbort                // an ABORT control record of ProducerID
)

// Store is one partition of the compacted internal topic __consumer_offsets.
// Append and AppendTxn must be safe for concurrent use; the records of one
// call are stored contiguously and in order, as one batch.
type Store interface {
	// Append writes an ordinary (non-transactional) batch; it returns once
	// the batch is durable/acknowledged.
	Append(ctx context.Context, recs []Record) error
	// AppendTxn writes a transactional batch of producerID/producerEpoch
	// (the log's coordinator-append path). An error that is or wraps a
	// *kerr.Error (INVALID_PRODUCER_EPOCH, PRODUCER_FENCED,
	// INVALID_TXN_STATE, TRANSACTION_ABORTABLE, ...) is answered to the
	// client as that error, mapped as Kafka maps log append errors.
	AppendTxn(ctx context.Context, producerID int64, producerEpoch int16, recs []Record) error
	// Replay calls fn for every stored data record and transaction marker
	// in offset order.
	Replay(fn func(Record) error) error
}

// noProducer is the ProducerID of ordinary records.
const noProducer = -1

func offsetKey(group, topic string, partition int32) []byte {
	k := kmsg.NewOffsetCommitKey()
	k.Version = 1
	k.Group, k.Topic, k.Partition = group, topic, partition
	return k.AppendTo(nil)
}

func offsetRecord(group, topic string, partition int32, o offset) Record {
	v := kmsg.NewOffsetCommitValue()
	v.Version = 3
	v.Offset = o.offset
	v.LeaderEpoch = o.leaderEpoch
	v.Metadata = o.metadata
	v.CommitTimestamp = o.committed.UnixMilli()
	return Record{Key: offsetKey(group, topic, partition), Value: v.AppendTo(nil), ProducerID: noProducer}
}

// tombstone is the ordinary record deleting key.
func tombstone(key []byte) Record { return Record{Key: key, ProducerID: noProducer} }

func groupKey(group string) []byte {
	k := kmsg.NewGroupMetadataKey()
	k.Version = 2
	k.Group = group
	return k.AppendTo(nil)
}

// groupRecordLocked encodes the group's current metadata (GroupMetadataValue v3).
func (g *group) groupRecordLocked() Record {
	v := kmsg.NewGroupMetadataValue()
	v.Version = 3
	v.ProtocolType = g.protocolType
	v.Generation = g.generation
	if g.protocol != "" {
		p := g.protocol
		v.Protocol = &p
	}
	if g.leader != "" {
		l := g.leader
		v.Leader = &l
	}
	v.CurrentStateTimestamp = g.stateSince.UnixMilli()
	for _, m := range g.sortedMembersLocked() {
		vm := kmsg.NewGroupMetadataValueMember()
		vm.MemberID = m.id
		vm.InstanceID = m.instanceID
		vm.ClientID = m.clientID
		vm.ClientHost = m.clientHost
		vm.RebalanceTimeoutMillis = int32(m.rebalanceTimeout / time.Millisecond)
		vm.SessionTimeoutMillis = int32(m.sessionTimeout / time.Millisecond)
		vm.Subscription = m.metadataFor(g.protocol)
		vm.Assignment = m.assignment
		v.Members = append(v.Members, vm)
	}
	return Record{Key: groupKey(g.name), Value: v.AppendTo(nil), ProducerID: noProducer}
}

// decoded is one replayed record of __consumer_offsets.
type decoded struct {
	group     string
	isOffset  bool
	topic     string
	partition int32
	offset    *kmsg.OffsetCommitValue  // nil: tombstone
	meta      *kmsg.GroupMetadataValue // nil: tombstone
}

func decodeRecord(r Record) (decoded, error) {
	if len(r.Key) < 2 {
		return decoded{}, fmt.Errorf("record key of %d bytes", len(r.Key))
	}
	switch kv := int16(binary.BigEndian.Uint16(r.Key)); kv {
	case 0, 1:
		var k kmsg.OffsetCommitKey
		if err := k.ReadFrom(r.Key); err != nil {
			return decoded{}, fmt.Errorf("decode offset commit key: %w", err)
		}
		d := decoded{group: k.Group, isOffset: true, topic: k.Topic, partition: k.Partition}
		if r.Value != nil {
			var v kmsg.OffsetCommitValue
			if err := v.ReadFrom(r.Value); err != nil {
				return decoded{}, fmt.Errorf("decode offset commit value for group %q: %w", k.Group, err)
			}
			d.offset = &v
		}
		return d, nil
	case 2:
		var k kmsg.GroupMetadataKey
		if err := k.ReadFrom(r.Key); err != nil {
			return decoded{}, fmt.Errorf("decode group metadata key: %w", err)
		}
		d := decoded{group: k.Group}
		if r.Value != nil {
			var v kmsg.GroupMetadataValue
			if err := v.ReadFrom(r.Value); err != nil {
				return decoded{}, fmt.Errorf("decode group metadata value for group %q: %w", k.Group, err)
			}
			d.meta = &v
		}
		return d, nil
	default:
		// Other record types (e.g. KIP-848 consumer group records) are not ours.
		return decoded{group: ""}, nil
	}
}
