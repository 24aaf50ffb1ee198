package broker

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
)

// markerWriter writes transaction markers for the transaction coordinator:
// a control batch per partition, and for partitions of the offsets topic
// the completion of the producer's transactional offset commits.
type markerWriter struct{ b *Broker }

func (m markerWriter) WriteMarkers(_ context.Context, producerID int64, producerEpoch int16, commit bool, coordinatorEpoch int32, partitions map[string][]int32) map[string]map[int32]error {
	var failed map[string]map[int32]error
	for topic, ids := range partitions {
		for _, id := range ids {
			err := m.writeOne(topic, id, producerID, producerEpoch, commit, coordinatorEpoch)
			if err == nil {
				continue
			}
			if failed == nil {
				failed = map[string]map[int32]error{}
			}
			if failed[topic] == nil {
				failed[topic] = map[int32]error{}
			}
			failed[topic][id] = err
		}
	}
	return failed
}

func (m markerWriter) writeOne(topic string, id int32, producerID int64, producerEpoch int16, commit bool, coordinatorEpoch int32) error {
	b := m.b
	p, err := b.parts.get(topic, id)
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return nil // the topic was deleted: nothing left to mark, as in Kafka
	}
	if err != nil {
		return err
	}
	if _, err := p.log.AppendMarker(producerID, producerEpoch, commit, coordinatorEpoch, p.epoch.Load()); err != nil {
		return logErr(err)
	}
	p.notify()
	if topic == offsetsTopic {
		b.groups.CompleteTxn(id, producerID, commit)
	}
	return nil
}
