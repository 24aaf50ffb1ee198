package broker

import (
	"context"
	"encoding/binary"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// metrics are the broker's Prometheus metrics, on a registry the broker
// owns (no global registry).
type metrics struct {
	reg         *prometheus.Registry
	bytesIn     *prometheus.CounterVec
	recordsIn   *prometheus.CounterVec
	bytesOut    *prometheus.CounterVec
	recordsOut  *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	connections prometheus.Gauge
	// byKey holds the latency observer of every served API key, resolved
	// once so the request path does no label lookup.
	byKey map[int16]prometheus.Observer
}

func newMetrics(b *Broker) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_broker_bytes_in_total", Help: "Record batch bytes appended, per topic.",
		}, []string{"topic"}),
		recordsIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_broker_records_in_total", Help: "Records appended, per topic.",
		}, []string{"topic"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_broker_bytes_out_total", Help: "Record batch bytes returned by fetches, per topic.",
		}, []string{"topic"}),
		recordsOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_broker_records_out_total", Help: "Records returned by fetches, per topic.",
		}, []string{"topic"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_broker_request_duration_seconds",
			Help:    "Time from reading a request to writing its answer, per API.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"api"}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_broker_connections", Help: "Open client connections.",
		}),
	}
	m.byKey = map[int16]prometheus.Observer{}
	for _, a := range apiTable() {
		m.byKey[a.key] = m.latency.WithLabelValues(kmsg.NameForKey(a.key))
	}
	m.reg.MustRegister(m.bytesIn, m.recordsIn, m.bytesOut, m.recordsOut, m.latency, m.connections,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&stateCollector{b: b})
	return m
}

func (m *metrics) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	return mux
}

func (m *metrics) observeRequest(key int16, d time.Duration) {
	if o, ok := m.byKey[key]; ok {
		o.Observe(d.Seconds())
	}
}

func (m *metrics) produced(topic string, bytes, records int) {
	m.bytesIn.WithLabelValues(topic).Add(float64(bytes))
	m.recordsIn.WithLabelValues(topic).Add(float64(records))
}

// fetched counts bytes and records of the stored batches in data.
func (m *metrics) fetched(topic string, data []byte) {
	records := 0
	for rest := data; len(rest) >= batchHeaderLen; {
		n := 12 + int(int32(binary.BigEndian.Uint32(rest[8:12])))
		if n < batchHeaderLen || n > len(rest) {
			break
		}
		records += int(int32(binary.BigEndian.Uint32(rest[57:61])))
		rest = rest[n:]
	}
	m.bytesOut.WithLabelValues(topic).Add(float64(len(data)))
	m.recordsOut.WithLabelValues(topic).Add(float64(records))
}

// stateCollector reports state read at scrape time: log sizes and offsets
// per partition, group count, and committed-offset lag per group partition.
type stateCollector struct{ b *Broker }

var (
	logSizeDesc  = prometheus.NewDesc("sluice_broker_log_size_bytes", "Bytes on disk of a partition log.", []string{"topic", "partition"}, nil)
	logEndDesc   = prometheus.NewDesc("sluice_broker_log_end_offset", "Log end offset of a partition.", []string{"topic", "partition"}, nil)
	logStartDesc = prometheus.NewDesc("sluice_broker_log_start_offset", "Log start offset of a partition.", []string{"topic", "partition"}, nil)
	groupsDesc   = prometheus.NewDesc("sluice_broker_groups", "Groups known to the coordinator.", nil, nil)
	groupLagDesc = prometheus.NewDesc("sluice_broker_group_lag", "Log end offset minus the group's committed offset.", []string{"group", "topic", "partition"}, nil)
)

func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- logSizeDesc
	ch <- logEndDesc
	ch <- logStartDesc
	ch <- groupsDesc
	ch <- groupLagDesc
}

func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	b := s.b
	if b.parts == nil || b.groups == nil {
		return
	}
	for _, p := range b.parts.all() {
		part := strconv.Itoa(int(p.id))
		ch <- prometheus.MustNewConstMetric(logSizeDesc, prometheus.GaugeValue, float64(p.log.Size()), p.topic, part)
		ch <- prometheus.MustNewConstMetric(logEndDesc, prometheus.GaugeValue, float64(p.log.EndOffset()), p.topic, part)
		ch <- prometheus.MustNewConstMetric(logStartDesc, prometheus.GaugeValue, float64(p.log.StartOffset()), p.topic, part)
	}
	ch <- prometheus.MustNewConstMetric(groupsDesc, prometheus.GaugeValue, float64(b.groups.GroupCount()))
	req := kmsg.NewPtrListGroupsRequest()
	req.Version = 3
	for _, g := range b.groups.ListGroups(context.Background(), req).Groups {
		for topic, parts := range b.groups.CommittedOffsets(g.Group) {
			for id, committed := range parts {
				p, err := b.parts.get(topic, id)
				if err != nil {
					continue
				}
				lag := p.log.EndOffset() - committed
				ch <- prometheus.MustNewConstMetric(groupLagDesc, prometheus.GaugeValue, float64(lag), g.Group, topic, strconv.Itoa(int(id)))
			}
		}
	}
}
