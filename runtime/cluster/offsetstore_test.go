package cluster

import (
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// murmur2 is Kafka's Utils.murmur2, to check where keys land.
func murmur2(data []byte) int32 {
	const seed, m, r = uint32(0x9747b28c), uint32(0x5bd1e995), 24
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := data[n&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

func TestMurmur2KafkaVectors(t *testing.T) {
	// From Kafka's UtilsTest.testMurmur2.
	for in, want := range map[string]int32{
		"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
		"a-little-bit-longer-string": -1486304829, "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := murmur2([]byte(in)); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestOffsetKeyBytes(t *testing.T) {
	k, err := OffsetKey("pg", map[string]any{"server": "db1"})
	if err != nil || string(k) != `["pg",{"server":"db1"}]` {
		t.Fatalf("key %s, %v", k, err)
	}
}

func TestOffsetStore(t *testing.T) {
	addr := startBroker(t)
	cfg := ensure(t, addr, TopicSpec{Name: "connect-offsets", Purpose: "offsets", Partitions: OffsetPartitions})
	ctx := testCtx(t)
	a, err := OpenOffsetStore(ctx, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenOffsetStore(ctx, cfg, 0) // a second writer
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	pg := map[string]any{"server": "db1"}
	if err := a.Save("pg", []sdk.SourceOffset{
		{Partition: pg, Offset: map[string]any{"lsn": int64(42)}},
		{Partition: map[string]any{"file": "/x"}, Offset: map[string]any{"pos": 1.5}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Save("other", []sdk.SourceOffset{{Partition: pg, Offset: map[string]any{"lsn": int64(7)}}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Save("pg", []sdk.SourceOffset{{Partition: pg, Offset: map[string]any{"lsn": int64(43)}}}); err != nil {
		t.Fatal(err)
	}
	want := []sdk.SourceOffset{
		{Partition: map[string]any{"file": "/x"}, Offset: map[string]any{"pos": 1.5}},
		{Partition: pg, Offset: map[string]any{"lsn": int64(43)}},
	}
	for _, s := range []*OffsetStore{a, b} {
		got, err := s.Load("pg")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("load: %v, %v; want %v", got, err, want)
		}
	}
	if got, _ := a.Get(ctx, "other", pg); !reflect.DeepEqual(got, map[string]any{"lsn": int64(7)}) {
		t.Fatalf("get other: %v", got)
	}

	// A delete is a tombstone; a new instance reads back the same state.
	if err := a.Save("pg", []sdk.SourceOffset{{Partition: map[string]any{"file": "/x"}}}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	c, err := OpenOffsetStore(ctx, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.Load("pg")
	if err != nil || !reflect.DeepEqual(got, want[1:]) {
		t.Fatalf("after restart: %v, %v", got, err)
	}

	// Records sit where Kafka's producer would put them, and a record as a
	// Java worker writes it (other spacing and key order) is understood.
	raw, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(cfg.Topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	javaKey := []byte(`["java",{"z":1,"a":"b"}]`)
	if err := raw.ProduceSync(ctx, &kgo.Record{Topic: cfg.Topic, Key: javaKey, Value: []byte(`{"offset": 99}`),
		Partition: (murmur2(javaKey) & 0x7fffffff) % OffsetPartitions}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "java", map[string]any{"a": "b", "z": int64(1)}); err != nil || !reflect.DeepEqual(got, map[string]any{"offset": int64(99)}) {
		t.Fatalf("java record: %v, %v", got, err)
	}
	seen := 0
	for seen < 6 {
		fs := raw.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			seen++
			if want := (murmur2(r.Key) & 0x7fffffff) % OffsetPartitions; r.Partition != want {
				t.Errorf("key %s on partition %d, want %d", r.Key, r.Partition, want)
			}
		})
	}
}

// Two workers saving at once: each sees both writers' offsets afterwards.
func TestOffsetStoreConcurrentWriters(t *testing.T) {
	addr := startBroker(t)
	cfg := ensure(t, addr, TopicSpec{Name: "connect-offsets", Purpose: "offsets", Partitions: OffsetPartitions})
	ctx := testCtx(t)
	var stores []*OffsetStore
	for range 2 {
		s, err := OpenOffsetStore(ctx, cfg, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	errs := make(chan error, 2)
	for w, s := range stores {
		go func() {
			for i := range 20 {
				err := s.Save("c", []sdk.SourceOffset{{Partition: map[string]any{"w": int64(w), "i": int64(i)}, Offset: map[string]any{"n": int64(i)}}})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range stores {
		got, err := s.Load("c")
		if err != nil || len(got) != 40 {
			t.Fatalf("loaded %d offsets, %v", len(got), err)
		}
	}
}
