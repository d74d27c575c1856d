// Package metrics exposes the bot's metrics in Prometheus format at
// /metrics: counters and a latency histogram fed by the core and the
// dispatchers (as a bot.Observer), and gauges read from the store at each
// scrape. Every name starts with onboardbot_.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
)

// Source is what the store tells at each scrape.
type Source interface {
	// OutboxDepth counts undelivered messages by platform and kind.
	OutboxDepth(ctx context.Context) (map[string]map[string]int, error)
	// UnreachableSellers counts sellers marked unreachable, by platform.
	UnreachableSellers(ctx context.Context) (map[string]int, error)
	// OnboardingStages counts onboardings by market and stage.
	OnboardingStages(ctx context.Context) (map[string]map[string]int, error)
}

// Metrics is the registry and the instruments.
type Metrics struct {
	reg         *prometheus.Registry
	handled     *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	sent        *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	refused     *prometheus.CounterVec
}

var _ bot.Observer = (*Metrics)(nil)

// New registers the metrics; src may be nil (no store gauges).
func New(src Source, log *slog.Logger) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboardbot_updates_handled_total",
			Help: "Inbound updates handled, by platform and outcome (ok, duplicate, skipped, error).",
		}, []string{"platform", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "onboardbot_handling_seconds",
			Help:    "Time to handle and commit one inbound update.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"platform"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboardbot_send_results_total",
			Help: "Attempts to deliver outbox messages, by platform, kind (reply, announcement) and result (ok, rate_limited, unreachable, retry, failed).",
		}, []string{"platform", "kind", "result"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboardbot_rate_limited_total",
			Help: "429 answers from a platform.",
		}, []string{"platform"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboardbot_requests_refused_total",
			Help: "Unauthenticated requests refused (wrong webhook secret, bad Slack signature), by platform and reason.",
		}, []string{"platform", "reason"}),
	}
	m.reg.MustRegister(m.handled, m.latency, m.sent, m.rateLimited, m.refused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src != nil {
		m.reg.MustRegister(&storeCollector{src: src, log: log})
	}
	return m
}

// Handled records one inbound update.
func (m *Metrics) Handled(platform, outcome string, took time.Duration) {
	m.handled.WithLabelValues(platform, outcome).Inc()
	if outcome != "duplicate" {
		m.latency.WithLabelValues(platform).Observe(took.Seconds())
	}
}

// Sent records one delivery attempt.
func (m *Metrics) Sent(platform string, kind bot.Kind, result string) {
	m.sent.WithLabelValues(platform, string(kind), result).Inc()
	if result == "rate_limited" {
		m.rateLimited.WithLabelValues(platform).Inc()
	}
}

// Refused returns the counter of one platform's refused requests.
func (m *Metrics) Refused(platform string) func(reason string) {
	return func(reason string) { m.refused.WithLabelValues(platform, reason).Inc() }
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

var (
	depthDesc       = prometheus.NewDesc("onboardbot_outbox_depth", "Undelivered outbox messages, by platform and kind.", []string{"platform", "kind"}, nil)
	unreachableDesc = prometheus.NewDesc("onboardbot_unreachable_sellers", "Sellers who cannot be reached (they blocked the bot), by platform.", []string{"platform"}, nil)
	stagesDesc      = prometheus.NewDesc("onboardbot_onboardings", "Onboardings by market and stage.", []string{"market", "stage"}, nil)
)

// storeCollector reads the gauges from the store at scrape time, so they
// are right across restarts and across processes sharing the database.
type storeCollector struct {
	src Source
	log *slog.Logger
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- depthDesc
	ch <- unreachableDesc
	ch <- stagesDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if depth, err := c.src.OutboxDepth(ctx); err == nil {
		for platform, kinds := range depth {
			for kind, n := range kinds {
				ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(n), platform, kind)
			}
		}
	} else if c.log != nil {
		c.log.Warn("metrics: outbox depth", "err", err)
	}
	if un, err := c.src.UnreachableSellers(ctx); err == nil {
		for platform, n := range un {
			ch <- prometheus.MustNewConstMetric(unreachableDesc, prometheus.GaugeValue, float64(n), platform)
		}
	} else if c.log != nil {
		c.log.Warn("metrics: unreachable sellers", "err", err)
	}
	if stages, err := c.src.OnboardingStages(ctx); err == nil {
		for market, byStage := range stages {
			for stage, n := range byStage {
				ch <- prometheus.MustNewConstMetric(stagesDesc, prometheus.GaugeValue, float64(n), market, stage)
			}
		}
	} else if c.log != nil {
		c.log.Warn("metrics: onboardings", "err", err)
	}
}

// WatchDelivery adds the gauges of one platform's delivery: messages
// waiting for another try after a transient failure, how long the oldest
// of them has been failing, and sends the store could not record.
func (m *Metrics) WatchDelivery(platform string, health func() outbox.Health) {
	labels := prometheus.Labels{"platform": platform}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "onboardbot_delivery_retrying",
			Help: "Messages waiting for another try after a transient failure (network, timeout, 5xx).", ConstLabels: labels},
			func() float64 { return float64(health().Retrying) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "onboardbot_delivery_failing_seconds",
			Help: "How long the longest-failing message has been failing (0 when none is): delivery is stalled when this grows.", ConstLabels: labels},
			func() float64 {
				if h := health(); !h.OldestFailure.IsZero() {
					return time.Since(h.OldestFailure).Seconds()
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "onboardbot_delivery_unrecorded",
			Help: "Messages the platform took whose record as sent failed (the store cannot write): dispatching waits for the store.", ConstLabels: labels},
			func() float64 { return float64(health().Unrecorded) }),
	)
}
