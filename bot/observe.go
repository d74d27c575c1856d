package bot

import "time"

// Observer is told what the bot does, for metrics. Implementations must be
// cheap and safe for concurrent use.
type Observer interface {
	// Handled is one inbound update: outcome is "ok", "duplicate" or "error".
	Handled(platform, outcome string, took time.Duration)
	// Sent is one attempt to deliver an outbox message: result is "ok",
	// "rate_limited", "unreachable", "retry" or "failed".
	Sent(platform string, kind Kind, result string)
}

type noObserver struct{}

func (noObserver) Handled(string, string, time.Duration) {}
func (noObserver) Sent(string, Kind, string)             {}

// WithObserver sets the core's observer.
func WithObserver(o Observer) Option { return func(c *Core) { c.obs = o } }
