package telegram

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

const (
	// courtesyTimeout bounds a courtesy from the moment it is queued: its
	// wait for the rate limits and the call. A later one is no longer a
	// courtesy (and Telegram refuses to answer an old button anyway).
	courtesyTimeout = 30 * time.Second
	// maxPending bounds the courtesies waiting on one lane (a group, a
	// seller's buttons): a burst beyond it is dropped, not queued for minutes.
	maxPending = 20
	// maxLanes bounds the lanes running at once, and so the goroutines.
	maxLanes = 4096
)

// courtesy is one Bot API call that follows a commit and that nothing
// depends on: acknowledging a button, editing the answered question, a
// notice in a group. Its call waits for the rate limits itself.
type courtesy struct {
	what  string
	call  func(ctx context.Context) error
	until time.Time
}

// courtesies run the calls that follow a commit away from the intake: the
// webhook answers and polling goes on without waiting for them, and no chat
// lock is held while they wait for Telegram. The courtesies of one lane run
// in order, one at a time, on a goroutine that lives while the lane has
// work; lanes run side by side, so a slow group never holds up another
// seller's acknowledgement. A failure is logged and nothing more: what the
// seller needs is committed in the outbox.
type courtesies struct {
	log *slog.Logger

	mu    sync.Mutex
	lanes map[string][]courtesy // a lane is present while its goroutine runs

	dropped   atomic.Int64
	sometimes rate.Sometimes // logs drops at most every few seconds
}

func newCourtesies(log *slog.Logger) *courtesies {
	return &courtesies{log: log, lanes: map[string][]courtesy{}, sometimes: rate.Sometimes{Interval: 10 * time.Second}}
}

// add queues calls on lane, in order, unless the lane or the number of
// lanes is full, in which case they are dropped together.
func (c *courtesies) add(lane string, calls ...courtesy) {
	until := time.Now().Add(courtesyTimeout)
	for i := range calls {
		calls[i].until = until
	}
	c.mu.Lock()
	q, running := c.lanes[lane]
	if len(q)+len(calls) > maxPending || (!running && len(c.lanes) >= maxLanes) {
		c.mu.Unlock()
		n := c.dropped.Add(int64(len(calls)))
		c.sometimes.Do(func() {
			c.log.Warn("telegram: too many courtesies waiting; dropped", "what", calls[0].what, "lane", lane, "dropped_in_all", n)
		})
		return
	}
	c.lanes[lane] = append(q, calls...)
	c.mu.Unlock()
	if !running {
		go c.run(lane)
	}
}

// run works through a lane until it is empty.
func (c *courtesies) run(lane string) {
	for {
		c.mu.Lock()
		q := c.lanes[lane]
		if len(q) == 0 {
			delete(c.lanes, lane)
			c.mu.Unlock()
			return
		}
		next := q[0]
		c.lanes[lane] = q[1:]
		c.mu.Unlock()

		ctx, cancel := context.WithDeadline(context.Background(), next.until)
		if err := next.call(ctx); err != nil {
			c.log.Warn("telegram: "+next.what, "lane", lane, "err", err)
		}
		cancel()
	}
}
