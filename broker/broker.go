package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/broker/config"
	"github.com/sluicehq/sluice/broker/group"
	"github.com/sluicehq/sluice/broker/meta"
	"github.com/sluicehq/sluice/broker/txn"
)

// Config is what a Broker needs to start.
type Config struct {
	DataDir            string            // broker log and raft state
	Listen             string            // host:port of the Kafka listener
	AdvertisedListener string            // host:port clients are told; defaults to the bound address
	MetricsListen      string            // host:port of the Prometheus endpoint; empty = off
	NodeID             int32             // node.id
	Configs            map[string]string // static broker configs by Kafka name (--config)
	Logger             *slog.Logger
}

// Broker is one Sluice broker node. Its state is owned by the sub-systems
// it holds (metadata store, partition registry, group coordinator); the
// Broker itself only wires them to listeners.
type Broker struct {
	cfg     Config
	logger  *slog.Logger
	apis    map[int16]api
	meta    *meta.Store
	groups  *group.Coordinator
	txns    *txn.Coordinator
	parts   *partitions
	pids    *producerIDs
	metrics *metrics

	ln         net.Listener
	metricsLn  net.Listener
	metricsSrv *http.Server
	advHost    string
	advPort    int32

	bcfg      atomic.Pointer[map[string]string] // see refreshBrokerConfigs
	stopWatch func()
	wg        sync.WaitGroup // connections and background loops
	closeOnce sync.Once
	closeErr  error
}

// New opens the data directory (recovering logs and metadata), binds the
// listeners and returns a broker ready to Serve.
func New(cfg Config) (*Broker, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := config.ValidateBrokerConfigs(cfg.Configs); err != nil {
		return nil, fmt.Errorf("broker config: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	b := &Broker{cfg: cfg, logger: cfg.Logger, apis: map[int16]api{}}
	for _, a := range apiTable() {
		b.apis[a.key] = a
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	b.ln = ln
	adv := cfg.AdvertisedListener
	if adv == "" {
		adv = ln.Addr().String()
	}
	host, portStr, err := net.SplitHostPort(adv)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("advertised listener %q: %w", adv, err)
	}
	port, err := strconv.ParseInt(portStr, 10, 32)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("advertised listener %q: bad port", adv)
	}
	b.advHost, b.advPort = host, int32(port)
	b.metrics = newMetrics(b)

	if err := b.open(); err != nil {
		ln.Close()
		b.closeStores()
		return nil, err
	}
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("metrics listen %s: %w", cfg.MetricsListen, err)
		}
		b.metricsLn = mln
		b.metricsSrv = &http.Server{Handler: b.metrics.handler(), ReadHeaderTimeout: 10 * time.Second}
	}
	return b, nil
}

// open starts the metadata store, the partition logs, and the group and
// transaction coordinators.
func (b *Broker) open() error {
	st, err := meta.Open(meta.Config{
		Dir:    b.cfg.DataDir + "/meta",
		NodeID: b.cfg.NodeID,
		Host:   b.advHost,
		Port:   b.advPort,
		Logger: b.logger.With("component", "meta"),

		StaticBrokerConfigs: b.cfg.Configs,
	})
	if err != nil {
		return fmt.Errorf("open metadata: %w", err)
	}
	b.meta = st
	b.refreshBrokerConfigs()
	b.parts = newPartitions(b)
	b.pids = &producerIDs{b: b}
	b.stopWatch = st.Watch(b.onMetaEvent)
	if err := b.openGroups(); err != nil {
		return err
	}
	return b.openTxns()
}

// Addr is the address the Kafka listener is bound to.
func (b *Broker) Addr() string { return b.ln.Addr().String() }

// MetricsAddr is the address of the metrics listener, or "".
func (b *Broker) MetricsAddr() string {
	if b.metricsLn == nil {
		return ""
	}
	return b.metricsLn.Addr().String()
}

// Serve accepts connections until ctx is cancelled or Close is called,
// then shuts down cleanly.
func (b *Broker) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if b.metricsSrv != nil {
		go b.metricsSrv.Serve(b.metricsLn)
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.maintain(ctx)
	}()
	go func() {
		<-ctx.Done()
		b.ln.Close()
	}()
	for {
		nc, err := b.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				cancel()
				return b.Close()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			cancel()
			b.Close()
			return fmt.Errorf("accept: %w", err)
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		c := b.newConn(ctx, nc)
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			c.serve()
		}()
	}
}

// Close stops listeners, waits for connections and background work, and
// closes logs and metadata. It is safe to call more than once.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		b.ln.Close()
		if b.metricsSrv != nil {
			b.metricsSrv.Close()
		}
		if b.txns != nil {
			b.txns.Close()
		}
		if b.groups != nil {
			b.groups.Close()
		}
		b.wg.Wait()
		b.closeErr = b.closeStores()
	})
	return b.closeErr
}

func (b *Broker) closeStores() error {
	var errs []error
	if b.stopWatch != nil {
		b.stopWatch()
	}
	if b.parts != nil {
		errs = append(errs, b.parts.closeAll())
	}
	if b.meta != nil {
		errs = append(errs, b.meta.Close())
	}
	return errors.Join(errs...)
}

// maintain runs retention, roll, flush and compaction on every log every
// log.retention.check.interval.ms.
func (b *Broker) maintain(ctx context.Context) {
	interval := time.Duration(b.brokerInt("log.retention.check.interval.ms", 300000)) * time.Millisecond
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, p := range b.parts.all() {
				if err := p.log.Maintain(now); err != nil {
					b.logger.Warn("log maintenance", "topic", p.topic, "partition", p.id, "err", err)
				}
			}
		}
	}
}
