package txn

import (
	"math"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// state is a transaction state, encoded as Kafka encodes it in
// __transaction_state.
type state int8

const (
	stateEmpty             state = 0
	stateOngoing           state = 1
	statePrepareCommit     state = 2
	statePrepareAbort      state = 3
	stateCompleteCommit    state = 4
	stateCompleteAbort     state = 5
	stateDead              state = 6
	statePrepareEpochFence state = 7
)

// String is Kafka's state name, as DescribeTransactions and ListTransactions
// spell it.
func (s state) String() string { return kmsg.TransactionState(s).String() }

func stateFromName(name string) (state, bool) {
	for i, n := range kmsg.TransactionStateStrings() {
		if n == name {
			return state(i), true
		}
	}
	return 0, false
}

const (
	noProducerID    int64 = -1
	noProducerEpoch int16 = -1
	noTimestamp     int64 = -1
)

// epochExhausted is Kafka's TransactionMetadata.isEpochExhausted: the last
// epoch is kept free so that fencing an ongoing transaction can still bump.
func epochExhausted(epoch int16) bool { return epoch >= math.MaxInt16-1 }

// tp is one topic partition.
type tp struct {
	topic     string
	partition int32
}

// meta is what __transaction_state stores about a transactional id. It is a
// value: a transition builds the next meta, persists it, then assigns it.
type meta struct {
	producerID    int64
	epoch         int16
	timeoutMillis int32
	state         state
	partitions    map[tp]struct{} // never mutated once assigned; copy to change
	startMillis   int64           // noTimestamp unless a transaction started
	updatedMillis int64
}

// withPartitions returns m's partitions plus add, as a new set.
func (m meta) withPartitions(add []tp) map[tp]struct{} {
	out := make(map[tp]struct{}, len(m.partitions)+len(add))
	for p := range m.partitions {
		out[p] = struct{}{}
	}
	for _, p := range add {
		out[p] = struct{}{}
	}
	return out
}

// hasAll reports whether every partition of ps is in the transaction.
func (m meta) hasAll(ps []tp) bool {
	for _, p := range ps {
		if _, ok := m.partitions[p]; !ok {
			return false
		}
	}
	return true
}

// byTopic returns the partitions grouped by topic, topics and partitions
// sorted.
func (m meta) byTopic() (topics []string, parts map[string][]int32) {
	parts = make(map[string][]int32)
	for p := range m.partitions {
		if _, ok := parts[p.topic]; !ok {
			topics = append(topics, p.topic)
		}
		parts[p.topic] = append(parts[p.topic], p.partition)
	}
	slices.Sort(topics)
	for _, ps := range parts {
		slices.Sort(ps)
	}
	return topics, parts
}

// txn is one transactional id.
type txn struct {
	id        string
	partition int32      // of __transaction_state
	pt        *partition // that loaded or created it

	mu struct {
		sync.Mutex
		removed   bool // expired, unloaded or never persisted: look it up again
		persisted bool // a record of it is in the store
		meta      meta
		// lastProducerID and lastEpoch let a KIP-360 InitProducerId retry
		// (whose answer was lost) get the same answer again. As in Kafka
		// with record version 0, they live in memory only.
		lastProducerID int64
		lastEpoch      int16
		// gen counts PrepareCommit/PrepareAbort transitions; a marker
		// writer completes the transaction only if gen is still its own.
		gen uint64
	}
}

func newTxn(id string, partition int32) *txn {
	t := &txn{id: id, partition: partition}
	t.mu.meta = meta{
		producerID:  noProducerID,
		epoch:       noProducerEpoch,
		state:       stateEmpty,
		startMillis: noTimestamp,
	}
	t.mu.lastProducerID = noProducerID
	t.mu.lastEpoch = noProducerEpoch
	return t
}
