package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// flakySender is a platform that can be down for everyone or for some
// chats, counting what it took per message.
type flakySender struct {
	down     atomic.Bool
	mu       sync.Mutex
	downFor  map[string]bool // chats whose sends fail
	taken    map[int64]int   // outbox id -> times the platform took it
	attempts atomic.Int64
}

func newFlakySender() *flakySender {
	return &flakySender{downFor: map[string]bool{}, taken: map[int64]int{}}
}

var errNetwork = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")

func (s *flakySender) Send(ctx context.Context, r bot.Reply) (string, error) {
	s.attempts.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down.Load() || s.downFor[r.ChatID] {
		return "", errNetwork
	}
	s.taken[r.ID]++
	return fmt.Sprint(r.ID), nil
}

func (s *flakySender) took(id int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.taken[id]
}

// fullDisk is the real store whose records of sends fail while full is set.
type fullDisk struct {
	*sqlite.Store
	full atomic.Bool
}

func (o *fullDisk) MarkSentRef(ctx context.Context, id int64, ref string, at time.Time) error {
	if o.full.Load() {
		return errors.New("database or disk is full (13)")
	}
	return o.Store.MarkSentRef(ctx, id, ref, at)
}

func queue(t *testing.T, store bot.Store, chats ...string) []int64 {
	t.Helper()
	var ids []int64
	for _, chat := range chats {
		err := store.Update(context.Background(), func(tx bot.Tx) error {
			r := bot.Reply{Platform: "test", ChatID: chat, Kind: bot.KindReply, Text: "hello " + chat}
			if err := tx.Enqueue(context.Background(), &r, time.Now()); err != nil {
				return err
			}
			ids = append(ids, r.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func run(t *testing.T, d *outbox.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { d.Run(ctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
}

func pendingIn(t *testing.T, store *sqlite.Store, chats ...string) int {
	t.Helper()
	n := 0
	for _, c := range chats {
		p, err := store.Pending(context.Background(), "test", c)
		if err != nil {
			t.Fatal(err)
		}
		n += len(p)
	}
	return n
}

// A platform outage delays replies, it does not drop them: they are tried
// again and again (the dispatcher shows it is failing meanwhile), and once
// the platform is back each goes out exactly once.
func TestOutageDelaysRepliesAndLosesNone(t *testing.T) {
	store := datatest.Store(t)
	sender := newFlakySender()
	sender.down.Store(true)
	d := outbox.NewDispatcher(store, "test", sender, outbox.WithPollInterval(5*time.Millisecond),
		outbox.WithBackoff(time.Millisecond, 20*time.Millisecond))
	run(t, d)
	chats := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	ids := queue(t, store, chats...)
	waitFor(t, func() bool { return sender.attempts.Load() >= 60 }) // far more than the 6 tries that used to give up
	h := d.Health()
	if h.Retrying != len(ids) || h.OldestFailure.IsZero() {
		t.Errorf("health during the outage: %+v", h)
	}
	if n := pendingIn(t, store, chats...); n != len(ids) {
		t.Fatalf("%d of %d replies still pending during the outage: the others were given up", n, len(ids))
	}
	sender.down.Store(false)
	waitFor(t, func() bool { return pendingIn(t, store, chats...) == 0 })
	for _, id := range ids {
		if n := sender.took(id); n != 1 {
			t.Errorf("message %d delivered %d times", id, n)
		}
	}
	if h := d.Health(); h.Retrying != 0 || !h.OldestFailure.IsZero() {
		t.Errorf("health after recovery: %+v", h)
	}
}

// A chat whose sends fail waits for its next try without holding up the
// others, even with a single worker.
func TestAFailingChatDoesNotBlockOthers(t *testing.T) {
	store := datatest.Store(t)
	sender := newFlakySender()
	sender.downFor["stuck"] = true
	d := outbox.NewDispatcher(store, "test", sender, outbox.WithWorkers(1, 1), outbox.WithPollInterval(5*time.Millisecond),
		outbox.WithBackoff(50*time.Millisecond, time.Second))
	run(t, d)
	queue(t, store, "stuck")
	waitFor(t, func() bool { return sender.attempts.Load() >= 1 })
	others := []string{"o1", "o2", "o3", "o4", "o5"}
	queue(t, store, others...)
	waitFor(t, func() bool { return pendingIn(t, store, others...) == 0 })
	if pendingIn(t, store, "stuck") != 1 {
		t.Error("the failing chat's reply is no longer pending")
	}
}

// A message that fails for a transient reason past the retry window is
// set aside; one the platform refuses for good is set aside at once.
func TestSetAsideAfterTheRetryWindowOrAtOnceWhenPermanent(t *testing.T) {
	store := datatest.Store(t)
	sender := newFlakySender()
	sender.downFor["gone"] = true
	d := outbox.NewDispatcher(store, "test", permanentFor("bad", sender), outbox.WithPollInterval(5*time.Millisecond),
		outbox.WithBackoff(time.Millisecond, 5*time.Millisecond), outbox.WithRetryFor(50*time.Millisecond))
	run(t, d)
	queue(t, store, "gone", "bad")
	waitFor(t, func() bool { return pendingIn(t, store, "gone", "bad") == 0 })
	if d.Health().Retrying != 0 {
		t.Errorf("health: %+v", d.Health())
	}
}

type permanentSender struct {
	chat string
	next outbox.Sender
}

func permanentFor(chat string, next outbox.Sender) outbox.Sender { return permanentSender{chat, next} }

func (s permanentSender) Send(ctx context.Context, r bot.Reply) (string, error) {
	if r.ChatID == s.chat {
		return "", fmt.Errorf("%w: message is too long", outbox.ErrPermanent)
	}
	return s.next.Send(ctx, r)
}

// With the disk full, a message the platform took is never sent again
// because its record failed: dispatching waits for the store, the record
// is made once the store writes again, and each message went out once.
func TestFullDiskRepeatsNothing(t *testing.T) {
	store := &fullDisk{Store: datatest.Store(t)}
	store.full.Store(true)
	sender := newFlakySender()
	d := outbox.NewDispatcher(store, "test", sender, outbox.WithPollInterval(5*time.Millisecond),
		outbox.WithBackoff(time.Millisecond, 5*time.Millisecond))
	run(t, d)
	chats := []string{"a", "b", "c", "d", "e"}
	ids := queue(t, store.Store, chats...)
	waitFor(t, func() bool { return d.Health().StoreDown })
	time.Sleep(100 * time.Millisecond) // twenty polls: long enough to send everything again, were it to
	for _, id := range ids {
		if n := sender.took(id); n > 1 {
			t.Errorf("message %d sent %d times while the disk was full", id, n)
		}
	}
	if h := d.Health(); !h.StoreDown || h.Unrecorded == 0 || h.StoreErr == "" {
		t.Errorf("health with the disk full: %+v", h)
	}
	store.full.Store(false)
	waitFor(t, func() bool { return pendingIn(t, store.Store, chats...) == 0 })
	for _, id := range ids {
		if n := sender.took(id); n != 1 {
			t.Errorf("message %d sent %d times", id, n)
		}
	}
	// The dispatcher clears its health once the store call that recorded
	// the last message has returned, a moment after the row is written.
	deadline := time.Now().Add(10 * time.Second)
	for h := d.Health(); h.StoreDown || h.Unrecorded != 0; h = d.Health() {
		if time.Now().After(deadline) {
			t.Fatalf("health after the disk has room: %+v", h)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
