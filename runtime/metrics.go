package runtime

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// taskLabels are the labels of every per-task metric.
var taskLabels = []string{"connector", "task"}

// taskStates are the states the task state gauge has a series for.
var taskStates = []State{Unassigned, Running, Failed}

// metrics are the worker's Prometheus metrics, on a registry the worker
// owns (no global registry), as the broker does.
type metrics struct {
	reg          *prometheus.Registry
	read         *prometheus.CounterVec
	written      *prometheus.CounterVec
	failed       *prometheus.CounterVec
	batch        *prometheus.HistogramVec
	commit       *prometheus.HistogramVec
	commitFailed *prometheus.CounterVec
	state        *prometheus.GaugeVec
	sinkLag      *prometheus.GaugeVec
	errors       *prometheus.CounterVec
	skipped      *prometheus.CounterVec
	deadLetters  *prometheus.CounterVec
	dlqFailed    *prometheus.CounterVec
}

func newMetrics() *metrics {
	buckets := prometheus.ExponentialBuckets(0.0005, 4, 10) // 0.5ms … ~131s
	m := &metrics{
		reg: prometheus.NewRegistry(),
		read: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_connect_task_records_read_total",
			Help: "Records read: from the source system (source tasks) or from the topics (sink tasks).",
		}, taskLabels),
		written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_connect_task_records_written_total",
			Help: "Records written: acknowledged by the broker (source tasks) or written to the target (sink tasks).",
		}, taskLabels),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_connect_task_records_failed_total",
			Help: "Records that failed: reported errant by a sink task, or whose produce failed (source tasks).",
		}, taskLabels),
		batch: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_connect_task_batch_duration_seconds",
			Help:    "Per batch: from Read returning to the broker acknowledging every record (source tasks), or the Write call (sink tasks).",
			Buckets: buckets,
		}, taskLabels),
		commit: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_connect_task_offset_commit_duration_seconds",
			Help:    "Time to commit offsets: store source offsets, or flush the sink task and commit consumer offsets.",
			Buckets: buckets,
		}, taskLabels),
		commitFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_connect_task_offset_commit_failures_total",
			Help: "Offset commits that failed.",
		}, taskLabels),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_connect_task_state",
			Help: "1 for the task's current state (UNASSIGNED, RUNNING, FAILED), 0 for the others.",
		}, append(taskLabels[:2:2], "state")),
		sinkLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_connect_sink_lag_records",
			Help: "Sink tasks: the partition's high watermark, as of the last fetch, minus the committed offset (the consumed one before the first commit).",
		}, append(taskLabels[:2:2], "topic", "partition")),
	}
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_connect_task_record_errors_total",
		Help: "Records that failed a stage (KEY_CONVERTER, VALUE_CONVERTER, HEADER_CONVERTER, TRANSFORMATION, TASK_PUT, KAFKA_PRODUCE …), tolerated or not.",
	}, append(taskLabels[:2:2], "stage"))
	m.skipped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_connect_task_records_skipped_total",
		Help: "Failed records skipped under errors.tolerance=all (sent to the dead-letter queue when one is configured).",
	}, taskLabels)
	m.deadLetters = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_connect_task_deadletterqueue_records_total",
		Help: "Records the dead-letter queue acknowledged.",
	}, taskLabels)
	m.dlqFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_connect_task_deadletterqueue_produce_failures_total",
		Help: "Dead-letter records the broker refused (the task then fails without committing past them).",
	}, taskLabels)
	m.reg.MustRegister(m.read, m.written, m.failed, m.batch, m.commit, m.commitFailed, m.state, m.sinkLag,
		m.errors, m.skipped, m.deadLetters, m.dlqFailed)
	return m
}

// taskMetrics are one task's series.
type taskMetrics struct {
	m            *metrics
	connector    string
	task         string
	read         prometheus.Counter
	written      prometheus.Counter
	failed       prometheus.Counter
	batch        prometheus.Observer
	commit       prometheus.Observer
	commitFailed prometheus.Counter
	skipped      prometheus.Counter
	deadLetters  prometheus.Counter
	dlqFailed    prometheus.Counter
}

func (tm *taskMetrics) recordError(stage string) {
	tm.m.errors.WithLabelValues(tm.connector, tm.task, stage).Inc()
}

func (m *metrics) task(id TaskID) *taskMetrics {
	c, t := id.Connector, strconv.Itoa(id.Task)
	return &taskMetrics{
		m: m, connector: c, task: t,
		read:         m.read.WithLabelValues(c, t),
		written:      m.written.WithLabelValues(c, t),
		failed:       m.failed.WithLabelValues(c, t),
		batch:        m.batch.WithLabelValues(c, t),
		commit:       m.commit.WithLabelValues(c, t),
		commitFailed: m.commitFailed.WithLabelValues(c, t),
		skipped:      m.skipped.WithLabelValues(c, t),
		deadLetters:  m.deadLetters.WithLabelValues(c, t),
		dlqFailed:    m.dlqFailed.WithLabelValues(c, t),
	}
}

func (m *metrics) setState(id TaskID, st State) {
	c, t := id.Connector, strconv.Itoa(id.Task)
	for _, s := range taskStates {
		v := 0.0
		if s == st {
			v = 1
		}
		m.state.WithLabelValues(c, t, string(s)).Set(v)
	}
}

func (tm *taskMetrics) setLag(topic string, partition int32, lag int64) {
	tm.m.sinkLag.WithLabelValues(tm.connector, tm.task, topic, strconv.Itoa(int(partition))).Set(float64(max(lag, 0)))
}

func (tm *taskMetrics) dropLag(topic string, partition int32) {
	tm.m.sinkLag.DeleteLabelValues(tm.connector, tm.task, topic, strconv.Itoa(int(partition)))
}

func since(t time.Time) float64 { return time.Since(t).Seconds() }

// Registry returns the Prometheus registry of the worker's metrics; a
// distributed herder registers its own (rebalances) on it.
func (w *Worker) Registry() *prometheus.Registry { return w.metrics.reg }

// Metrics returns an http.Handler serving the worker's metrics in the
// Prometheus exposition format (api.Options.Metrics serves it at /metrics).
func (w *Worker) Metrics() http.Handler {
	return promhttp.HandlerFor(w.metrics.reg, promhttp.HandlerOpts{Registry: w.metrics.reg})
}
