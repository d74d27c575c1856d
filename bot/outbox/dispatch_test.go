package outbox_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// countingOutbox is the real store, counting how often the dispatcher
// lists the whole outbox.
type countingOutbox struct {
	*sqlite.Store
	scans atomic.Int64
}

func (o *countingOutbox) DueChats(ctx context.Context, platform string, kind bot.Kind, limit int) ([]string, error) {
	o.scans.Add(1)
	return o.Store.DueChats(ctx, platform, kind, limit)
}

// slowSender records what it was asked to send, taking a little while for
// each message, like a platform does.
type slowSender struct {
	mu   sync.Mutex
	sent map[string][]string // chat -> texts, in the order sent
	n    atomic.Int64
}

func (s *slowSender) Send(ctx context.Context, r bot.Reply) (string, error) {
	time.Sleep(200 * time.Microsecond)
	s.mu.Lock()
	s.sent[r.ChatID] = append(s.sent[r.ChatID], r.Text)
	s.mu.Unlock()
	s.n.Add(1)
	return fmt.Sprint(r.ID), nil
}

// When there are far more chats with replies than workers, every reply is
// delivered once and in order, and the chats named by Notify wait in the
// dispatcher rather than making it list the outbox again for each one.
func TestDispatcherBacklogDeliversInOrderWithoutRescanning(t *testing.T) {
	store := datatest.Store(t)
	ob := &countingOutbox{Store: store}
	sender := &slowSender{sent: map[string][]string{}}
	d := outbox.NewDispatcher(ob, "test", sender, outbox.WithWorkers(2, 1), outbox.WithPollInterval(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { d.Run(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()

	const chats, perChat = 300, 3
	for round := range perChat {
		for c := range chats {
			chat := fmt.Sprintf("chat%d", c)
			err := store.Update(ctx, func(tx bot.Tx) error {
				r := bot.Reply{Platform: "test", ChatID: chat, Kind: bot.KindReply, Text: fmt.Sprint(round)}
				return tx.Enqueue(ctx, &r, time.Now())
			})
			if err != nil {
				t.Fatal(err)
			}
			d.Notify(chat)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for sender.n.Load() < chats*perChat && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // anything sent twice would show now
	sender.mu.Lock()
	defer sender.mu.Unlock()
	want := []string{"0", "1", "2"}
	for c := range chats {
		if got := sender.sent[fmt.Sprintf("chat%d", c)]; !slices.Equal(got, want) {
			t.Fatalf("chat%d got %q, want %q", c, got, want)
		}
	}
	// One look when starting, and a few while the queue drains; not one per chat.
	if scans := ob.scans.Load(); scans > 20 {
		t.Errorf("the dispatcher listed the outbox %d times for %d chats", scans, chats)
	}
}
