package sarama

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/sluicehq/sluice/test/internal/brokerproc"
)

// groupRun is one consumer group session of `members` members in one
// process, recording what they receive.
type groupRun struct {
	s       *suite
	members int
	from    map[int32]int64 // per partition, the first offset the group may see
	want    int             // distinct records expected

	ready    chan struct{} // closed once one generation has all members with claims
	complete chan struct{} // closed once want distinct records arrived

	mu struct {
		sync.Mutex
		gens       map[int32]map[string]int // generation -> member -> claimed partitions
		seen       map[int32]map[int64]int  // partition -> offset -> deliveries
		distinct   int
		duplicates int
		readyDone  bool
		readyAt    time.Time
		doneClosed bool
		errs       []string
	}
}

func newGroupRun(s *suite, members int, from map[int32]int64) *groupRun {
	g := &groupRun{s: s, members: members, from: from, ready: make(chan struct{}), complete: make(chan struct{})}
	for p, end := range s.endOffsets() {
		g.want += int(end - from[p])
	}
	g.mu.gens = make(map[int32]map[string]int)
	g.mu.seen = make(map[int32]map[int64]int)
	return g
}

// member is the sarama.ConsumerGroupHandler of one member.
type member struct {
	g    *groupRun
	name string
}

func (m *member) Setup(sess sarama.ConsumerGroupSession) error {
	g := m.g
	g.mu.Lock()
	defer g.mu.Unlock()
	gen := sess.GenerationID()
	if g.mu.gens[gen] == nil {
		g.mu.gens[gen] = make(map[string]int)
	}
	g.mu.gens[gen][m.name] = len(sess.Claims()[g.s.topic])
	withClaims := 0
	for _, n := range g.mu.gens[gen] {
		if n > 0 {
			withClaims++
		}
	}
	if withClaims == g.members && !g.mu.readyDone {
		g.mu.readyDone = true
		g.mu.readyAt = time.Now()
		close(g.ready)
	}
	return nil
}

func (m *member) Cleanup(sess sarama.ConsumerGroupSession) error {
	// Commit what was marked now rather than on the next tick.
	sess.Commit()
	return nil
}

// ConsumeClaim holds back until every member is in the group, so that the
// records are shared among them, then marks every record it receives.
func (m *member) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	select {
	case <-m.g.ready:
	case <-sess.Context().Done():
		return nil
	}
	next := int64(-1)
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			if next >= 0 && msg.Offset != next {
				m.g.fail("member %s partition %d: offset %d after %d, want %d", m.name, msg.Partition, msg.Offset, next-1, next)
			}
			next = msg.Offset + 1
			m.g.record(msg)
			sess.MarkMessage(msg, "")
		case <-sess.Context().Done():
			return nil
		}
	}
}

func (g *groupRun) fail(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mu.errs = append(g.mu.errs, fmt.Sprintf(format, args...))
}

func (g *groupRun) record(msg *sarama.ConsumerMessage) {
	produced := g.s.produced[msg.Partition]
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case msg.Offset < g.from[msg.Partition]:
		g.mu.errs = append(g.mu.errs, fmt.Sprintf("partition %d offset %d: below the group's committed offset %d", msg.Partition, msg.Offset, g.from[msg.Partition]))
		return
	case msg.Offset >= int64(len(produced)):
		g.mu.errs = append(g.mu.errs, fmt.Sprintf("partition %d offset %d: never produced (end %d)", msg.Partition, msg.Offset, len(produced)))
		return
	}
	want, _ := produced[msg.Offset].Value.Encode()
	if string(msg.Value) != string(want) {
		g.mu.errs = append(g.mu.errs, fmt.Sprintf("partition %d offset %d: value %q, want %q", msg.Partition, msg.Offset, msg.Value, want))
	}
	if g.mu.seen[msg.Partition] == nil {
		g.mu.seen[msg.Partition] = make(map[int64]int)
	}
	g.mu.seen[msg.Partition][msg.Offset]++
	if g.mu.seen[msg.Partition][msg.Offset] > 1 {
		g.mu.duplicates++
		return
	}
	g.mu.distinct++
	if g.mu.distinct == g.want && !g.mu.doneClosed {
		g.mu.doneClosed = true
		close(g.complete)
	}
}

func (g *groupRun) duplicates() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.mu.duplicates
}

