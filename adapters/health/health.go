// Package health answers /readyz: whether this process can do its work
// now (the store writes, rules are loaded, every platform's delivery is
// moving), and if not, why. /healthz stays a plain liveness check.
package health

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot/outbox"
)

// Checker holds what readiness is worked out from.
type Checker struct {
	// Store writes one row through the writer.
	Store interface {
		Ping(ctx context.Context) error
	}
	// Markets counts the market rule sets in force.
	Markets func() int
	// Delivery tells how each platform's delivery stands.
	Delivery map[string]func() outbox.Health
	// StallAfter is how long a message may fail before delivery counts as
	// stalled (default one minute).
	StallAfter time.Duration
	Now        func() time.Time
}

// Problems lists why the process is not ready; none means ready.
func (c *Checker) Problems(ctx context.Context) []string {
	now, stall := time.Now, c.StallAfter
	if c.Now != nil {
		now = c.Now
	}
	if stall <= 0 {
		stall = time.Minute
	}
	var out []string
	if c.Store != nil {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := c.Store.Ping(ctx); err != nil {
			out = append(out, "store: "+err.Error())
		}
	}
	if c.Markets != nil && c.Markets() == 0 {
		out = append(out, "rules: no market rule set is loaded")
	}
	platforms := make([]string, 0, len(c.Delivery))
	for p := range c.Delivery {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		h := c.Delivery[p]()
		if h.StoreDown {
			out = append(out, fmt.Sprintf("%s delivery: stopped, %d sent messages could not be recorded (%s)", p, h.Unrecorded, h.StoreErr))
		}
		if !h.OldestFailure.IsZero() && now().Sub(h.OldestFailure) >= stall {
			out = append(out, fmt.Sprintf("%s delivery: stalled, %d messages failing since %s (the platform is unreachable or failing)",
				p, h.Retrying, h.OldestFailure.UTC().Format(time.RFC3339)))
		}
	}
	return out
}

// Handler serves /readyz: 200 "ready", or 503 with one reason a line.
func (c *Checker) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		problems := c.Problems(r.Context())
		if len(problems) == 0 {
			fmt.Fprintln(w, "ready")
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready:\n"+strings.Join(problems, "\n"))
	})
}
