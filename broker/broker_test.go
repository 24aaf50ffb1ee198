package broker

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// startBroker runs a broker on a free port over dir until the test ends.
func startBroker(t testing.TB, dir string, configs map[string]string) *Broker {
	t.Helper()
	if configs == nil {
		configs = map[string]string{}
	}
	if _, ok := configs["group.initial.rebalance.delay.ms"]; !ok {
		configs["group.initial.rebalance.delay.ms"] = "0"
	}
	b, err := New(Config{
		DataDir: dir,
		Listen:  "127.0.0.1:0",
		NodeID:  1,
		Configs: configs,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("broker stopped with %v", err)
		}
	}
	t.Cleanup(stop)
	return b
}

// stopBroker shuts b down now (Cleanup is then a no-op).
func stopBroker(t testing.TB, b *Broker) {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Fatalf("close broker: %v", err)
	}
}

func newClient(t testing.TB, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func createTopic(t testing.TB, cl *kgo.Client, topic string, partitions int32, configs map[string]*string) {
	t.Helper()
	resp, err := kadm.NewClient(cl).CreateTopic(context.Background(), partitions, 1, configs, topic)
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	if resp.Err != nil {
		t.Fatalf("create topic %s: %v (%s)", topic, resp.Err, resp.ErrMessage)
	}
}

func TestProduceConsumeRestart(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir, nil)
	ctx := context.Background()
	cl := newClient(t, b.Addr(), kgo.DefaultProduceTopic("orders"), kgo.ProducerBatchCompression(kgo.SnappyCompression()))
	createTopic(t, cl, "orders", 3, nil)

	const n = 2000
	for i := 0; i < n; i++ {
		cl.Produce(ctx, &kgo.Record{Key: []byte(strconv.Itoa(i % 7)), Value: []byte("v" + strconv.Itoa(i))}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Errorf("produce: %v", err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	stopBroker(t, b)

	b2 := startBroker(t, dir, nil)
	cons := newClient(t, b2.Addr(), kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	seen := map[string]bool{}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for len(seen) < n {
		fs := cons.PollFetches(cctx)
		if err := cctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d after restart: %v", len(seen), n, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if seen[string(r.Value)] {
				t.Fatalf("record %s consumed twice", r.Value)
			}
			seen[string(r.Value)] = true
		})
	}
}

func TestApiVersionsTooNew(t *testing.T) {
	b := startBroker(t, t.TempDir(), nil)
	nc, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// ApiVersions v99: header key, version, correlation id, client id.
	frame := []byte{0, 18, 0, 99, 0, 0, 0, 7, 0, 1, 'x'}
	writeFrame(t, nc, frame)
	body := readFrame(t, nc)
	if corr := int32(binary.BigEndian.Uint32(body[:4])); corr != 7 {
		t.Fatalf("correlation id %d, want 7", corr)
	}
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	if err := resp.ReadFrom(body[4:]); err != nil {
		t.Fatalf("decode v0 answer: %v", err)
	}
	if resp.ErrorCode != kerr.UnsupportedVersion.Code {
		t.Fatalf("error code %d, want UNSUPPORTED_VERSION", resp.ErrorCode)
	}
	var found bool
	for _, k := range resp.ApiKeys {
		if k.ApiKey == 18 {
			found = k.MinVersion == 0 && k.MaxVersion == 4
		}
	}
	if !found {
		t.Fatalf("ApiVersions range missing or wrong in %+v", resp.ApiKeys)
	}
}

func TestBadFramesCloseConnection(t *testing.T) {
	b := startBroker(t, t.TempDir(), map[string]string{"socket.request.max.bytes": "1024"})
	for name, frame := range map[string][]byte{
		"unknown api key":     {0x7f, 0x00, 0, 0, 0, 0, 0, 1, 0xff, 0xff},
		"unsupported version": {0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff}, // Produce v1
		"garbage body":        {0, 3, 0, 12, 0, 0, 0, 1, 0xff, 0xff, 0xde, 0xad},
	} {
		t.Run(name, func(t *testing.T) {
			nc, err := net.Dial("tcp", b.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			writeFrame(t, nc, frame)
			expectClosed(t, nc)
		})
	}
	t.Run("oversized request", func(t *testing.T) {
		nc, err := net.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		var size [4]byte
		binary.BigEndian.PutUint32(size[:], 1<<20)
		nc.Write(size[:])
		expectClosed(t, nc)
	})
	// The broker still serves well-formed clients afterwards.
	cl := newClient(t, b.Addr())
	if _, err := kadm.NewClient(cl).ListTopics(context.Background()); err != nil {
		t.Fatalf("broker unusable after bad frames: %v", err)
	}
}

func TestIdempotentDuplicateNotWrittenTwice(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir, nil)
	cl := newClient(t, b.Addr())
	createTopic(t, cl, "dedupe", 1, nil)
	ctx := context.Background()

	init := kmsg.NewPtrInitProducerIDRequest()
	initResp, err := init.RequestWith(ctx, cl)
	if err != nil || initResp.ErrorCode != 0 {
		t.Fatalf("InitProducerId: %v %v", err, kerr.ErrorForCode(initResp.ErrorCode))
	}
	produce := func(seq int32) *kmsg.ProduceResponseTopicPartition {
		t.Helper()
		req := kmsg.NewPtrProduceRequest()
		req.Acks = -1
		req.TimeoutMillis = 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "dedupe"
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = testBatch(initResp.ProducerID, initResp.ProducerEpoch, seq, 3)
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("produce: %v", err)
		}
		return &resp.Topics[0].Partitions[0]
	}
	first := produce(0)
	if first.ErrorCode != 0 || first.BaseOffset != 0 {
		t.Fatalf("first produce: %v offset %d", kerr.ErrorForCode(first.ErrorCode), first.BaseOffset)
	}
	dup := produce(0)
	if dup.ErrorCode != 0 || dup.BaseOffset != 0 {
		t.Fatalf("duplicate: %v offset %d, want the original offset 0", kerr.ErrorForCode(dup.ErrorCode), dup.BaseOffset)
	}
	gap := produce(10)
	if gap.ErrorCode != kerr.OutOfOrderSequenceNumber.Code {
		t.Fatalf("out-of-order sequence answered %v", kerr.ErrorForCode(gap.ErrorCode))
	}
	next := produce(3)
	if next.ErrorCode != 0 || next.BaseOffset != 3 {
		t.Fatalf("next batch: %v offset %d, want 3", kerr.ErrorForCode(next.ErrorCode), next.BaseOffset)
	}
	offs, err := kadm.NewClient(cl).ListEndOffsets(ctx, "dedupe")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := offs.Lookup("dedupe", 0); o.Offset != 6 {
		t.Fatalf("end offset %d, want 6 (the duplicate must not be written)", o.Offset)
	}

	// A producer retrying across a broker restart is still deduplicated.
	cl.Close()
	stopBroker(t, b)
	b2 := startBroker(t, dir, nil)
	cl = newClient(t, b2.Addr())
	retry := produce(3)
	if retry.ErrorCode != 0 || retry.BaseOffset != 3 {
		t.Fatalf("retry after restart: %v offset %d, want the original offset 3", kerr.ErrorForCode(retry.ErrorCode), retry.BaseOffset)
	}
	if next := produce(6); next.ErrorCode != 0 || next.BaseOffset != 6 {
		t.Fatalf("next batch after restart: %v offset %d, want 6", kerr.ErrorForCode(next.ErrorCode), next.BaseOffset)
	}
}