func (g *groupRun) state() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return fmt.Sprintf("%d of %d distinct records, %d duplicates, generations %v", g.mu.distinct, g.want, g.mu.duplicates, g.mu.gens)
}

// start runs the members until ctx ends; the returned function waits for
// them to close and returns the errors sarama reported.
func (g *groupRun) start(ctx context.Context, t *testing.T) (stop func() []error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := range g.members {
		c := newConfig(g.s.version)
		c.ClientID = fmt.Sprintf("sluice-sarama-test-%c", 'a'+i)
		c.Consumer.Offsets.Initial = sarama.OffsetOldest
		c.Consumer.Offsets.AutoCommit.Interval = 100 * time.Millisecond
		c.Consumer.Return.Errors = true
		c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{g.s.strategy()}
		cg, err := sarama.NewConsumerGroup([]string{g.s.addr}, g.s.group, c)
		if err != nil {
			t.Fatalf("NewConsumerGroup %s: %v", g.s.group, err)
		}
		m := &member{g: g, name: c.ClientID}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for err := range cg.Errors() {
				mu.Lock()
				errs = append(errs, fmt.Errorf("member %s: %w", m.name, err))
				mu.Unlock()
			}
		}()
		go func() {
			defer wg.Done()
			defer cg.Close()
			for ctx.Err() == nil {
				if err := cg.Consume(ctx, []string{g.s.topic}, m); err != nil && !errors.Is(err, sarama.ErrClosedConsumerGroup) {
					mu.Lock()
					errs = append(errs, fmt.Errorf("member %s: Consume: %w", m.name, err))
					mu.Unlock()
					return
				}
			}
		}()
	}
	return func() []error {
		wg.Wait()
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, e := range g.mu.errs {
			errs = append(errs, errors.New(e))
		}
		return errs
	}
}

// checkJoined logs how long after start every member had claims (a
// figure for the reader, not an assertion: wall-clock bounds fail on a
// loaded machine; the initial rebalance delay is tested with a fake clock
// in broker/group). Call it once ready is closed.
func (g *groupRun) checkJoined(t *testing.T, start time.Time) {
	t.Helper()
	g.mu.Lock()
	took := g.mu.readyAt.Sub(start).Round(time.Millisecond)
	g.mu.Unlock()
	t.Logf("group %s: %d members joined in %s", g.s.group, g.members, took)
}

// wait blocks until every expected record arrived.
func (g *groupRun) wait(t *testing.T, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-g.complete:
	case <-timer.C:
		t.Fatalf("group %s: not every record within %s: %s", g.s.group, d, g.state())
	}
}

// consumeGroup has two members consume the whole topic, then checks the
// group's description and committed offsets while it is live and after it
// is gone.
func (s *suite) consumeGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g := newGroupRun(s, 2, map[int32]int64{})
	start := time.Now()
	stop := g.start(ctx, t)
	defer func() {
		cancel()
		for _, err := range stop() {
			t.Errorf("consumer group: %v", err)
		}
	}()
	g.wait(t, 25*time.Second)
	g.checkJoined(t, start)
	t.Logf("group: %s", g.state())
	if d := g.duplicates(); d > 0 {
		t.Errorf("group %s: %d records delivered twice in a stable group", s.group, d)
	}

	s.waitCommitted(t, s.endOffsets())
	s.checkDescription(t, "Stable", 2)

	cancel()
	for _, err := range stop() {
		t.Errorf("consumer group: %v", err)
	}
	stop = func() []error { return nil }
	s.checkCommitted(t, s.endOffsets())
	s.checkDescription(t, "Empty", 0)
}

// rejoinGroup produces more records and has the group, gone since the last
// step, come back with one member: it must start from the committed offsets.
func (s *suite) rejoinGroup(t *testing.T) {
	old := s.endOffsets()
	s.produce(t, records, more)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g := newGroupRun(s, 1, old)
	start := time.Now()
	stop := g.start(ctx, t)
	g.wait(t, 25*time.Second)
	g.checkJoined(t, start)
	s.waitCommitted(t, s.endOffsets())
	cancel()
	for _, err := range stop() {
		t.Errorf("consumer group: %v", err)
	}
	t.Logf("re-joined group: %s", g.state())
	s.checkCommitted(t, s.endOffsets())
}

