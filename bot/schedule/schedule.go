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
	Name  string
	Every time.Duration
	// Run does one round of the job. An error is logged and the job runs
	// again at its next tick: a failed round must leave nothing half done.
	Run func(ctx context.Context) error
}

// Run runs each job once at once and then every Every, each on its own
// ticker so a slow job holds up no other, until ctx is done.
func Run(ctx context.Context, log *slog.Logger, jobs ...Job) error {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(j.Every)
			defer t.Stop()
			for {
				if err := j.Run(ctx); err != nil && ctx.Err() == nil {
					log.Error("scheduled job failed; it runs again at its next tick", "job", j.Name, "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	wg.Wait()
	return nil
}
