package health_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/health"
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/data/datatest"
)

type pinger func(context.Context) error

func (p pinger) Ping(ctx context.Context) error { return p(ctx) }

func TestReadiness(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	ok := pinger(func(context.Context) error { return nil })
	fine := func() outbox.Health { return outbox.Health{} }
	tests := []struct {
		name     string
		store    pinger
		markets  int
		delivery func() outbox.Health
		want     string // a reason that must be given; "" for ready
	}{
		{"all well", ok, 10, fine, ""},
		{"a failure younger than a minute", ok, 10, func() outbox.Health {
			return outbox.Health{Retrying: 3, OldestFailure: now.Add(-30 * time.Second)}
		}, ""},
		{"store cannot write", pinger(func(context.Context) error { return errors.New("database or disk is full") }), 10, fine, "disk is full"},
		{"no rules", ok, 0, fine, "no market rule set"},
		{"sends failing for two minutes", ok, 10, func() outbox.Health {
			return outbox.Health{Retrying: 7, OldestFailure: now.Add(-2 * time.Minute)}
		}, "telegram delivery: stalled, 7 messages"},
		{"sends not recorded", ok, 10, func() outbox.Health {
			return outbox.Health{StoreDown: true, Unrecorded: 2, StoreErr: "disk I/O error"}
		}, "could not be recorded (disk I/O error)"},
	}
	for _, tt := range tests {
		c := &health.Checker{Store: tt.store, Markets: func() int { return tt.markets },
			Delivery: map[string]func() outbox.Health{"telegram": tt.delivery}, Now: func() time.Time { return now }}
		w := httptest.NewRecorder()
		c.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		switch {
		case tt.want == "" && (w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "ready"):
			t.Errorf("%s: %d %q, want ready", tt.name, w.Code, w.Body.String())
		case tt.want != "" && (w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), tt.want)):
			t.Errorf("%s: %d %q, want 503 with %q", tt.name, w.Code, w.Body.String(), tt.want)
		}
	}
}

// The real store's ping writes through the writer.
func TestStorePing(t *testing.T) {
	store := datatest.Store(t)
	c := &health.Checker{Store: store}
	if p := c.Problems(context.Background()); len(p) != 0 {
		t.Fatalf("a fresh store is not ready: %v", p)
	}
	store.Close()
	if p := c.Problems(context.Background()); len(p) != 1 || !strings.HasPrefix(p[0], "store:") {
		t.Errorf("a closed store is ready: %v", p)
	}
}
