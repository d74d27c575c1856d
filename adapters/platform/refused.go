package platform

import (
	"log/slog"
	"sync"
	"time"
)

// Refusals logs refused unauthenticated requests (a wrong webhook secret,
// a bad signature) at most once per interval, with how many were refused
// since the last line, and counts every one through a hook (for
// /metrics): a flood of forged requests must not flood the log.
type Refusals struct {
	log   *slog.Logger
	every time.Duration
	count func(reason string)
	now   func() time.Time

	mu      sync.Mutex
	last    time.Time
	skipped int
}

// NewRefusals returns a throttled log of refusals; count may be nil.
func NewRefusals(log *slog.Logger, every time.Duration, count func(reason string)) *Refusals {
	if count == nil {
		count = func(string) {}
	}
	return &Refusals{log: log, every: every, count: count, now: time.Now}
}

// Refused records one refused request; msg and attrs are logged unless a
// line was written less than the interval ago.
func (r *Refusals) Refused(reason, msg string, attrs ...any) {
	r.count(reason)
	r.mu.Lock()
	now := r.now()
	if !r.last.IsZero() && now.Sub(r.last) < r.every {
		r.skipped++
		r.mu.Unlock()
		return
	}
	skipped := r.skipped
	r.last, r.skipped = now, 0
	r.mu.Unlock()
	if skipped > 0 {
		attrs = append(attrs, "refused_since_last_line", skipped)
	}
	r.log.Warn(msg, append(attrs, "reason", reason)...)
}
