package distributed

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// herderMetrics are the group's metrics, registered on the worker's
// registry so that one handler serves both.
type herderMetrics struct {
	rebalances prometheus.Counter
	duration   prometheus.Histogram
	lost       prometheus.Counter
}

func newHerderMetrics(reg *prometheus.Registry) *herderMetrics {
	m := &herderMetrics{
		rebalances: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_connect_rebalances_total",
			Help: "Completed rebalances of the connect group that this worker took part in.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sluice_connect_rebalance_duration_seconds",
			Help:    "From sending JoinGroup to the assignment applied (revoked work stopped, new work started).",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_connect_membership_lost_total",
			Help: "Times this worker stopped all its work because the group did not confirm its membership for scheduled.rebalance.max.delay.ms.",
		}),
	}
	reg.MustRegister(m.rebalances, m.duration, m.lost)
	return m
}

func (m *herderMetrics) rebalanced(d time.Duration) {
	m.rebalances.Inc()
	m.duration.Observe(d.Seconds())
}

// Registry returns the Prometheus registry of this worker's metrics (its
// tasks' and the group's).
func (h *Herder) Registry() *prometheus.Registry { return h.worker.Registry() }

// Metrics returns the handler for api.Options.Metrics (GET /metrics).
func (h *Herder) Metrics() http.Handler { return h.worker.Metrics() }
