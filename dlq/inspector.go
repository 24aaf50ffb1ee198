package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Inspector lists, shows and replays dead-letter queues on one cluster.
// It is safe for concurrent use.
type Inspector struct {
	cl   *kgo.Client
	adm  *kadm.Client
	opts []kgo.Opt // to build each replay's transactional producer

	mu struct {
		sync.Mutex
		running map[string]bool // replay names in progress
	}
}

// NewInspector connects to the cluster at seeds. opts are added to every
// client it makes (TLS, SASL, dial timeouts …); a replay's producer gets
// them too, with its own TransactionalID.
func NewInspector(seeds []string, opts ...kgo.Opt) (*Inspector, error) {
	if len(seeds) == 0 {
		return nil, errors.New("dlq: no seed brokers")
	}
	base := append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)
	cl, err := kgo.NewClient(append(slices.Clone(base), kgo.ClientID("sluice-dlq"))...)
	if err != nil {
		return nil, fmt.Errorf("dlq: connect to %v: %w", seeds, err)
	}
	in := &Inspector{cl: cl, adm: kadm.NewClient(cl), opts: base}
	in.mu.running = make(map[string]bool)
	return in, nil
}

// Close closes the Inspector's client. A replay in progress fails.
func (in *Inspector) Close() { in.cl.Close() }

// Show returns up to limit records (all when limit <= 0) of the DLQ topic
// that pass f, partition by partition in offset order.
func (in *Inspector) Show(ctx context.Context, topic string, f Filter, limit int) ([]Entry, error) {
	m, err := f.compile()
	if err != nil {
		return nil, err
	}
	tm, err := describe(ctx, in.cl, topic)
	if err != nil {
		return nil, err
	}
	if err := m.validate(tm); err != nil {
		return nil, err
	}
	bs, err := listBounds(ctx, in.adm, topic)
	if err != nil {
		return nil, err
	}
	// From a time on: start each partition at the first offset whose
	// timestamp is at or after it (an optimisation; match still checks).
	var after kadm.ListedOffsets
	if !f.From.IsZero() {
		if after, err = in.adm.ListOffsetsAfterMilli(ctx, f.From.UnixMilli(), topic); err != nil {
			return nil, fmt.Errorf("list offsets of %q after %s: %w", topic, f.From, err)
		}
	}
	out := []Entry{}
	for _, p := range m.partitions(tm) {
		b := bs[p]
		start, end := m.window(b.start, b.end)
		if lo, ok := after.Lookup(topic, p); ok && lo.Err == nil {
			if lo.Offset < 0 {
				continue // no record at or after From
			}
			start = max(start, lo.Offset)
		}
		_, err := readRange(ctx, in.cl, in.adm, tm, p, start, end, func(r *kgo.Record) (bool, error) {
			e := newEntry(r)
			if m.match(&e) {
				out = append(out, e)
			}
			return limit <= 0 || len(out) < limit, nil
		}, nil)
		if err != nil {
			return out, fmt.Errorf("show %q: %w", topic, err)
		}
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}
