package inbox

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ganwei-bot/ganwei"
)

// Metrics are the inbox's Prometheus series. A nil *Metrics records nothing.
type Metrics struct {
	reg       prometheus.Registerer
	inflight  prometheus.Gauge
	abandoned prometheus.Gauge
	duration  *prometheus.HistogramVec
	handled   *prometheus.CounterVec
	pruned    prometheus.Counter
	watchOnce sync.Once
}

// NewMetrics registers the inbox's series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reg: reg,
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ganwei_handlers_in_flight",
			Help: "Updates this process is handling now (at most GANWEI_WORKERS, plus handlers past their deadline that have not returned).",
		}),
		abandoned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ganwei_inbox_handlers_abandoned",
			Help: "Handlers that ran past GANWEI_HANDLER_TIMEOUT and did not return when cancelled: their worker moved on. Above 0 for long, a handler ignores its context.",
		}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ganwei_inbox_handle_seconds",
			Help:    "Time from a worker starting an inbox entry to its end (done, timeout), by source (telegram, wecom), pacing waits included.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"source"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ganwei_inbox_entries_total",
			Help: "Inbox entries workers finished, by source and result: done, timeout (past GANWEI_HANDLER_TIMEOUT, left for retry), dead_letter (delivered more than GANWEI_MAX_DELIVERIES times, moved to {prefix}:inbox:dead), dropped (no handler for its source).",
		}, []string{"source", "result"}),
		pruned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ganwei_inbox_workers_pruned_total",
			Help: "Workers of processes that are gone removed from the inbox's consumer group.",
		}),
	}
	reg.MustRegister(m.inflight, m.abandoned, m.duration, m.handled, m.pruned)
	return m
}

func sourceLabel(s string) string {
	if s == "" {
		return "telegram"
	}
	return s
}

func (m *Metrics) inFlight(delta int) {
	if m != nil {
		m.inflight.Add(float64(delta))
	}
}

func (m *Metrics) abandon(delta int) {
	if m != nil {
		m.abandoned.Add(float64(delta))
	}
}

func (m *Metrics) finished(source, result string, took time.Duration) {
	if m == nil {
		return
	}
	m.handled.WithLabelValues(sourceLabel(source), result).Inc()
	if took > 0 {
		m.duration.WithLabelValues(sourceLabel(source)).Observe(took.Seconds())
	}
}

func (m *Metrics) prunedN(n int) {
	if m != nil && n > 0 {
		m.pruned.Add(float64(n))
	}
}

// Watch exports the inbox backlog, read from Redis at each scrape: its depth and the age of its
// oldest entry (shared by every replica). Once per Metrics.
func (m *Metrics) Watch(store ganwei.Inbox, logger *slog.Logger) {
	if m == nil || store == nil {
		return
	}
	if logger == nil {
		logger = slog.Default()
	}
	m.watchOnce.Do(func() { m.reg.MustRegister(&backlogCollector{inbox: store, logger: logger}) })
}

var (
	depthDesc = prometheus.NewDesc("ganwei_inbox_depth",
		"Updates accepted and not yet handled, across all replicas (waiting or being handled).", nil, nil)
	ageDesc = prometheus.NewDesc("ganwei_inbox_oldest_age_seconds",
		"Age of the oldest update accepted and not yet handled; 0 when the inbox is empty.", nil, nil)
)

type backlogCollector struct {
	inbox  ganwei.Inbox
	logger *slog.Logger
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- depthDesc
	ch <- ageDesc
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
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
	ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(st.Depth))
	ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, age)
}
