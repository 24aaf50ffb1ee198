package txn

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Config configures a Coordinator. Zero values take Kafka's defaults.
type Config struct {
	NumPartitions      int32         // transaction.state.log.num.partitions (50)
	MaxTimeout         time.Duration // transaction.max.timeout.ms (900000)
	AbortCheckInterval time.Duration // transaction.abort.timed.out.transaction.cleanup.interval.ms (10000)
	IDExpiration       time.Duration // transactional.id.expiration.ms (7 days)
	// RemoveExpiredInterval is
	// transaction.remove.expired.transaction.cleanup.interval.ms (3600000).
	RemoveExpiredInterval time.Duration
	// AllocateProducerID returns a new producer id. An error that is a
	// *kerr.Error is answered as is; any other answers COORDINATOR_NOT_AVAILABLE.
	AllocateProducerID func() (int64, error)
	// PartitionExists reports whether a data partition exists. Nil accepts all.
	PartitionExists func(topic string, partition int32) bool
	// GroupPartition is the __consumer_offsets partition of a group. Nil uses
	// Kafka's hash over 50 partitions.
	GroupPartition func(group string) int32
	Markers        Markers
	// MarkerConcurrency bounds the WriteMarkers calls in flight (16).
	MarkerConcurrency int
	// MarkerBackoff is the first wait before retrying failed marker
	// partitions (100ms); it doubles up to MarkerMaxBackoff (10s).
	MarkerBackoff    time.Duration
	MarkerMaxBackoff time.Duration
	Logger           *slog.Logger
	Now              func() time.Time // nil = time.Now
}

