package platformtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
)

// Bot is the part of a running bot that every adapter test starts and
// stops the same way, whatever the platform: a SQLite store, the hub, and the goroutines (dispatcher, intake) that run until
// Stop. An adapter test adds its adapter, its dispatcher and its intake.
type Bot struct {
	Store *sqlite.Store
	Hub   *outbox.Hub
	// Ctx ends at Stop; the goroutines started with Go run under it.
	Ctx context.Context

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []func()
}

// NewBot opens the store at db and prepares the hub; Stop runs at the
// test's end if the test has not run it.
func NewBot(t testing.TB, db string) *Bot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	b := &Bot{Store: store, Hub: outbox.NewHub(), Ctx: ctx, cancel: cancel}
	t.Cleanup(b.Stop)
	return b
}

// Core returns the core on the store with the catalog's rules, telling the
// hub of new messages.
func (b *Bot) Core(catalog *flows.Catalog, opts ...bot.Option) *bot.Core {
	return bot.New(b.Store, catalog, append([]bot.Option{bot.WithNotifier(b.Hub)}, opts...)...)
}

// Dispatch runs the platform's dispatcher until Stop, polling and backing
// off in milliseconds so that tests do not wait.
func (b *Bot) Dispatch(platform string, s outbox.Sender) {
	disp := outbox.NewDispatcher(b.Store, platform, s, outbox.WithPollInterval(20*time.Millisecond), outbox.WithBackoff(10*time.Millisecond, 50*time.Millisecond))
	b.Hub.Add(platform, disp)
	b.Go(func(ctx context.Context) { _ = disp.Run(ctx) })
}

// Go runs f until Stop; Stop waits for it to return.
func (b *Bot) Go(f func(ctx context.Context)) {
	b.wg.Add(1)
	go func() { defer b.wg.Done(); f(b.Ctx) }()
}

// OnStop has Stop run close (an intake server's Close) once the context
// has ended, before it waits for the goroutines.
func (b *Bot) OnStop(close func()) {
	b.closers = append(b.closers, close)
}

// Stop shuts the bot down the way SIGTERM does: intake stops, work in hand
// finishes, the store closes. Stopping again does nothing.
func (b *Bot) Stop() {
	if b.cancel == nil {
		return
	}
	b.cancel()
	b.cancel = nil
	for _, c := range b.closers {
		c()
	}
	b.wg.Wait()
	b.Store.Close()
}
