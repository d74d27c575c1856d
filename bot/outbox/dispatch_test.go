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

// pacedSender keeps a pace per chat, as the platforms' one message a
// second per chat (here one per 20 ms), and counts the sends that came
// before their chat was ready: each of those held a worker asleep.
type pacedSender struct {
	pace  time.Duration
	mu    sync.Mutex
	next  map[string]time.Time // when each chat may take its next message
	sent  map[string][]string
	early atomic.Int64
	n     atomic.Int64
}

func (s *pacedSender) ChatWait(chat string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(time.Until(s.next[chat]), 0)
}

func (s *pacedSender) Send(ctx context.Context, r bot.Reply) (string, error) {
	s.mu.Lock()
	wait := time.Until(s.next[r.ChatID])
	if wait > 0 {
		s.early.Add(1)
	}
	s.next[r.ChatID] = time.Now().Add(max(wait, 0) + s.pace)
	s.mu.Unlock()
	time.Sleep(max(wait, 0)) // what a pacer does to a sender that does not ask
	s.mu.Lock()
	s.sent[r.ChatID] = append(s.sent[r.ChatID], r.Text)
	s.mu.Unlock()
	s.n.Add(1)
	return fmt.Sprint(r.ID), nil
}

// With many chats each holding several replies and few workers, no worker
// sleeps on one chat's pace while another chat is ready: a chat that must
// wait is put off, in order, and its worker takes another chat.
func TestDispatcherNeverWaitsOnOneChatsPace(t *testing.T) {
	store := datatest.Store(t)
	sender := &pacedSender{pace: 20 * time.Millisecond, next: map[string]time.Time{}, sent: map[string][]string{}}
	d := outbox.NewDispatcher(store, "test", sender, outbox.WithWorkers(4, 1), outbox.WithPollInterval(time.Hour))
	const chats, perChat = 100, 5
	ctx := context.Background()
	err := store.Update(ctx, func(tx bot.Tx) error {
		for round := range perChat {
			for c := range chats {
				r := bot.Reply{Platform: "test", ChatID: fmt.Sprintf("chat%d", c), Kind: bot.KindReply, Text: fmt.Sprint(round)}
				if err := tx.Enqueue(ctx, &r, time.Now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { d.Run(runCtx); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	deadline := time.Now().Add(60 * time.Second)
	for sender.n.Load() < chats*perChat && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	sender.mu.Lock()
	defer sender.mu.Unlock()
	want := []string{"0", "1", "2", "3", "4"}
	for c := range chats {
		if got := sender.sent[fmt.Sprintf("chat%d", c)]; !slices.Equal(got, want) {
			t.Fatalf("chat%d got %q, want %q", c, got, want)
		}
	}
	if early := sender.early.Load(); early > 0 {
		t.Errorf("%d of %d sends came before their chat was ready: a worker slept on one chat's pace", early, chats*perChat)
	}
}
