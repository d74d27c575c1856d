package schedule_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot/schedule"
)

// Each job runs at once and then on its own ticker; a failing round does
// not stop it, and a slow job holds up no other.
func TestJobsRunOnTheirOwnTickers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var fast, failing atomic.Int64
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- schedule.Run(ctx, slog.New(slog.DiscardHandler),
			schedule.Job{Name: "slow", Every: time.Millisecond, Run: func(ctx context.Context) error {
				select { // blocks until the test is done
				case <-release:
				case <-ctx.Done():
				}
				return nil
			}},
			schedule.Job{Name: "fast", Every: time.Millisecond, Run: func(context.Context) error { fast.Add(1); return nil }},
			schedule.Job{Name: "failing", Every: time.Millisecond, Run: func(context.Context) error { failing.Add(1); return errors.New("boom") }},
		)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for (fast.Load() < 5 || failing.Load() < 5) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if fast.Load() < 5 || failing.Load() < 5 {
		t.Errorf("fast ran %d times, failing %d times, while a slow job was busy", fast.Load(), failing.Load())
	}
	cancel()
	close(release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
