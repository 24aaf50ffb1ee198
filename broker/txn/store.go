package txn

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Record is one record of __transaction_state. A nil Value is a tombstone.
type Record struct{ Key, Value []byte }

// Store is one partition of the compacted internal topic __transaction_state.
// Append must be safe for concurrent use; the records of one call are stored
// contiguously and in order.
type Store interface {
	Append(ctx context.Context, recs []Record) error // returns once durable
	Replay(fn func(Record) error) error              // every stored record in offset order
}

// EpochStore is a Store that knows the leader epoch of its partition. The
// coordinator epoch sent with transaction markers is that epoch; a Store that
// does not implement it gives coordinator epoch 0.
type EpochStore interface {
	Store
	LeaderEpoch() int32
}

func txnKey(id string) []byte {
	k := kmsg.NewTxnMetadataKey()
	k.Version = 0
	k.TransactionalID = id
	return k.AppendTo(nil)
}

// record encodes m as TxnMetadataValue version 0, as Kafka writes it with
// transaction version 1.
func (m meta) record(id string) Record {
	v := kmsg.NewTxnMetadataValue()
	v.Version = 0
	v.ProducerID = m.producerID
	v.ProducerEpoch = m.epoch
	v.TimeoutMillis = m.timeoutMillis
	v.State = kmsg.TransactionState(m.state)
	topics, parts := m.byTopic()
	for _, t := range topics {
		vt := kmsg.NewTxnMetadataValueTopic()
		vt.Topic = t
		vt.Partitions = parts[t]
		v.Topics = append(v.Topics, vt)
	}
	v.LastUpdateTimestamp = m.updatedMillis
	v.StartTimestamp = m.startMillis
	return Record{Key: txnKey(id), Value: v.AppendTo(nil)}
}

func tombstone(id string) Record { return Record{Key: txnKey(id)} }

// decodeRecord returns the transactional id of r and its metadata, nil for a
// tombstone. A key of another version than 0 is not Kafka's; it is an error.
func decodeRecord(r Record) (string, *meta, error) {
	if len(r.Key) < 2 {
		return "", nil, fmt.Errorf("record key of %d bytes", len(r.Key))
	}
	if kv := int16(binary.BigEndian.Uint16(r.Key)); kv != 0 {
		return "", nil, fmt.Errorf("unknown transaction log key version %d", kv)
	}
	var k kmsg.TxnMetadataKey
	if err := k.ReadFrom(r.Key); err != nil {
		return "", nil, fmt.Errorf("decode transaction log key: %w", err)
	}
	if r.Value == nil {
		return k.TransactionalID, nil, nil
	}
	if len(r.Value) < 2 {
		return "", nil, fmt.Errorf("transaction log value of %q: %d bytes", k.TransactionalID, len(r.Value))
	}
	if vv := int16(binary.BigEndian.Uint16(r.Value)); vv < 0 || vv > 1 {
		return "", nil, fmt.Errorf("transaction log value of %q: unknown version %d", k.TransactionalID, vv)
	}
	var v kmsg.TxnMetadataValue
	if err := v.ReadFrom(r.Value); err != nil {
		return "", nil, fmt.Errorf("decode transaction log value of %q: %w", k.TransactionalID, err)
	}
	m := &meta{
		producerID:    v.ProducerID,
		epoch:         v.ProducerEpoch,
		timeoutMillis: v.TimeoutMillis,
		state:         state(v.State),
		partitions:    make(map[tp]struct{}),
		startMillis:   v.StartTimestamp,
		updatedMillis: v.LastUpdateTimestamp,
	}
	for _, t := range v.Topics {
		for _, p := range t.Partitions {
			m.partitions[tp{t.Topic, p}] = struct{}{}
		}
	}
	if m.state < stateEmpty || m.state > statePrepareEpochFence {
		return "", nil, fmt.Errorf("transactional id %q: unknown state %d", k.TransactionalID, m.state)
	}
	return k.TransactionalID, m, nil
}

// replay rebuilds the transactional ids of partition p from store. The last
// record of an id wins; a tombstone (or a Dead state) removes it.
func (c *Coordinator) replay(p int32, store Store) (map[string]*txn, error) {
	txns := make(map[string]*txn)
	err := store.Replay(func(r Record) error {
		id, m, err := decodeRecord(r)
		if err != nil {
			return err
		}
		if c.PartitionFor(id) != p {
			return nil
		}
		if m == nil || m.state == stateDead {
			delete(txns, id)
			return nil
		}
		if m.state == statePrepareEpochFence { // never written by Kafka; be lenient
			m.state = statePrepareAbort
		}
		t := txns[id]
		if t == nil {
			t = newTxn(id, p)
			txns[id] = t
		}
		t.mu.meta = *m
		t.mu.persisted = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return txns, nil
}
