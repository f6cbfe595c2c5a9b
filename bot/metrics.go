package bot

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus series the bot exports on /metrics. A nil *Metrics records nothing,
// so tests and the command line need not build one.
type Metrics struct {
	registry  *prometheus.Registry
	updates   *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	apiErrors *prometheus.CounterVec
}

// NewMetrics registers Ganwei's series, plus the Go runtime and process collectors, on a fresh
// registry (not the global one, so that tests can build many).
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ganwei_updates_total",
			Help: "Telegram updates received, by type and outcome (ok, duplicate, rate_limited, panic, error).",
		}, []string{"type", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ganwei_handler_duration_seconds",
			Help:    "Time spent handling one update, by update type.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ganwei_telegram_api_errors_total",
			Help: "Failed Telegram Bot API calls, by method and error code (0 = network).",
		}, []string{"method", "code"}),
	}
	m.registry.MustRegister(m.updates, m.latency, m.apiErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry so that other packages (the scheduler) can add their series.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

func (m *Metrics) update(kind, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.updates.WithLabelValues(kind, outcome).Inc()
	if took > 0 {
		m.latency.WithLabelValues(kind).Observe(took.Seconds())
	}
}

func (m *Metrics) apiError(method string, code int) {
	if m == nil {
		return
	}
	m.apiErrors.WithLabelValues(method, strconv.Itoa(code)).Inc()
}
