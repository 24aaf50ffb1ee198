package broker

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxPipelined bounds the answers a connection may owe at once. A client
// that sends more waits in TCP until the writer catches up.
const maxPipelined = 64

// reply is what a handler gives back for one request: an answer ready now,
// an answer the writer goroutine completes in order (wait), or none at all
// (acks=0 produce).
type reply struct {
	resp kmsg.Response
	wait func() kmsg.Response
	none bool
}

// pending is one answer owed to the client, queued in request order.
type pending struct {
	key     int16
	corr    int32
	version int16
	start   time.Time
	reply   reply
	raw     []byte // pre-encoded body (ApiVersions fallback), header v0
}

// conn is one client connection. The reader goroutine (serve) owns
// decoding and executes requests; the writer goroutine (write) owns the
// socket's write side. They share only the bounded queue.
type conn struct {
	b        *Broker
	nc       net.Conn
	ctx      context.Context
	cancel   context.CancelFunc
	logger   *slog.Logger
	clientID string
	host     string // as Kafka reports it: "/127.0.0.1"
	queue    chan pending
}

func (b *Broker) newConn(ctx context.Context, nc net.Conn) *conn {
	cctx, cancel := context.WithCancel(ctx)
	return &conn{
		b:      b,
		nc:     nc,
		ctx:    cctx,
		cancel: cancel,
		logger: b.logger.With("remote", nc.RemoteAddr().String()),
		host:   clientHost(nc.RemoteAddr()),
		queue:  make(chan pending, maxPipelined),
	}
}

// serve reads and executes requests until the client goes away, a request
// is malformed, or the broker shuts down. It returns once the writer has
// finished too.
func (c *conn) serve() {
	b := c.b
	b.metrics.connections.Inc()
	defer b.metrics.connections.Dec()

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.write()
	}()
	defer func() {
		close(c.queue)
		<-writerDone
		c.cancel()
		c.nc.Close()
	}()
	go func() { // unblock a read when the broker or the writer stops
		<-c.ctx.Done()
		c.nc.SetReadDeadline(time.Now())
	}()

	rd := bufio.NewReaderSize(c.nc, 64<<10)
	var sizeBuf [4]byte
	for {
		if _, err := io.ReadFull(rd, sizeBuf[:]); err != nil {
			return
		}
		size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
		if size < 8 || int64(size) > b.socketRequestMaxBytes() {
			c.logger.Warn("closing connection: request size out of bounds", "size", size, "socket.request.max.bytes", b.socketRequestMaxBytes())
			return
		}
		body := make([]byte, size)
		if _, err := io.ReadFull(rd, body); err != nil {
			return
		}
		p, err := c.execute(body)
		if err != nil {
			c.logger.Debug("closing connection", "err", err)
			return
		}
		select {
		case c.queue <- p:
		case <-c.ctx.Done():
			return
		}
	}
}

// execute decodes one request frame and runs its handler.
func (c *conn) execute(body []byte) (pending, error) {
	start := time.Now()
	r := kbin.Reader{Src: body}
	key := r.Int16()
	version := r.Int16()
	corr := r.Int32()
	p := pending{key: key, corr: corr, version: version, start: start}

	a, ok := c.b.apis[key]
	if !ok {
		return p, fmt.Errorf("unknown API key %d", key)
	}
	if key == kmsg.ApiVersions.Int16() && version > a.max {
		// Kafka's rule: a too-new ApiVersions gets a v0 answer with
		// UNSUPPORTED_VERSION and our ranges, so the client can retry.
		p.raw = c.b.apiVersionsFallback()
		return p, nil
	}
	if version < a.min || version > a.max {
		return p, fmt.Errorf("API key %d version %d outside supported %d..%d", key, version, a.min, a.max)
	}
	clientID := r.NullableString()
	if clientID != nil {
		c.clientID = *clientID
	}
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	if req.IsFlexible() {
		skipTags(&r)
	}
	if err := r.Complete(); err != nil {
		return p, fmt.Errorf("API key %d v%d: short request header: %w", key, version, err)
	}
	if err := req.ReadFrom(r.Src); err != nil {
		return p, fmt.Errorf("API key %d v%d: decode: %w", key, version, err)
	}
	p.reply = c.safeHandle(a, req)
	return p, nil
}

// safeHandle runs a handler and turns a panic into a closed connection
// instead of a dead broker.
func (c *conn) safeHandle(a api, req kmsg.Request) (rep reply) {
	defer func() {
		if r := recover(); r != nil {
			c.logger.Error("handler panic", "api", kmsg.NameForKey(a.key), "version", req.GetVersion(), "panic", r)
			rep = reply{wait: func() kmsg.Response { panic(errHandlerPanic) }}
		}
	}()
	return a.handle(c.b, c, req)
}

var errHandlerPanic = errors.New("handler panicked")

// write completes queued answers in order and writes them to the socket.
func (c *conn) write() {
	defer c.cancel()
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	var buf []byte
	for p := range c.queue {
		var ok bool
		buf, ok = c.encode(buf[:0], p)
		if !ok {
			c.drain()
			return
		}
		if buf == nil {
			continue
		}
		if _, err := bw.Write(buf); err != nil {
			c.drain()
			return
		}
		if len(c.queue) == 0 {
			if err := bw.Flush(); err != nil {
				c.drain()
				return
			}
		}
		c.b.metrics.observeRequest(p.key, time.Since(p.start))
	}
}

// drain consumes the rest of the queue after a write failure so the reader
// is never blocked on a full queue.
func (c *conn) drain() {
	c.cancel()
	for range c.queue {
	}
}

// encode appends the framed answer for p to buf. A nil buf with ok means
// nothing is to be written; !ok means the connection must close.
func (c *conn) encode(buf []byte, p pending) (out []byte, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if r != errHandlerPanic {
				c.logger.Error("answer panic", "api", kmsg.NameForKey(p.key), "panic", r)
			}
			out, ok = nil, false
		}
	}()
	buf = append(buf, 0, 0, 0, 0)
	buf = binary.BigEndian.AppendUint32(buf, uint32(p.corr))
	if p.raw != nil {
		buf = append(buf, p.raw...)
	} else {
		if p.reply.none {
			return nil, true
		}
		resp := p.reply.resp
		if p.reply.wait != nil {
			resp = p.reply.wait()
		}
		if resp == nil {
			return nil, false
		}
		resp.SetVersion(p.version)
		// ApiVersions answers always use response header v0.
		if resp.IsFlexible() && p.key != kmsg.ApiVersions.Int16() {
			buf = append(buf, 0)
		}
		buf = resp.AppendTo(buf)
	}
	binary.BigEndian.PutUint32(buf[:4], uint32(len(buf)-4))
	return buf, true
}

// skipTags skips a tagged-field section, stopping as soon as the input is
// exhausted. kmsg.SkipTags keeps counting down a forged count of up to 2^32
// after the input ran out, which costs seconds of CPU for a 20-byte frame.
func skipTags(r *kbin.Reader) {
	for n := r.Uvarint(); n > 0 && r.Ok(); n-- {
		r.Uvarint()
		r.Span(int(r.Uvarint()))
	}
}

// clientHost is the client's address as Kafka reports it ("/127.0.0.1").
func clientHost(addr net.Addr) string {
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "/" + addr.String()
	}
	return "/" + host
}
