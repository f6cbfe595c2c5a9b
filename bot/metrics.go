package bot

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ganwei-bot/ganwei"
)

// Metrics are the Prometheus series the bot exports on /metrics. A nil *Metrics records nothing,
// so tests and the command line need not build one.
type Metrics struct {
	registry  *prometheus.Registry
	updates   *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	apiErrors *prometheus.CounterVec
	intake    *prometheus.CounterVec
	inflight  prometheus.Gauge
	queued    *prometheus.GaugeVec
	paceWait  *prometheus.HistogramVec
	watchOnce sync.Once
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
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ganwei_handlers_in_flight",
			Help: "Updates this process is handling now (at most GANWEI_WORKERS).",
		}),
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
	m.registry.MustRegister(m.updates, m.latency, m.apiErrors, m.intake, m.inflight, m.queued, m.paceWait,
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

func (m *Metrics) intakeN(result string, n int) {
	if m == nil {
		return
	}
	m.intake.WithLabelValues(result).Add(float64(n))
}

// inFlight moves the handlers-in-flight gauge by delta.
func (m *Metrics) inFlight(delta int) {
	if m == nil {
		return
	}
	m.inflight.Add(float64(delta))
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

// watchInbox exports the inbox backlog, read from Redis at each scrape: its depth and the age of
// its oldest entry (shared by every replica).
func (m *Metrics) watchInbox(inbox ganwei.Inbox, logger *slog.Logger) {
	if m == nil || inbox == nil {
		return
	}
	m.watchOnce.Do(func() { m.registry.MustRegister(&inboxCollector{inbox: inbox, logger: logger}) })
}

var (
	inboxDepthDesc = prometheus.NewDesc("ganwei_inbox_depth",
		"Updates accepted and not yet handled, across all replicas (waiting or being handled).", nil, nil)
	inboxAgeDesc = prometheus.NewDesc("ganwei_inbox_oldest_age_seconds",
		"Age of the oldest update accepted and not yet handled; 0 when the inbox is empty.", nil, nil)
)

type inboxCollector struct {
	inbox  ganwei.Inbox
	logger *slog.Logger
}

func (c *inboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- inboxDepthDesc
	ch <- inboxAgeDesc
}

func (c *inboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.inbox.InboxStats(ctx)
	if err != nil {
		c.logger.Warn("inbox metrics unavailable", "err", err)
		return
	}
	age := 0.0
	if !st.Oldest.IsZero() {
		age = max(0, time.Since(st.Oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(inboxDepthDesc, prometheus.GaugeValue, float64(st.Depth))
	ch <- prometheus.MustNewConstMetric(inboxAgeDesc, prometheus.GaugeValue, age)
}
