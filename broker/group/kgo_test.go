package group

// A real franz-go client against the coordinator, through a minimal
// Kafka-protocol server that exists only for this test: it serves
// ApiVersions, Metadata (one topic "t" of two empty partitions), FindCoordinator,
// an always-empty Fetch, and hands the group APIs to the Coordinator.

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type miniBroker struct {
	c    *Coordinator
	ln   net.Listener
	done chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]bool
}

// versions the mini broker advertises: key → max version (min 0).
var miniVersions = map[int16]int16{
	1: 12, 3: 9, 8: 9, 9: 9, 10: 3, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 5, 18: 3, 42: 2, 47: 0,
}

func startMiniBroker(t *testing.T, c *Coordinator) *miniBroker {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &miniBroker{c: c, ln: ln, done: make(chan struct{}), conns: make(map[net.Conn]bool)}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.conns[conn] = true
			b.mu.Unlock()
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				b.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		close(b.done)
		ln.Close()
		b.mu.Lock()
		for conn := range b.conns {
			conn.Close()
		}
		b.mu.Unlock()
		b.wg.Wait()
	})
	return b
}

func (b *miniBroker) serve(conn net.Conn) {
	ctx, cancel := context.WithCancel(WithClient(context.Background(), "kgo", conn.RemoteAddr().String()))
	defer cancel()
	rd := bufio.NewReader(conn)
	for {
		var size [4]byte
		if _, err := io.ReadFull(rd, size[:]); err != nil {
			return
		}
		buf := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(rd, buf); err != nil {
			return
		}
		r := kbin.Reader{Src: buf}
		key, version, corr := r.Int16(), r.Int16(), r.Int32()
		r.NullableString()
		req := kmsg.RequestForKey(key)
		if req == nil {
			return
		}
		req.SetVersion(version)
		if req.IsFlexible() {
			kmsg.SkipTags(&r)
		}
		if err := req.ReadFrom(r.Src); err != nil {
			return
		}
		resp := b.handle(ctx, req)
		out := binary.BigEndian.AppendUint32(nil, 0)
		out = binary.BigEndian.AppendUint32(out, uint32(corr))
		if resp.IsFlexible() && key != 18 { // ApiVersions answers with header v0
			out = append(out, 0)
		}
		out = resp.AppendTo(out)
		binary.BigEndian.PutUint32(out, uint32(len(out)-4))
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}

func (b *miniBroker) handle(ctx context.Context, req kmsg.Request) kmsg.Response {
	host, portS, _ := net.SplitHostPort(b.ln.Addr().String())
	port, _ := strconv.Atoi(portS)
	switch req := req.(type) {
	case *kmsg.ApiVersionsRequest:
		resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
		for k, v := range miniVersions {
			resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: k, MaxVersion: v})
		}
		return resp
	case *kmsg.MetadataRequest:
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		resp.Brokers = []kmsg.MetadataResponseBroker{{NodeID: 0, Host: host, Port: int32(port)}}
		resp.ControllerID = 0
		t := kmsg.NewMetadataResponseTopic()
		t.Topic = kmsg.StringPtr("t")
		for p := int32(0); p < 2; p++ {
			mp := kmsg.NewMetadataResponseTopicPartition()
			mp.Partition, mp.Leader, mp.Replicas, mp.ISR = p, 0, []int32{0}, []int32{0}
			t.Partitions = append(t.Partitions, mp)
		}
		resp.Topics = []kmsg.MetadataResponseTopic{t}
		return resp
	case *kmsg.FindCoordinatorRequest:
		resp := req.ResponseKind().(*kmsg.FindCoordinatorResponse)
		resp.NodeID, resp.Host, resp.Port = 0, host, int32(port)
		return resp
	case *kmsg.FetchRequest:
		resp := req.ResponseKind().(*kmsg.FetchResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewFetchResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewFetchResponseTopicPartition()
				rp.Partition, rp.HighWatermark, rp.LastStableOffset = p.Partition, p.FetchOffset, p.FetchOffset
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		select { // a broker holds an empty fetch for MaxWait
		case <-time.After(time.Duration(req.MaxWaitMillis) * time.Millisecond):
		case <-b.done:
		case <-ctx.Done():
		}
		return resp
	case *kmsg.JoinGroupRequest:
		return b.c.JoinGroup(ctx, req)
	case *kmsg.SyncGroupRequest:
		return b.c.SyncGroup(ctx, req)
	case *kmsg.HeartbeatRequest:
		return b.c.Heartbeat(ctx, req)
	case *kmsg.LeaveGroupRequest:
		return b.c.LeaveGroup(ctx, req)
	case *kmsg.OffsetCommitRequest:
		return b.c.OffsetCommit(ctx, req)
	case *kmsg.OffsetFetchRequest:
		return b.c.OffsetFetch(ctx, req)
	case *kmsg.DescribeGroupsRequest:
		return b.c.DescribeGroups(ctx, req)
	case *kmsg.ListGroupsRequest:
		return b.c.ListGroups(ctx, req)
	case *kmsg.DeleteGroupsRequest:
		return b.c.DeleteGroups(ctx, req)
	case *kmsg.OffsetDeleteRequest:
		return b.c.OffsetDelete(ctx, req)
	}
	return req.ResponseKind() // unreachable for the advertised keys
}