func (cfg *Config) defaults() {
	if cfg.NumPartitions <= 0 {
		cfg.NumPartitions = 50
	}
	if cfg.MaxTimeout <= 0 {
		cfg.MaxTimeout = 15 * time.Minute
	}
	if cfg.AbortCheckInterval <= 0 {
		cfg.AbortCheckInterval = 10 * time.Second
	}
	if cfg.IDExpiration <= 0 {
		cfg.IDExpiration = 7 * 24 * time.Hour
	}
	if cfg.RemoveExpiredInterval <= 0 {
		cfg.RemoveExpiredInterval = time.Hour
	}
	if cfg.AllocateProducerID == nil {
		cfg.AllocateProducerID = func() (int64, error) {
			return 0, errors.New("no producer id allocator configured")
		}
	}
	if cfg.PartitionExists == nil {
		cfg.PartitionExists = func(string, int32) bool { return true }
	}
	if cfg.GroupPartition == nil {
		cfg.GroupPartition = func(g string) int32 { return javaHashPartition(g, 50) }
	}
	if cfg.MarkerConcurrency <= 0 {
		cfg.MarkerConcurrency = 16
	}
	if cfg.MarkerBackoff <= 0 {
		cfg.MarkerBackoff = 100 * time.Millisecond
	}
	if cfg.MarkerMaxBackoff < cfg.MarkerBackoff {
		cfg.MarkerMaxBackoff = max(10*time.Second, cfg.MarkerBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

// Coordinator is the transaction coordinator for the partitions of
// __transaction_state this broker leads. See the package doc for locking.
type Coordinator struct {
	cfg     Config
	log     *slog.Logger
	writing chan struct{} // one slot per WriteMarkers call in flight
	stop    chan struct{} // closed by Close; ends the background loop
	loop    sync.WaitGroup

	mu struct {
		sync.Mutex
		closed     bool
		partitions map[int32]*partition
		txns       map[string]*txn
	}
}

// partition is one loaded partition of __transaction_state.
type partition struct {
	id      int32
	store   Store
	epoch   int32 // coordinator epoch sent with markers
	ctx     context.Context
	cancel  context.CancelFunc // by UnloadPartition and Close
	writers sync.WaitGroup     // marker writers of this partition

	// Guarded by Coordinator.mu.
	loading bool
	gone    bool // unloaded: no new marker writer starts
}

// New returns a Coordinator that owns no partition yet. Close stops it.
func New(cfg Config) *Coordinator {
	cfg.defaults()
	c := &Coordinator{
		cfg:     cfg,
		log:     cfg.Logger,
		writing: make(chan struct{}, cfg.MarkerConcurrency),
		stop:    make(chan struct{}),
	}
	c.mu.partitions = make(map[int32]*partition)
	c.mu.txns = make(map[string]*txn)
	c.loop.Add(1)
	go c.background()
	return c
}

func (c *Coordinator) nowMillis() int64 { return c.cfg.Now().UnixMilli() }

// PartitionFor is Kafka's abs(javaStringHashCode(id)) % NumPartitions.
func (c *Coordinator) PartitionFor(transactionalID string) int32 {
	return javaHashPartition(transactionalID, c.cfg.NumPartitions)
}

func javaHashPartition(s string, n int32) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 { // UTF-16 surrogate pair, as Java hashes it
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	if h == math.MinInt32 { // Kafka's Utils.abs
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % n
}

// coordinatorErrLocked is the error a request about id gets before the
// transactional id itself is considered.
func (c *Coordinator) coordinatorErrLocked(id string) (*partition, int16) {
	pt := c.mu.partitions[c.PartitionFor(id)]
	switch {
	case c.mu.closed || pt == nil:
		return nil, kerr.NotCoordinator.Code
	case pt.loading:
		return nil, kerr.CoordinatorLoadInProgress.Code
	}
	return pt, 0
}

// acquire returns the transactional id locked, creating it (Empty, no
// producer id, not persisted) when create is set. A nil txn with code 0 means
// it does not exist. Errors are NOT_COORDINATOR and
// COORDINATOR_LOAD_IN_PROGRESS.
func (c *Coordinator) acquire(id string, create bool) (*txn, int16) {
	for {
		c.mu.Lock()
		pt, code := c.coordinatorErrLocked(id)
		if code != 0 {
			c.mu.Unlock()
			return nil, code
		}
		t := c.mu.txns[id]
		if t == nil {
			if !create {
				c.mu.Unlock()
				return nil, 0
			}
			t = newTxn(id, pt.id)
			t.pt = pt
			c.mu.txns[id] = t
		}
		c.mu.Unlock()
		t.mu.Lock()
		if !t.mu.removed {
			return t, 0
		}
		t.mu.Unlock() // removed meanwhile; look again
	}
}

// forgetLocked removes t from the index; the caller holds t.mu.
func (c *Coordinator) forgetLocked(t *txn) {
	t.mu.removed = true
	c.mu.Lock()
	if c.mu.txns[t.id] == t {
		delete(c.mu.txns, t.id)
	}
	c.mu.Unlock()
}

// releaseLocked unlocks t, first forgetting it if nothing of it was
// persisted (an InitProducerId that failed before its first write).
func (c *Coordinator) releaseLocked(t *txn) {
	if !t.mu.persisted && !t.mu.removed {
		c.forgetLocked(t)
	}
	t.mu.Unlock()
}

// txns returns a snapshot of the index.
func (c *Coordinator) txns() []*txn {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := make([]*txn, 0, len(c.mu.txns))
	for _, t := range c.mu.txns {
		ts = append(ts, t)
	}
	return ts
}

// persistLocked writes next for t and, once durable, makes it t's state.
// The write uses the partition's context, not the request's: whether a
// transition happens must not depend on a client staying connected. The
// error is a Kafka error code, mapped as Kafka maps log append errors.
func (c *Coordinator) persistLocked(t *txn, next meta) int16 {
	if err := t.pt.store.Append(t.pt.ctx, []Record{next.record(t.id)}); err != nil {
		if t.pt.ctx.Err() != nil {
			return kerr.NotCoordinator.Code // unloaded meanwhile
		}
		c.log.Warn("transaction log append failed", "transactional_id", t.id, "err", err)
		return appendErrCode(err)
	}
	t.mu.meta = next
	t.mu.persisted = true
	return 0
}

func appendErrCode(err error) int16 {
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return kerr.CoordinatorNotAvailable.Code
	}
	switch ke {
	case kerr.UnknownTopicOrPartition, kerr.NotEnoughReplicas, kerr.NotEnoughReplicasAfterAppend, kerr.RequestTimedOut:
		return kerr.CoordinatorNotAvailable.Code
	case kerr.NotLeaderForPartition, kerr.KafkaStorageError:
		return kerr.NotCoordinator.Code
	case kerr.MessageTooLarge, kerr.RecordListTooLarge:
		return kerr.UnknownServerError.Code
	}
	return ke.Code
}

// fencedCode is PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH for request
// versions older than fencedSince, as Kafka answers old clients.
func fencedCode(code, version, fencedSince int16) int16 {
	if code == kerr.ProducerFenced.Code && version < fencedSince {
		return kerr.InvalidProducerEpoch.Code
	}
	return code
}
