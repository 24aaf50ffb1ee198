package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/runtime/offsets"
)

// OffsetStore keeps source offsets in the offsets topic with Kafka
// Connect's record layout (see the package doc). It implements
// offsets.Store, so the source task loop works on it unchanged.
//
// The tail goroutine applies records to mu.table; readers first read to the
// end, so a Load sees every Save acknowledged before it began.
type OffsetStore struct {
	log     *TopicLog    // set once open; the tail never touches it
	logger  *slog.Logger // used by the tail
	timeout time.Duration
	mu      struct {
		sync.Mutex
		table map[string]offsetEntry // by canonical key JSON
	}
}

type offsetEntry struct {
	connector string
	partition map[string]any
	offset    map[string]any
}

var _ offsets.Store = (*OffsetStore)(nil)

// OpenOffsetStore reads the offsets topic to its end. timeout bounds each
// Load and Save (they take no context, as offsets.Store); 0 means 30s.
func OpenOffsetStore(ctx context.Context, cfg LogConfig, timeout time.Duration) (*OffsetStore, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	s := &OffsetStore{timeout: timeout, logger: cfg.logger()}
	s.mu.table = map[string]offsetEntry{}
	l, err := OpenTopicLog(ctx, cfg, s.apply)
	if err != nil {
		return nil, fmt.Errorf("offset store: %w", err)
	}
	s.log = l
	return s, nil
}

// OffsetKey is the record key of a source partition's offset: the JSON
// array [connector, partition] as Kafka Connect's JsonConverter writes it
// with schemas disabled (map keys sorted here).
func OffsetKey(connector string, partition map[string]any) ([]byte, error) {
	b, err := json.Marshal([]any{connector, partition})
	if err != nil {
		return nil, fmt.Errorf("source partition %v: %w", partition, err)
	}
	return b, nil
}

func (s *OffsetStore) apply(r *kgo.Record) {
	var parts []json.RawMessage
	if err := json.Unmarshal(r.Key, &parts); err != nil || len(parts) != 2 {
		s.logger.Warn("offset store: skipping record with malformed key", "key", string(r.Key), "offset", r.Offset)
		return
	}
	var e offsetEntry
	if err := json.Unmarshal(parts[0], &e.connector); err != nil || offsets.DecodeMap(parts[1], &e.partition) != nil {
		s.logger.Warn("offset store: skipping record with malformed key", "key", string(r.Key), "offset", r.Offset)
		return
	}
	k, _ := OffsetKey(e.connector, e.partition) // canonical: a Java writer's map order may differ
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Value == nil {
		delete(s.mu.table, string(k))
		return
	}
	if err := offsets.DecodeMap(r.Value, &e.offset); err != nil {
		s.logger.Warn("offset store: skipping record with malformed value", "key", string(r.Key), "offset", r.Offset)
		return
	}
	s.mu.table[string(k)] = e
}

// Get returns the stored offset of one source partition, nil if none.
func (s *OffsetStore) Get(ctx context.Context, connector string, partition map[string]any) (map[string]any, error) {
	k, err := OffsetKey(connector, partition)
	if err != nil {
		return nil, err
	}
	if err := s.log.ReadToEnd(ctx); err != nil {
		return nil, fmt.Errorf("offset store: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.table[string(k)].offset, nil
}

// Set writes offsets (a nil Offset writes a tombstone) and returns once the
// broker acknowledged them all.
func (s *OffsetStore) Set(ctx context.Context, connector string, offs []sdk.SourceOffset) error {
	recs := make([]*kgo.Record, 0, len(offs))
	for _, o := range offs {
		k, err := OffsetKey(connector, o.Partition)
		if err != nil {
			return err
		}
		r := &kgo.Record{Key: k}
		if o.Offset != nil {
			if r.Value, err = json.Marshal(o.Offset); err != nil {
				return fmt.Errorf("source offset %v: %w", o.Offset, err)
			}
		}
		recs = append(recs, r)
	}
	if err := s.log.Send(ctx, recs...); err != nil {
		return fmt.Errorf("offset store: %w", err)
	}
	return nil
}

// Load implements offsets.Store: every offset of connector, after reading
// the topic to its end.
func (s *OffsetStore) Load(connector string) ([]sdk.SourceOffset, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	if err := s.log.ReadToEnd(ctx); err != nil {
		return nil, fmt.Errorf("offset store: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sdk.SourceOffset
	for _, k := range slices.Sorted(maps.Keys(s.mu.table)) {
		if e := s.mu.table[k]; e.connector == connector {
			out = append(out, sdk.SourceOffset{Partition: e.partition, Offset: e.offset})
		}
	}
	return out, nil
}

// Save implements offsets.Store.
func (s *OffsetStore) Save(connector string, offs []sdk.SourceOffset) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	return s.Set(ctx, connector, offs)
}

// ReadToEnd waits until every record written before the call is applied.
func (s *OffsetStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Close stops the store.
func (s *OffsetStore) Close() { s.log.Close() }
