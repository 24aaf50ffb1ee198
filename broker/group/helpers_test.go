package group

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// memStore is the in-memory twin of a __consumer_offsets partition: data
// records and transaction markers in offset order.
type memStore struct {
	mu   sync.Mutex
	recs []Record
	fail error // Append and AppendTxn return it when set
}

func (s *memStore) Append(_ context.Context, recs []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	for _, r := range recs {
		r.ProducerID, r.ProducerEpoch, r.Marker = -1, 0, MarkerNone
		s.recs = append(s.recs, r)
	}
	return nil
}

func (s *memStore) AppendTxn(_ context.Context, producerID int64, producerEpoch int16, recs []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	for _, r := range recs {
		r.ProducerID, r.ProducerEpoch, r.Marker = producerID, producerEpoch, MarkerNone
		s.recs = append(s.recs, r)
	}
	return nil
}

// writeMarker appends producerID's COMMIT or ABORT control record, as the
// broker does for WriteTxnMarkers.
func (s *memStore) writeMarker(producerID int64, commit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := MarkerAbort
	if commit {
		m = MarkerCommit
	}
	s.recs = append(s.recs, Record{ProducerID: producerID, Marker: m})
}

func (s *memStore) Replay(fn func(Record) error) error {
	s.mu.Lock()
	recs := append([]Record(nil), s.recs...)
	s.mu.Unlock()
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) setFail(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

var errStore = errors.New("store down")

// newTest returns a coordinator owning its only partition, backed by store.
// It must be called inside the synctest bubble when timers matter.
func newTest(t *testing.T, store *memStore, mod func(*Config)) *Coordinator {
	t.Helper()
	cfg := Config{NumPartitions: 1, InitialRebalanceDelay: -1}
	if mod != nil {
		mod(&cfg)
	}
	c := New(cfg)
	if err := c.LoadPartition(0, store); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

type joinOpts struct {
	version   int16
	member    string
	instance  string
	ptype     string
	protocols []string // name:metadata pairs use metaFor
	meta      string   // metadata for every protocol
	session   time.Duration
	rebalance time.Duration
}

func joinReq(group string, o joinOpts) *kmsg.JoinGroupRequest {
	r := kmsg.NewPtrJoinGroupRequest()
	r.Version = o.version
	if o.version == 0 {
		r.Version = 9
	}
	r.Group = group
	r.MemberID = o.member
	if o.instance != "" {
		r.InstanceID = kmsg.StringPtr(o.instance)
	}
	r.ProtocolType = o.ptype
	if r.ProtocolType == "" {
		r.ProtocolType = "consumer"
	}
	if len(o.protocols) == 0 {
		o.protocols = []string{"range"}
	}
	for _, p := range o.protocols {
		rp := kmsg.NewJoinGroupRequestProtocol()
		rp.Name, rp.Metadata = p, []byte(o.meta+"/"+p)
		r.Protocols = append(r.Protocols, rp)
	}
	if o.session == 0 {
		o.session = 10 * time.Second
	}
	if o.rebalance == 0 {
		o.rebalance = 30 * time.Second
	}
	r.SessionTimeoutMillis = int32(o.session / time.Millisecond)
	r.RebalanceTimeoutMillis = int32(o.rebalance / time.Millisecond)
	return r
}

// joinAsync runs JoinGroup in a goroutine.
func joinAsync(ctx context.Context, c *Coordinator, req *kmsg.JoinGroupRequest) <-chan *kmsg.JoinGroupResponse {
	ch := make(chan *kmsg.JoinGroupResponse, 1)
	go func() { ch <- c.JoinGroup(ctx, req) }()
	return ch
}

func syncAsync(c *Coordinator, req *kmsg.SyncGroupRequest) <-chan *kmsg.SyncGroupResponse {
	ch := make(chan *kmsg.SyncGroupResponse, 1)
	go func() { ch <- c.SyncGroup(context.Background(), req) }()
	return ch
}

// joinNew performs the v4+ two-step join of a new dynamic member and returns
// the channel of its pending second join.
func joinNew(t *testing.T, c *Coordinator, group string, o joinOpts) <-chan *kmsg.JoinGroupResponse {
	t.Helper()
	r := c.JoinGroup(context.Background(), joinReq(group, o))
	if o.instance != "" {
		t.Fatal("joinNew is for dynamic members")
	}
	if err := kerr.ErrorForCode(r.ErrorCode); err != kerr.MemberIDRequired {
		t.Fatalf("first join: got %v, want MEMBER_ID_REQUIRED", err)
	}
	o.member = r.MemberID
	return joinAsync(context.Background(), c, joinReq(group, o))
}

func syncReq(group, member string, gen int32, assign map[string]string) *kmsg.SyncGroupRequest {
	r := kmsg.NewPtrSyncGroupRequest()
	r.Version = 5
	r.Group, r.MemberID, r.Generation = group, member, gen
	for id, a := range assign {
		ga := kmsg.NewSyncGroupRequestGroupAssignment()
		ga.MemberID, ga.MemberAssignment = id, []byte(a)
		r.GroupAssignment = append(r.GroupAssignment, ga)
	}
	return r
}

func heartbeat(c *Coordinator, group, member string, gen int32) error {
	r := kmsg.NewPtrHeartbeatRequest()
	r.Version = 4
	r.Group, r.MemberID, r.Generation = group, member, gen
	return kerr.ErrorForCode(c.Heartbeat(context.Background(), r).ErrorCode)
}

func commit(c *Coordinator, group, member string, gen int32, topic string, offsets map[int32]int64) *kmsg.OffsetCommitResponse {
	r := kmsg.NewPtrOffsetCommitRequest()
	r.Version = 9
	r.Group, r.MemberID, r.Generation = group, member, gen
	t := kmsg.NewOffsetCommitRequestTopic()
	t.Topic = topic
	for p, o := range offsets {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = p, o, 3
		rp.Metadata = kmsg.StringPtr("m")
		t.Partitions = append(t.Partitions, rp)
	}
	r.Topics = append(r.Topics, t)
	return c.OffsetCommit(context.Background(), r)
}

func commitErr(r *kmsg.OffsetCommitResponse) error {
	for _, t := range r.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return kerr.ErrorForCode(p.ErrorCode)
			}
		}
	}
	return nil
}

func describe(c *Coordinator, group string) kmsg.DescribeGroupsResponseGroup {
	r := kmsg.NewPtrDescribeGroupsRequest()
	r.Version = 5
	r.Groups = []string{group}
	return c.DescribeGroups(context.Background(), r).Groups[0]
}

func mustErr(t *testing.T, what string, got int16, want error) {
	t.Helper()
	if g := kerr.ErrorForCode(got); g != want {
		t.Fatalf("%s: got error %v, want %v", what, g, want)
	}
}
