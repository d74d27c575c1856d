// Package platformtest holds what the test platform servers (tgtest,
// slacktest) and the Telegram and Slack adapter tests share: logic that is
// the same on both platforms, kept in one place so the two cannot drift.
package platformtest

import (
	"sync"
	"time"
)

// Changes lets a test server's callers wait for it to record something.
// The zero value is ready to use.
type Changes struct {
	mu sync.Mutex
	ch chan struct{} // closed and replaced on every change
}

// C returns a channel that is closed at the next change.
func (c *Changes) C() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// Signal wakes everyone waiting for a change.
func (c *Changes) Signal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
	}
	c.ch = make(chan struct{})
}

// Wait blocks until cond holds or timeout passes; it reports whether cond
// held. cond runs without any lock and may call the server's methods. It is
// checked on every change, and every few milliseconds for conditions on
// other things (the bot's database).
func (c *Changes) Wait(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ch := c.C()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			return cond()
		}
	}
}
