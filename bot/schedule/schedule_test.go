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

// A job with Until sleeps as long as it says (at most Every), not on a
// ticker, and its alarm wakes it early.
func TestJobsSleepUntilDueOrWoken(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alarm := schedule.NewAlarm()
	rounds := make(chan struct{}, 10)
	var sleep atomic.Int64 // what Until says, in ns
	sleep.Store(int64(time.Hour))
	done := make(chan error)
	go func() {
		done <- schedule.Run(ctx, slog.New(slog.DiscardHandler), schedule.Job{Name: "remind", Every: 24 * time.Hour,
			Run:   func(context.Context) error { rounds <- struct{}{}; return nil },
			Until: func(context.Context) (time.Duration, error) { return time.Duration(sleep.Load()), nil },
			Wake:  alarm.C()})
	}()
	round := func(within time.Duration) bool {
		select {
		case <-rounds:
			return true
		case <-time.After(within):
			return false
		}
	}
	if !round(10 * time.Second) {
		t.Fatal("the job did not run at once")
	}
	if round(200 * time.Millisecond) {
		t.Fatal("the job ran again long before it was due")
	}
	sleep.Store(int64(time.Millisecond)) // the next round is due at once after the one the alarm starts
	alarm.Wake()
	if !round(10 * time.Second) {
		t.Fatal("the alarm did not wake the job")
	}
	if !round(10 * time.Second) {
		t.Fatal("the job did not run when Until said it was due")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