func TestCreateTopicsRefusesBadConfigByName(t *testing.T) {
	b := startBroker(t, t.TempDir(), nil)
	cl := newClient(t, b.Addr())
	adm := kadm.NewClient(cl)
	bad := "not-a-number"
	resp, err := adm.CreateTopic(context.Background(), 1, 1, map[string]*string{"retention.ms": &bad}, "badcfg")
	if err != nil && !errors.Is(err, kerr.InvalidConfig) {
		t.Fatal(err)
	}
	if !errors.Is(resp.Err, kerr.InvalidConfig) {
		t.Fatalf("got %v, want INVALID_CONFIG", resp.Err)
	}
	if !contains(resp.ErrMessage, "retention.ms") {
		t.Fatalf("message %q does not name the property", resp.ErrMessage)
	}
	resp, _ = adm.CreateTopic(context.Background(), 1, 1, nil, "bad/name")
	if !errors.Is(resp.Err, kerr.InvalidTopicException) {
		t.Fatalf("invalid name answered %v", resp.Err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func writeFrame(t testing.TB, nc net.Conn, body []byte) {
	t.Helper()
	buf := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	if _, err := nc.Write(append(buf, body...)); err != nil {
		t.Fatal(err)
	}
}

func readFrame(t testing.TB, nc net.Conn) []byte {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var size [4]byte
	if _, err := io.ReadFull(nc, size[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(nc, body); err != nil {
		t.Fatal(err)
	}
	return body
}

func expectClosed(t testing.TB, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var one [1]byte
	if _, err := nc.Read(one[:]); err == nil {
		t.Fatal("connection stayed open and answered")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("connection stayed open")
	}
}

// testBatch builds an uncompressed idempotent batch of n records.
func testBatch(producerID int64, epoch int16, seq int32, n int) []byte {
	kvs := make([]kv, n)
	for i := range kvs {
		kvs[i] = kv{[]byte("k"), []byte("value " + strconv.Itoa(int(seq)+i))}
	}
	batch := encodeBatch(kvs, time.Now().UnixMilli())
	binary.BigEndian.PutUint64(batch[43:51], uint64(producerID))
	binary.BigEndian.PutUint16(batch[51:53], uint16(epoch))
	binary.BigEndian.PutUint32(batch[53:57], uint32(seq))
	binary.BigEndian.PutUint32(batch[17:21], crcOf(batch[21:]))
	return batch
}
