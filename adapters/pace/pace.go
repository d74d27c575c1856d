// Package pace keeps an adapter's sending within a platform's limits: an
// overall rate, and a slower rate per chat. Sellers' replies go first:
// announcements only take a slot that no reply is waiting for.
package pace

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacer is shared by everything that sends on one platform.
type Pacer struct {
	overall *rate.Limiter
	rate    float64 // the platform's overall rate, for all who share it
	perChat rate.Limit

	mu     sync.Mutex
	gap    time.Duration // between two overall slots
	paused chan struct{} // closed when sending may go on; nil when not paused
	chats  map[string]*chat
	sweep  time.Time
}

type chat struct {
	lim  *rate.Limiter
	used time.Time
}

// New returns a pacer for overall messages per second in all and perChat
// per chat (a burst of two per chat lets a reply split in two go together).
func New(overall, perChat float64) *Pacer {
	// A burst of a twentieth of a second's worth lets senders that were busy
	// for a moment catch up, without going over the rate in any second by
	// more than that.
	burst := max(1, int(overall/20))
	return &Pacer{
		overall: rate.NewLimiter(rate.Limit(overall), burst),
		rate:    overall,
		gap:     time.Duration(float64(time.Second) / overall),
		perChat: rate.Limit(perChat),
		chats:   map[string]*chat{},
	}
}

// Wait blocks until a message may go to chat. Low-priority messages
// (announcements) never queue ahead of others: they take an overall slot
// only when it is free right now, and look again shortly otherwise.
func (p *Pacer) Wait(ctx context.Context, chatID string, low bool) error {
	p.mu.Lock()
	paused, gap := p.paused, p.gap
	p.mu.Unlock()
	if paused != nil {
		select {
		case <-paused:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := p.chat(chatID).Wait(ctx); err != nil {
		return err
	}
	if !low {
		return p.overall.Wait(ctx)
	}
	poll := max(gap/4, 50*time.Microsecond)
	t := time.NewTimer(0)
	defer t.Stop()
	for !p.overall.Allow() {
		t.Reset(poll)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// ChatWait is how long chatID must wait before a message may go to it,
// by its own pace (0: it may take one now). A sender that asks first never
// holds a worker asleep on one chat while another is ready.
func (p *Pacer) ChatWait(chatID string) time.Duration {
	lim := p.chat(chatID)
	tokens := lim.Tokens()
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(p.perChat) * float64(time.Second))
}

// Share sets the part of the overall rate this process may use: all of it
// alone, 1/n of it in a fleet of n processes sending on one platform
// account, so that the fleet keeps the platform's limit. Zero pauses
// sending (the process cannot tell how many share the limit) until a
// share is set again.
func (p *Pacer) Share(f float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f <= 0 {
		if p.paused == nil {
			p.paused = make(chan struct{})
		}
		return
	}
	r := p.rate * min(f, 1)
	p.overall.SetLimit(rate.Limit(r))
	p.overall.SetBurst(max(1, int(r/20)))
	p.gap = time.Duration(float64(time.Second) / r)
	if p.paused != nil {
		close(p.paused)
		p.paused = nil
	}
}

// chat returns the chat's limiter, forgetting chats quiet for a minute.
func (p *Pacer) chat(id string) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.sweep) > time.Minute {
		for k, c := range p.chats {
			if now.Sub(c.used) > time.Minute {
				delete(p.chats, k)
			}
		}
		p.sweep = now
	}
	c, ok := p.chats[id]
	if !ok {
		c = &chat{lim: rate.NewLimiter(p.perChat, 2)}
		p.chats[id] = c
	}
	c.used = now
	return c.lim
}
