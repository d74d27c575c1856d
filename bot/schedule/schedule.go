// Package schedule is the home of work done on a timer rather than in
// answer to a message: announcement progress and pruning today, reminders
// and nudges next. A job does its work in store transactions and queues
// what it has to say in the outbox, like the core does; this package runs
// jobs, and holds the store's own housekeeping (prune.go).
package schedule

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Job is one piece of scheduled work.
type Job struct {
	Name string
	// Every is how often the job runs; with Until, the longest it sleeps.
	Every time.Duration
	// Run does one round of the job. An error is logged and the job runs
	// again at its next tick: a failed round must leave nothing half done.
	Run func(ctx context.Context) error
	// Until, when set, says after a round how long until the job has work
	// again: it sleeps that long (at most Every) instead of ticking.
	Until func(ctx context.Context) (time.Duration, error)
	// Wake, when set, ends the sleep early: new work was planned.
	Wake <-chan struct{}
}

// Run runs each job once at once and then every Every (or when its Until
// says), each on its own goroutine so a slow job holds up no other, until
// ctx is done.
func Run(ctx context.Context, log *slog.Logger, jobs ...Job) error {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(j.Every)
			defer t.Stop()
			for {
				if err := j.Run(ctx); err != nil && ctx.Err() == nil {
					log.Error("scheduled job failed; it runs again at its next tick", "job", j.Name, "err", err)
				}
				t.Reset(j.sleep(ctx, log))
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				case <-j.Wake:
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// sleep is how long the job waits before its next round.
func (j Job) sleep(ctx context.Context, log *slog.Logger) time.Duration {
	if j.Until == nil {
		return j.Every
	}
	d, err := j.Until(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("scheduled job: cannot tell when it is due again; it runs again at its next tick", "job", j.Name, "err", err)
		}
		return j.Every
	}
	return min(max(d, 0), j.Every)
}

// Alarm wakes a sleeping job (its Wake) when new work is planned; it
// implements bot.Waker. Wakes that come while the job is awake are one.
type Alarm struct{ c chan struct{} }

// NewAlarm returns an alarm no one has set off yet.
func NewAlarm() *Alarm { return &Alarm{c: make(chan struct{}, 1)} }

// Wake sets the alarm off without waiting.
func (a *Alarm) Wake() {
	select {
	case a.c <- struct{}{}:
	default:
	}
}

// C is what a job's Wake listens to.
func (a *Alarm) C() <-chan struct{} { return a.c }
