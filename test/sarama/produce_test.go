package sarama

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// produce sends records [from, from+n) with an idempotent SyncProducer,
// single messages and batches alternately, and checks that every partition's
// acknowledged offsets continue where the last ones ended, one by one.
func (s *suite) produce(t *testing.T, from, n int) {
	c := newConfig(s.version)
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Idempotent = true
	c.Net.MaxOpenRequests = 1
	c.Producer.Return.Successes = true
	c.Producer.Retry.Max = 3
	c.Producer.Timeout = 10 * time.Second
	c.Producer.Partitioner = sarama.NewHashPartitioner
	p, err := sarama.NewSyncProducer([]string{s.addr}, c)
	if err != nil {
		t.Fatalf("NewSyncProducer: %v", err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("close producer: %v", err)
		}
	}()

	const batch = 50
	var sent []*sarama.ProducerMessage
	for i := from; i < from+n; {
		if (i/batch)%2 == 0 {
			// A batch: one produce request carrying records for every partition.
			var msgs []*sarama.ProducerMessage
			for ; i < from+n && len(msgs) < batch; i++ {
				msgs = append(msgs, message(s.topic, i))
			}
			if err := p.SendMessages(msgs); err != nil {
				t.Fatalf("SendMessages (%d messages from %d): %v", len(msgs), i-len(msgs), err)
			}
			sent = append(sent, msgs...)
			continue
		}
		m := message(s.topic, i)
		if _, _, err := p.SendMessage(m); err != nil {
			t.Fatalf("SendMessage %d: %v", i, err)
		}
		sent = append(sent, m)
		i++
	}

	// Within a partition the idempotent producer keeps send order, so the
	// acknowledged offsets must be the next ones, without gaps.
	for _, m := range sent {
		want := int64(len(s.produced[m.Partition]))
		if m.Offset != want {
			t.Fatalf("message %s acknowledged at partition %d offset %d, want %d", m.Value, m.Partition, m.Offset, want)
		}
		s.produced[m.Partition] = append(s.produced[m.Partition], m)
	}
	for part := range s.produced {
		if len(s.produced[part]) == 0 {
			t.Errorf("partition %d got no records: the hash partitioner should spread %d keys", part, keys)
		}
	}
	t.Logf("produced %d records, per partition %v", n, s.endOffsets())
}

// consumePartitions reads every partition from the oldest offset with a
// PartitionConsumer and compares each record with what was produced.
func (s *suite) consumePartitions(t *testing.T) {
	c := newConfig(s.version)
	c.Consumer.MaxWaitTime = 100 * time.Millisecond
	consumer, err := sarama.NewConsumer([]string{s.addr}, c)
	if err != nil {
		t.Fatalf("NewConsumer: %v", err)
	}
	defer consumer.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for part := range s.produced {
		want := s.produced[part]
		pc, err := consumer.ConsumePartition(s.topic, int32(part), sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("ConsumePartition %d: %v", part, err)
		}
		for i := 0; i < len(want); i++ {
			select {
			case m := <-pc.Messages():
				checkMessage(t, m, want[i])
			case err := <-pc.Errors():
				t.Fatalf("partition %d: consumer error after %d of %d records: %v", part, i, len(want), err)
			case <-ctx.Done():
				t.Fatalf("partition %d: %d of %d records read before the deadline", part, i, len(want))
			}
		}
		if hwm := pc.HighWaterMarkOffset(); hwm != int64(len(want)) {
			t.Errorf("partition %d: high water mark %d, want %d", part, hwm, len(want))
		}
		if err := pc.Close(); err != nil {
			t.Errorf("close partition consumer %d: %v", part, err)
		}
	}

	for part, want := range s.endOffsets() {
		oldest, err := consumerClientOffset(s, part, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		newest, err := consumerClientOffset(s, part, sarama.OffsetNewest)
		if err != nil {
			t.Fatal(err)
		}
		if oldest != 0 || newest != want {
			t.Errorf("partition %d: ListOffsets oldest %d newest %d, want 0 and %d", part, oldest, newest, want)
		}
	}
}

func consumerClientOffset(s *suite, part int32, at int64) (int64, error) {
	client, err := sarama.NewClient([]string{s.addr}, newConfig(s.version))
	if err != nil {
		return 0, err
	}
	defer client.Close()
	return client.GetOffset(s.topic, part, at)
}

// checkMessage compares a consumed record with the produced one.
func checkMessage(t *testing.T, got *sarama.ConsumerMessage, want *sarama.ProducerMessage) {
	t.Helper()
	wantKey, _ := want.Key.Encode()
	wantValue, _ := want.Value.Encode()
	if got.Partition != want.Partition || got.Offset != want.Offset ||
		!bytes.Equal(got.Key, wantKey) || !bytes.Equal(got.Value, wantValue) {
		t.Fatalf("read partition %d offset %d key %q value %q, want partition %d offset %d key %q value %q",
			got.Partition, got.Offset, got.Key, got.Value, want.Partition, want.Offset, wantKey, wantValue)
	}
	if len(got.Headers) != 1 || string(got.Headers[0].Key) != "seq" || !bytes.Equal(got.Headers[0].Value, want.Headers[0].Value) {
		t.Errorf("partition %d offset %d: headers %v, want seq=%s", got.Partition, got.Offset, headerStrings(got.Headers), want.Headers[0].Value)
	}
	if got.Timestamp.UnixMilli() != want.Timestamp.UnixMilli() {
		t.Errorf("partition %d offset %d: timestamp %s, want the producer's %s", got.Partition, got.Offset, got.Timestamp, want.Timestamp)
	}
}

func headerStrings(hs []*sarama.RecordHeader) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = string(h.Key) + "=" + string(h.Value)
	}
	return out
}