// committed fetches the group's offsets for the topic's partitions.
func (s *suite) committed() (map[int32]int64, error) {
	ps := make([]int32, partitions)
	for i := range ps {
		ps[i] = int32(i)
	}
	resp, err := s.admin.ListConsumerGroupOffsets(s.group, map[string][]int32{s.topic: ps})
	if err != nil {
		return nil, fmt.Errorf("ListConsumerGroupOffsets %s: %w", s.group, err)
	}
	if resp.Err != sarama.ErrNoError {
		return nil, fmt.Errorf("ListConsumerGroupOffsets %s: %w", s.group, resp.Err)
	}
	out := make(map[int32]int64, partitions)
	for _, p := range ps {
		b := resp.GetBlock(s.topic, p)
		if b == nil {
			return nil, fmt.Errorf("ListConsumerGroupOffsets %s: no block for %s/%d", s.group, s.topic, p)
		}
		if b.Err != sarama.ErrNoError {
			return nil, fmt.Errorf("ListConsumerGroupOffsets %s: %s/%d: %w", s.group, s.topic, p, b.Err)
		}
		out[p] = b.Offset
	}
	return out, nil
}

func (s *suite) waitCommitted(t *testing.T, want map[int32]int64) {
	t.Helper()
	waitFor(t, 10*time.Second, "committed offsets "+fmt.Sprint(want), func() (bool, string) {
		got, err := s.committed()
		if err != nil {
			return false, err.Error()
		}
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprint(got)
	})
}

func (s *suite) checkCommitted(t *testing.T, want map[int32]int64) {
	t.Helper()
	got, err := s.committed()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("group %s committed %v, want %v", s.group, got, want)
	}
}

// checkDescription checks DescribeConsumerGroups: the state, the member
// count, the protocol and that the members' assignments cover every
// partition exactly once.
func (s *suite) checkDescription(t *testing.T, state string, members int) {
	t.Helper()
	ds, err := s.admin.DescribeConsumerGroups([]string{s.group})
	if err != nil {
		t.Fatalf("DescribeConsumerGroups: %v", err)
	}
	if len(ds) != 1 || ds[0].GroupId != s.group || ds[0].Err != sarama.ErrNoError {
		t.Fatalf("DescribeConsumerGroups %s: %+v", s.group, ds)
	}
	d := ds[0]
	if d.State != state || len(d.Members) != members {
		t.Fatalf("DescribeConsumerGroups %s: state %q with %d members, want %q with %d", s.group, d.State, len(d.Members), state, members)
	}
	if members == 0 {
		return
	}
	if d.ProtocolType != "consumer" || d.Protocol != s.strategy().Name() {
		t.Errorf("DescribeConsumerGroups %s: protocol type %q protocol %q, want consumer and %s", s.group, d.ProtocolType, d.Protocol, s.strategy().Name())
	}
	var assigned []string
	for id, m := range d.Members {
		a, err := m.GetMemberAssignment()
		if err != nil {
			t.Fatalf("member %s: assignment: %v", id, err)
		}
		// Kafka reports the host as InetAddress.toString: "/127.0.0.1"; the
		// kfake stand-in reports host:port.
		wantHost := m.ClientHost == "/127.0.0.1" || brokerproc.IsStandIn() && strings.HasPrefix(m.ClientHost, "127.0.0.1:")
		if !strings.HasPrefix(m.ClientId, "sluice-sarama-test-") || !wantHost {
			t.Errorf("member %s: client id %q host %q, want the JoinGroup's client id sluice-sarama-test-* and host /127.0.0.1", id, m.ClientId, m.ClientHost)
		}
		if len(a.Topics[s.topic]) == 0 {
			t.Errorf("member %s (%s) has no partition of %s: %v", id, m.ClientId, s.topic, a.Topics)
		}
		for _, p := range a.Topics[s.topic] {
			assigned = append(assigned, fmt.Sprint(p))
		}
		if _, err := m.GetMemberMetadata(); err != nil {
			t.Errorf("member %s: metadata: %v", id, err)
		}
	}
	sort.Strings(assigned)
	if got := strings.Join(assigned, ","); got != "0,1,2" {
		t.Errorf("DescribeConsumerGroups %s: partitions assigned %s, want 0,1,2 once each", s.group, got)
	}
}
