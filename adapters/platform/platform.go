// Package platform is what every chat platform adapter shares: the contract
// serve runs them by, the part of the core they call, and the bookkeeping
// every adapter needs (one chat's updates in order, the parts of a split
// reply already delivered).
package platform

import (
	"context"
	"hash/fnv"
	"net/http"
	"sync"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
)

// Core is what an adapter needs from the bot's core.
type Core interface {
	Handle(ctx context.Context, in bot.Inbound) ([]bot.Reply, error)
	Skip(ctx context.Context, platform, updateID string) error
	Commands() []bot.CommandInfo
}

// Adapter is one platform as serve runs it: its name, its HTTP routes (if
// it takes updates by webhook), its own intake loop (if it pulls them), and
// the sending and editing the dispatcher and the core use.
type Adapter interface {
	// Name is the platform's name, as sellers and messages are stored under.
	Name() string
	// Mount adds the adapter's HTTP routes to mux, if it has any, and says
	// how updates arrive (for the start-up log).
	Mount(mux *http.ServeMux) (mode string)
	// Run takes updates until ctx is done (long polling, Socket Mode); an
	// adapter fed only by its HTTP routes returns nil at once.
	Run(ctx context.Context) error
	// ShareRate sets the part of the platform's rates this process may
	// use: 1 alone, 1/n in a fleet of n instances on one account, 0 to
	// hold sending until it is set again.
	ShareRate(f float64)
	outbox.Sender
	bot.Editor
}

// Locks keeps one chat's (or user's) updates in order: each key maps to one
// of a fixed set of mutexes, so memory does not grow with the sellers.
type Locks struct {
	stripes [64]sync.Mutex
}

// Lock locks key's stripe and returns the unlock.
func (l *Locks) Lock(key string) (unlock func()) {
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &l.stripes[h.Sum32()%uint32(len(l.stripes))]
	m.Lock()
	return m.Unlock
}

// Parts remembers how many parts of a split reply the platform took, so
// that when a later part fails the retry sends only the rest.
type Parts struct {
	mu   sync.Mutex
	sent map[int64]int // outbox id -> parts already delivered
}

// Send sends the parts of message id not delivered yet, in order, with
// send(i) for part i, and returns the last part's ref. On an error the parts
// delivered so far are remembered for the next try.
func (p *Parts) Send(id int64, n int, send func(i int) (ref string, err error)) (string, error) {
	p.mu.Lock()
	start := p.sent[id]
	p.mu.Unlock()
	var ref string
	for i := start; i < n; i++ {
		r, err := send(i)
		if err != nil {
			p.mu.Lock()
			if i > 0 {
				if p.sent == nil {
					p.sent = map[int64]int{}
				}
				p.sent[id] = i
			}
			p.mu.Unlock()
			return "", err
		}
		ref = r
	}
	p.mu.Lock()
	delete(p.sent, id)
	p.mu.Unlock()
	return ref, nil
}
