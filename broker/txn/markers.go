package txn

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Markers writes transaction markers to data partitions (the broker
// implements it: a control batch per partition via the partition log, and for
// __consumer_offsets partitions it also completes pending transactional
// offset commits in the group coordinator). It returns an error per partition
// that failed (nil map/entries = success); the coordinator retries failed
// partitions with backoff until they succeed or the producer is fenced.
// WriteMarkers must return soon after ctx is cancelled.
type Markers interface {
	WriteMarkers(ctx context.Context, producerID int64, producerEpoch int16, commit bool, coordinatorEpoch int32, partitions map[string][]int32) map[string]map[int32]error
}

// markerJob is what one marker writer completes: the transaction of t at
// generation gen.
type markerJob struct {
	t          *txn
	gen        uint64
	producerID int64
	epoch      int16
	commit     bool
	partitions map[string][]int32
}

// writeMarkersLocked starts the marker writer of t, which is in PrepareCommit
// or PrepareAbort. At most one writer per transactional id runs: a new one
// starts only after a Prepare transition, which needs the previous
// transaction completed. The writer runs until the transaction is complete,
// or the partition is unloaded, or the producer is fenced.
func (c *Coordinator) writeMarkersLocked(t *txn) {
	t.mu.gen++
	m := t.mu.meta
	_, parts := m.byTopic()
	job := markerJob{
		t:          t,
		gen:        t.mu.gen,
		producerID: m.producerID,
		epoch:      m.epoch,
		commit:     m.state == statePrepareCommit,
		partitions: parts,
	}
	c.mu.Lock()
	if t.pt.gone {
		c.mu.Unlock()
		return // the next owner of the partition completes it after loading
	}
	t.pt.writers.Add(1)
	c.mu.Unlock()
	go func() {
		defer t.pt.writers.Done()
		c.runMarkers(t.pt, job)
	}()
}

func (c *Coordinator) runMarkers(pt *partition, job markerJob) {
	ctx := pt.ctx
	pending := job.partitions
	backoff := c.cfg.MarkerBackoff
	for len(pending) > 0 {
		select {
		case c.writing <- struct{}{}:
		case <-ctx.Done():
			return
		}
		errs := c.cfg.Markers.WriteMarkers(ctx, job.producerID, job.epoch, job.commit, pt.epoch, pending)
		<-c.writing
		if ctx.Err() != nil {
			return
		}
		failed, fenced := c.failedMarkers(job, pending, errs)
		if fenced != nil {
			// As Kafka: the producer's or the coordinator's epoch moved on,
			// this attempt is abandoned. The transaction stays Prepare*
			// until the partition is loaded again.
			c.log.Warn("transaction markers fenced; not completing", "transactional_id", job.t.id,
				"producer_id", job.producerID, "epoch", job.epoch, "err", fenced)
			return
		}
		if len(failed) == 0 {
			break
		}
		pending = failed
		if !wait(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, c.cfg.MarkerMaxBackoff)
	}
	backoff = c.cfg.MarkerBackoff
	for !c.completeTxn(job) {
		if !wait(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, c.cfg.MarkerMaxBackoff)
	}
}

// failedMarkers returns the partitions of errs to retry. Partitions that no
// longer exist are dropped, as Kafka drops markers for deleted topics.
func (c *Coordinator) failedMarkers(job markerJob, sent map[string][]int32, errs map[string]map[int32]error) (map[string][]int32, error) {
	failed := make(map[string][]int32)
	for topic, ps := range sent {
		for _, p := range ps {
			err := errs[topic][p]
			if err == nil {
				continue
			}
			if errors.Is(err, kerr.InvalidProducerEpoch) || errors.Is(err, kerr.ProducerFenced) ||
				errors.Is(err, kerr.TransactionCoordinatorFenced) {
				return nil, err
			}
			if !c.cfg.PartitionExists(topic, p) {
				c.log.Info("dropping transaction marker for missing partition", "transactional_id", job.t.id, "topic", topic, "partition", p)
				continue
			}
			c.log.Debug("transaction marker failed; will retry", "transactional_id", job.t.id, "topic", topic, "partition", p, "err", err)
			failed[topic] = append(failed[topic], p)
		}
	}
	return failed, nil
}

// completeTxn persists CompleteCommit or CompleteAbort with no partitions.
// It reports false if the write failed and should be retried.
func (c *Coordinator) completeTxn(job markerJob) bool {
	t := job.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.removed || t.mu.gen != job.gen {
		return true // unloaded, or completed by someone else
	}
	next := t.mu.meta
	next.state = stateCompleteAbort
	if job.commit {
		next.state = stateCompleteCommit
	}
	next.partitions = nil
	next.updatedMillis = c.nowMillis()
	if code := c.persistLocked(t, next); code != 0 {
		return code == kerr.NotCoordinator.Code // not ours anymore: stop
	}
	c.log.Debug("transaction completed", "transactional_id", t.id, "state", next.state.String())
	return true
}

// wait waits d or until ctx is done; it reports whether d passed.
func wait(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
