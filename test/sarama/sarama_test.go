package sarama

import (
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

const (
	partitions = 3
	records    = 300 // produced before the group consumes
	more       = 30  // produced before the group re-joins
	keys       = 37  // distinct keys, spread over the partitions
)

// TestSarama runs the whole check once per protocol version, each against a
// fresh broker.
func TestSarama(t *testing.T) {
	for _, tc := range []struct {
		name     string
		version  sarama.KafkaVersion
		strategy func() sarama.BalanceStrategy
	}{
		{"V3_6_0_0", sarama.V3_6_0_0, sarama.NewBalanceStrategySticky},
		{"default", sarama.DefaultVersion, sarama.NewBalanceStrategyRange},
		// Kafka 2.1's request versions predate flexible encoding
		// (Produce v7, Fetch v10, Metadata v7, JoinGroup v3).
		{"V2_1_0_0", sarama.V2_1_0_0, sarama.NewBalanceStrategyRoundRobin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := startBroker(t)
			s := &suite{
				addr:     addr,
				version:  tc.version,
				strategy: tc.strategy,
				topic:    "sarama-" + tc.name,
				group:    "sarama-group-" + tc.name,
			}
			t.Logf("sarama version %s, broker %s", tc.version, addr)
			s.run(t)
		})
	}
}

// suite is one run's state. Its steps run in order, each needing the last.
type suite struct {
	addr     string
	version  sarama.KafkaVersion
	strategy func() sarama.BalanceStrategy
	topic    string
	group    string

	admin    sarama.ClusterAdmin
	produced [partitions][]*sarama.ProducerMessage // by partition, in offset order
}

func (s *suite) run(t *testing.T) {
	admin, err := sarama.NewClusterAdmin([]string{s.addr}, newConfig(s.version))
	if err != nil {
		t.Fatalf("NewClusterAdmin: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	s.admin = admin

	steps := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"admin", s.createAndDescribeTopic},
		{"produce", func(t *testing.T) { s.produce(t, 0, records) }},
		{"partition-consumer", s.consumePartitions},
		{"consumer-group", s.consumeGroup},
		{"rejoin", s.rejoinGroup},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.fn) {
			t.Fatalf("step %s failed; later steps depend on it", step.name)
		}
	}
}

// message is the i-th record produced in a run.
func message(topic string, i int) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{
		Topic:     topic,
		Timestamp: time.Now().Truncate(time.Millisecond),
		Key:       sarama.StringEncoder(fmt.Sprintf("key-%02d", i%keys)),
		Value:     sarama.StringEncoder(fmt.Sprintf("value-%04d", i)),
		Headers: []sarama.RecordHeader{
			{Key: []byte("seq"), Value: []byte(fmt.Sprint(i))},
		},
	}
}

// endOffsets are the offsets the group must have committed: each
// partition's count of produced records.
func (s *suite) endOffsets() map[int32]int64 {
	out := make(map[int32]int64, partitions)
	for p := range s.produced {
		out[int32(p)] = int64(len(s.produced[p]))
	}
	return out
}

// waitFor polls cond every 50ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last state: %s", what, d, state)
		}
		<-tick.C
	}
}