// owned tracks, from a consumer's callbacks, which partitions of "t" it owns
// and signals every change.
type owned struct {
	mu      sync.Mutex
	parts   map[string]map[int32]bool
	changed chan struct{}
}

func (o *owned) opts(name string) []kgo.Opt {
	update := func(add bool) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			o.mu.Lock()
			if o.parts[name] == nil {
				o.parts[name] = make(map[int32]bool)
			}
			for _, p := range m["t"] {
				if add {
					o.parts[name][p] = true
				} else {
					delete(o.parts[name], p)
				}
			}
			o.mu.Unlock()
			select {
			case o.changed <- struct{}{}:
			default:
			}
		}
	}
	return []kgo.Opt{
		kgo.OnPartitionsAssigned(update(true)),
		kgo.OnPartitionsRevoked(update(false)),
		kgo.OnPartitionsLost(update(false)),
	}
}

// waitUntil waits for the owned partitions of each named consumer to number n.
func (o *owned) waitUntil(t *testing.T, ctx context.Context, want map[string]int) {
	t.Helper()
	for {
		o.mu.Lock()
		ok := true
		for name, n := range want {
			ok = ok && len(o.parts[name]) == n
		}
		o.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-o.changed:
		case <-ctx.Done():
			t.Fatalf("waiting for assignment %v: %v", want, ctx.Err())
		}
	}
}

func TestKgoConsumerGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a TCP server")
	}
	store := &memStore{}
	c := New(Config{NumPartitions: 1, InitialRebalanceDelay: -1})
	defer c.Close()
	if err := c.LoadPartition(0, store); err != nil {
		t.Fatal(err)
	}
	b := startMiniBroker(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	adm := kadm.NewClient(newKgo(t, b))
	// Admin commit, so the consumers start from committed offsets.
	offs := kadm.Offsets{}
	offs.AddOffset("t", 0, 3, -1)
	offs.AddOffset("t", 1, 4, -1)
	if err := adm.CommitAllOffsets(ctx, "kg", offs); err != nil {
		t.Fatal(err)
	}

	own := &owned{parts: make(map[string]map[int32]bool), changed: make(chan struct{}, 1)}
	consumer := func(name string) *kgo.Client {
		return newKgo(t, b, append(own.opts(name),
			kgo.ConsumerGroup("kg"), kgo.ConsumeTopics("t"),
			kgo.FetchMaxWait(100*time.Millisecond),
			kgo.HeartbeatInterval(100*time.Millisecond),
		)...)
	}
	poll := func(ctx context.Context, cl *kgo.Client) {
		for ctx.Err() == nil {
			cl.PollFetches(ctx)
		}
	}
	pctx, pstop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { pstop(); wg.Wait() }()

	c1 := consumer("c1")
	wg.Add(1)
	go func() { defer wg.Done(); poll(pctx, c1) }()
	own.waitUntil(t, ctx, map[string]int{"c1": 2})
	c2 := consumer("c2")
	wg.Add(1)
	go func() { defer wg.Done(); poll(pctx, c2) }()
	own.waitUntil(t, ctx, map[string]int{"c1": 1, "c2": 1})

	described, err := adm.DescribeGroups(ctx, "kg")
	if err != nil {
		t.Fatal(err)
	}
	d := described["kg"]
	if d.Err != nil || d.State != "Stable" || d.ProtocolType != "consumer" || len(d.Members) != 2 {
		t.Fatalf("describe: %+v", d)
	}
	var total int
	for _, m := range d.Members {
		ca, ok := m.Assigned.AsConsumer()
		if !ok {
			t.Fatalf("member %s assignment does not decode", m.MemberID)
		}
		for _, tp := range ca.Topics {
			total += len(tp.Partitions)
		}
	}
	if total != 2 {
		t.Fatalf("%d partitions assigned, want 2", total)
	}

	fetched, err := adm.FetchOffsets(ctx, "kg")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := fetched.Lookup("t", 1); o.At != 4 {
		t.Fatalf("fetched offset %+v", o)
	}
	mustDeleteFail := func() {
		resps, err := adm.DeleteGroups(ctx, "kg")
		if err != nil {
			t.Fatal(err)
		}
		if resps["kg"].Err == nil {
			t.Fatal("deleted an active group")
		}
	}
	mustDeleteFail()

	c2.Close() // leaves the group; c1 takes everything
	own.waitUntil(t, ctx, map[string]int{"c1": 2})
	pstop()
	wg.Wait()
	c1.Close()

	listed, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lg, ok := listed["kg"]; !ok || lg.State != "Empty" {
		t.Fatalf("listed: %+v", listed)
	}
	resps, err := adm.DeleteGroups(ctx, "kg")
	if err != nil || resps["kg"].Err != nil {
		t.Fatalf("delete: %v %v", err, resps["kg"].Err)
	}
	if c.GroupCount() != 0 {
		t.Fatalf("groups left: %d", c.GroupCount())
	}
}

func newKgo(t *testing.T, b *miniBroker, opts ...kgo.Opt) *kgo.Client {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.ln.Addr().String())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
