package bot

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ganwei-bot/ganwei/inbox"
)

// Metrics are the Prometheus series the bot exports on /metrics. A nil *Metrics records nothing,
// so tests and the command line need not build one.
type Metrics struct {
	registry  *prometheus.Registry
	updates   *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	apiErrors *prometheus.CounterVec
	intake    *prometheus.CounterVec
	queued    *prometheus.GaugeVec
	paceWait  *prometheus.HistogramVec
	inbox     *inbox.Metrics
}

// NewMetrics registers Ganwei's series, plus the Go runtime and process collectors, on a fresh
// registry (not the global one, so that tests can build many).
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ganwei_updates_total",
			Help: "Telegram updates handled, by type and outcome (ok, rate_limited, panic).",
		}, []string{"type", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ganwei_handler_duration_seconds",
			Help:    "Time spent handling one update, by update type, without the time its messages waited for the rate budget (see ganwei_pacing_wait_seconds).",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ganwei_telegram_api_errors_total",
			Help: "Failed Telegram Bot API calls, by method and error code (0 = network).",
		}, []string{"method", "code"}),
		intake: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ganwei_intake_total",
			Help: "Updates offered by Telegram, by result: accepted (stored in the inbox, or a resend), full (429, inbox at GANWEI_INBOX_LIMIT), invalid (400), direct (Redis down: handled in process before acknowledging), error (503).",
		}, []string{"result"}),
		queued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ganwei_outgoing_queue",
			Help: "Messages of this process waiting for the rate budget, by lane (reply: answers to someone who just wrote; bulk: reminder steps, check-in prompts, digests).",
		}, []string{"lane"}),
		paceWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ganwei_pacing_wait_seconds",
			Help:    "Time one outgoing message waited for the rate budget, by lane.",
			Buckets: []float64{.001, .01, .05, .1, .25, .5, 1, 2, 5, 10, 30, 60, 300},
		}, []string{"lane"}),
	}
	m.registry.MustRegister(m.updates, m.latency, m.apiErrors, m.intake, m.queued, m.paceWait,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.inbox = inbox.NewMetrics(m.registry)
	return m
}

// Inbox returns the inbox workers' series (package inbox), on the same registry; nil for a nil
// Metrics.
func (m *Metrics) Inbox() *inbox.Metrics {
	if m == nil {
		return nil
	}
	return m.inbox
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

func (m *Metrics) intakeN(result string, n int) {
	if m == nil {
		return
	}
	m.intake.WithLabelValues(result).Add(float64(n))
}

// queue moves the outgoing queue gauge of lane by delta.
func (m *Metrics) queue(l lane, delta int) {
	if m == nil {
		return
	}
	m.queued.WithLabelValues(l.String()).Add(float64(delta))
}

func (m *Metrics) paced(l lane, waited time.Duration) {
	if m == nil {
		return
	}
	m.paceWait.WithLabelValues(l.String()).Observe(waited.Seconds())
}
