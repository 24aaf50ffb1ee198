package txn

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// memStore is the in-memory twin of a __transaction_state partition.
type memStore struct {
	mu    sync.Mutex
	recs  []Record
	fail  error // Append returns it when set
	epoch int32
}

func (s *memStore) Append(_ context.Context, recs []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.recs = append(s.recs, recs...)
	return nil
}

func (s *memStore) Replay(fn func(Record) error) error {
	s.mu.Lock()
	recs := slices.Clone(s.recs)
	s.mu.Unlock()
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) LeaderEpoch() int32 { return s.epoch }

func (s *memStore) setFail(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

// states returns the states written for id, in order ("tombstone" for one).
func (s *memStore) states(t *testing.T, id string) []string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.recs {
		got, m, err := decodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if got != id {
			continue
		}
		if m == nil {
			out = append(out, "tombstone")
			continue
		}
		out = append(out, m.state.String())
	}
	return out
}

var errStore = errors.New("store down")

// markerCall is one WriteMarkers call.
type markerCall struct {
	producerID int64
	epoch      int16
	commit     bool
	coordEpoch int32
	partitions map[string][]int32
}

// fakeMarkers records WriteMarkers calls. A partition in fail fails that
// many more times (with failErr, or NOT_LEADER_FOR_PARTITION). When block is
// set, calls wait for a value on it (or ctx).
type fakeMarkers struct {
	mu      sync.Mutex
	calls   []markerCall
	fail    map[tp]int
	failErr error
	block   chan struct{}
}

func (f *fakeMarkers) WriteMarkers(ctx context.Context, pid int64, epoch int16, commit bool, coordEpoch int32, parts map[string][]int32) map[string]map[int32]error {
	f.mu.Lock()
	block := f.block
	f.calls = append(f.calls, markerCall{pid, epoch, commit, coordEpoch, cloneParts(parts)})
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs map[string]map[int32]error
	for topic, ps := range parts {
		for _, p := range ps {
			if f.fail[tp{topic, p}] > 0 {
				f.fail[tp{topic, p}]--
				if errs == nil {
					errs = make(map[string]map[int32]error)
				}
				if errs[topic] == nil {
					errs[topic] = make(map[int32]error)
				}
				err := f.failErr
				if err == nil {
					err = kerr.NotLeaderForPartition
				}
				errs[topic][p] = err
			}
		}
	}
	return errs
}

func (f *fakeMarkers) getCalls() []markerCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func cloneParts(m map[string][]int32) map[string][]int32 {
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = slices.Sorted(slices.Values(v))
	}
	return out
}

// harness is a coordinator owning its only partition.
type harness struct {
	t       *testing.T
	c       *Coordinator
	store   *memStore
	markers *fakeMarkers
	nextPID int64
	cfg     Config
}

// newHarness must be called inside the synctest bubble; it closes the
// coordinator when the test ends.
func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, store: &memStore{epoch: 3}, markers: &fakeMarkers{fail: map[tp]int{}}, nextPID: 1000}
	h.cfg = Config{
		NumPartitions: 1,
		Markers:       h.markers,
		AllocateProducerID: func() (int64, error) {
			h.nextPID++
			return h.nextPID, nil
		},
		PartitionExists: func(topic string, _ int32) bool { return topic != "missing" },
		GroupPartition:  func(string) int32 { return 7 },
	}
	if mod != nil {
		mod(&h.cfg)
	}
	h.c = h.start()
	return h
}

// start returns a new coordinator over h.store, closed at the end of the test.
func (h *harness) start() *Coordinator {
	h.t.Helper()
	c := New(h.cfg)
	if err := c.LoadPartition(0, h.store); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(c.Close)
	return c
}

func (h *harness) init(id string, version int16, pid int64, epoch int16) *kmsg.InitProducerIDResponse {
	h.t.Helper()
	req := kmsg.NewPtrInitProducerIDRequest()
	req.Version = version
	req.TransactionalID = &id
	req.TransactionTimeoutMillis = 60000
	req.ProducerID, req.ProducerEpoch = pid, epoch
	return h.c.InitProducerID(context.Background(), req)
}

// mustInit initializes id and fails the test on error.
func (h *harness) mustInit(id string) (int64, int16) {
	h.t.Helper()
	resp := h.init(id, 4, -1, -1)
	if resp.ErrorCode != 0 {
		h.t.Fatalf("InitProducerId %s: %v", id, kerr.ErrorForCode(resp.ErrorCode))
	}
	return resp.ProducerID, resp.ProducerEpoch
}

func (h *harness) add(id string, version int16, pid int64, epoch int16, topic string, parts ...int32) []int16 {
	h.t.Helper()
	req := kmsg.NewPtrAddPartitionsToTxnRequest()
	req.Version = version
	req.TransactionalID, req.ProducerID, req.ProducerEpoch = id, pid, epoch
	rt := kmsg.NewAddPartitionsToTxnRequestTopic()
	rt.Topic, rt.Partitions = topic, parts
	req.Topics = append(req.Topics, rt)
	resp := h.c.AddPartitionsToTxn(context.Background(), req)
	var codes []int16
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			codes = append(codes, p.ErrorCode)
		}
	}
	return codes
}

func (h *harness) mustAdd(id string, pid int64, epoch int16, topic string, parts ...int32) {
	h.t.Helper()
	for _, code := range h.add(id, 3, pid, epoch, topic, parts...) {
		if code != 0 {
			h.t.Fatalf("AddPartitionsToTxn %s: %v", id, kerr.ErrorForCode(code))
		}
	}
}

func (h *harness) end(id string, version int16, pid int64, epoch int16, commit bool) int16 {
	h.t.Helper()
	req := kmsg.NewPtrEndTxnRequest()
	req.Version = version
	req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = id, pid, epoch, commit
	return h.c.EndTxn(context.Background(), req).ErrorCode
}

func (h *harness) describe(id string) kmsg.DescribeTransactionsResponseTransactionState {
	h.t.Helper()
	req := kmsg.NewPtrDescribeTransactionsRequest()
	req.TransactionalIDs = []string{id}
	return h.c.DescribeTransactions(context.Background(), req).TransactionStates[0]
}

func (h *harness) wantState(id, want string) {
	h.t.Helper()
	if got := h.describe(id); got.ErrorCode != 0 || got.State != want {
		h.t.Fatalf("%s: state %q (err %v), want %q", id, got.State, kerr.ErrorForCode(got.ErrorCode), want)
	}
}

func wantCode(t *testing.T, what string, got, want int16) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, kerr.ErrorForCode(got), kerr.ErrorForCode(want))
	}
}
