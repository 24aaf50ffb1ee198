package broker

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// panicCatcher is a slog handler that remembers panics a handler logged.
type panicCatcher struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicCatcher) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicCatcher) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		p.mu.Lock()
		p.panics = append(p.panics, r.Message)
		p.mu.Unlock()
	}
	return nil
}
func (p *panicCatcher) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicCatcher) WithGroup(string) slog.Handler      { return p }

// FuzzRequest feeds arbitrary request frames (after the size prefix) to
// the broker's request path. Invariant: decoding and handling never panic,
// whatever the bytes; a frame is either answered or refused with an error
// (which closes the connection), and the broker keeps serving.
func FuzzRequest(f *testing.F) {
	for _, req := range []kmsg.Request{
		kmsg.NewPtrApiVersionsRequest(), kmsg.NewPtrMetadataRequest(), kmsg.NewPtrProduceRequest(),
		kmsg.NewPtrFetchRequest(), kmsg.NewPtrListOffsetsRequest(), kmsg.NewPtrCreateTopicsRequest(),
		kmsg.NewPtrJoinGroupRequest(), kmsg.NewPtrOffsetCommitRequest(), kmsg.NewPtrDescribeConfigsRequest(),
		kmsg.NewPtrIncrementalAlterConfigsRequest(), kmsg.NewPtrFindCoordinatorRequest(),
	} {
		for _, v := range []int16{0, 3, 4, 9, req.MaxVersion()} {
			if v > req.MaxVersion() {
				continue
			}
			req.SetVersion(v)
			hdr := []byte{byte(req.Key() >> 8), byte(req.Key()), byte(v >> 8), byte(v), 0, 0, 0, 1, 0xff, 0xff}
			if req.IsFlexible() {
				hdr = append(hdr, 0)
			}
			f.Add(req.AppendTo(hdr))
		}
	}
	catcher := &panicCatcher{}
	b, err := New(Config{DataDir: f.TempDir(), Listen: "127.0.0.1:0", NodeID: 1, Logger: slog.New(catcher),
		Configs: map[string]string{"group.initial.rebalance.delay.ms": "0"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // waits (long-poll fetches, joins) end at once
	f.Fuzz(func(t *testing.T, frame []byte) {
		if len(frame) < 8 {
			return
		}
		c := &conn{b: b, ctx: ctx, cancel: func() {}, logger: b.logger}
		p, err := c.execute(frame)
		if err == nil {
			c.encode(nil, p)
		}
		catcher.mu.Lock()
		defer catcher.mu.Unlock()
		if len(catcher.panics) > 0 {
			t.Fatalf("request path panicked: %v", catcher.panics)
		}
	})
}
