// Package outbox delivers what the core queued: one dispatcher per platform
// sends that platform's outbox (a worker per chat, sellers' replies ahead of
// announcements, a message marked sent only once the platform took it), and
// a Hub routes the core's notifications to the dispatcher of the platform
// they concern.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// ErrUnreachable is returned by a Sender when the platform refuses to deliver
// to a chat for good (the seller blocked the bot, the chat is gone).
var ErrUnreachable = errors.New("recipient unreachable")

// ErrPermanent is returned by a Sender when a message can never be
// delivered but the recipient may still be reachable elsewhere (a thread in
// a channel the bot left): the message is set aside at once, not retried.
var ErrPermanent = errors.New("message cannot be delivered")

// RetryAfterError is returned by a Sender when the platform asks to wait
// before sending again (HTTP 429). The same message is sent after the wait.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// Sender delivers one queued message on one platform and returns the
// platform's id of the (last) message sent. It waits for the platform's
// rate limits itself, letting replies ahead of announcements (r.Kind), and
// reports a 429 as *RetryAfterError and a recipient who blocked the bot as
// ErrUnreachable.
type Sender interface {
	Send(ctx context.Context, r bot.Reply) (ref string, err error)
}

// Leases is what an outbox shared by several processes (a fleet on one
// PostgreSQL database) offers besides bot.Outbox: Pending leases the chat
// to this process (returning nothing when another holds it), Release
// gives the lease up once the chat's messages are sent, and Live reports
// whether this process is still in touch with the fleet, so it may go on
// sending to the chats it leased.
type Leases interface {
	Release(ctx context.Context, platform, chatID string) error
	Live() bool
}

// Pacing is what a Sender that keeps a per-chat pace (the platforms' one
// message a second per chat) offers besides Send: how long the chat must
// wait before it may take another message. The dispatcher then puts the
// chat off for that long instead of letting its worker sleep in Send, so
// that no worker waits on one chat's pace while another chat is ready.
type Pacing interface {
	ChatWait(chatID string) time.Duration
}

// Dispatcher sends a platform's outbox: one worker per chat, so a chat's
// messages go out in order while different chats proceed in parallel.
// Chats with sellers' replies get workers first; announcements have a lane
// of their own with fewer workers, so a broadcast never keeps a seller who
// is onboarding waiting. A message is marked sent only after the platform
// accepted it, so a crash can repeat at most the messages in flight, never
// lose one. A platform outage delays messages (retried for retryFor, the
// chat waiting without holding a worker); a store that cannot record a
// send stops dispatching until it can, and the send is never repeated.
type Dispatcher struct {
	outbox   bot.Outbox
	platform string
	sender   Sender
	log      *slog.Logger
	obs      bot.Observer
	now      func() time.Time

	workers     int
	annWorkers  int
	idle        time.Duration
	backoff     time.Duration // the first wait after a transient failure
	maxBackoff  time.Duration // the longest wait between tries
	retryFor    time.Duration // how long a message failing for a transient reason is retried
	sendTimeout time.Duration

	faults *faults

	wake   chan struct{}
	mu     sync.Mutex
	hinted map[string]bool // chats named by Notify since the loop last looked
	scan   bool            // Notify without chats: look at the whole outbox
}

// DispatcherOption configures a Dispatcher.
type DispatcherOption func(*Dispatcher)

// WithWorkers bounds how many chats are sent replies at once, and how many
// chats are sent announcements at once.
func WithWorkers(replies, announcements int) DispatcherOption {
	return func(d *Dispatcher) { d.workers, d.annWorkers = replies, announcements }
}

// WithPollInterval sets how often the outbox is checked when nobody called
// Notify: messages queued by another process (onboardbot announce) arrive this way.
func WithPollInterval(t time.Duration) DispatcherOption { return func(d *Dispatcher) { d.idle = t } }

// WithBackoff sets the wait after a message's first transient failure
// (network error, timeout, 5xx) and the longest wait it doubles up to.
func WithBackoff(first, limit time.Duration) DispatcherOption {
	return func(d *Dispatcher) { d.backoff, d.maxBackoff = first, limit }
}

// WithRetryFor sets how long a message failing for a transient reason is
// retried before it is set aside as failed (default 24 hours: a platform
// outage delays messages, it does not drop them).
func WithRetryFor(t time.Duration) DispatcherOption { return func(d *Dispatcher) { d.retryFor = t } }

// WithDispatchLogger sets the logger.
func WithDispatchLogger(l *slog.Logger) DispatcherOption { return func(d *Dispatcher) { d.log = l } }

// NewDispatcher returns a dispatcher for one platform's outbox.
func NewDispatcher(outbox bot.Outbox, platform string, sender Sender, opts ...DispatcherOption) *Dispatcher {
	d := &Dispatcher{
		outbox: outbox, platform: platform, sender: sender,
		log: slog.New(slog.DiscardHandler), obs: noObserver{}, now: time.Now,
		workers: 64, annWorkers: 16, idle: time.Second, backoff: time.Second, maxBackoff: 5 * time.Minute,
		retryFor: 24 * time.Hour, sendTimeout: 30 * time.Second,
		wake: make(chan struct{}, 1), hinted: map[string]bool{}, faults: newFaults(),
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Notify tells the dispatcher that new messages were committed: to these
// chats, or, without chats, anywhere (it then looks at the whole outbox).
// Naming the chats spares a query of the outbox for every message.
func (d *Dispatcher) Notify(chats ...string) {
	d.mu.Lock()
	if len(chats) == 0 {
		d.scan = true
	}
	for _, c := range chats {
		d.hinted[c] = true
	}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// lane is what a worker was started for.
type lane int

const (
	replyLane lane = iota
	announcementLane
)

type finished struct {
	chat  string
	lane  lane
	paced bool // put off until its pace lets it send again
}

// chatQueue is a first-in first-out set of chats waiting for a worker.
type chatQueue struct {
	order []string
	in    map[string]bool
}

func (q *chatQueue) push(chat string) {
	if q.in == nil {
		q.in = map[string]bool{}
	}
	if !q.in[chat] {
		q.in[chat] = true
		q.order = append(q.order, chat)
	}
}

func (q *chatQueue) pop() (string, bool) {
	if len(q.order) == 0 {
		return "", false
	}
	chat := q.order[0]
	q.order = q.order[1:]
	delete(q.in, chat)
	return chat, true
}

func (q *chatQueue) len() int { return len(q.order) }

// scanBatch is how many chats one look at the whole outbox lists. The
// look costs about the same however many it lists (the database groups
// every undelivered message by chat to order them), so it lists many:
// chats waiting for their pace stay at the head of the list, and a short
// list would show the same ones again and never those behind them.
const scanBatch = 10000

// Run sends until ctx is done, then waits for the messages in flight.
// What is unsent stays in the outbox for the next run.
func (d *Dispatcher) Run(ctx context.Context) error {
	inflight := map[string]bool{}
	paced := map[string]lane{} // chats waiting for their pace, and the lane they go back to
	again := map[string]bool{} // named by Notify while being sent to: look again after
	busy := map[lane]int{}
	// Chats waiting for a worker, in each lane. Chats named by Notify wait
	// here too when every worker is busy, so that a backlog never makes the
	// loop list the whole outbox again for each message.
	var replies, announcements chatQueue
	done := make(chan finished)
	var wg sync.WaitGroup
	defer wg.Wait()
	start := func(chat string, l lane) {
		inflight[chat] = true
		busy[l]++
		wg.Add(1)
		go func() {
			defer wg.Done()
			putOff := d.drain(ctx, chat)
			select {
			case done <- finished{chat, l, putOff}:
			case <-ctx.Done():
			}
		}()
	}
	// fill lists chats with messages of a kind into q; it reports whether
	// the outbox may hold more than it listed.
	fill := func(kind bot.Kind, q *chatQueue) bool {
		chats, err := d.outbox.DueChats(ctx, d.platform, kind, scanBatch)
		if err != nil && ctx.Err() == nil {
			d.log.Error("dispatch: list chats", "platform", d.platform, "kind", kind, "err", err)
		}
		now := d.now()
		fresh := 0
		for _, chat := range chats {
			// A chat being sent to is drained by its worker; a chat waiting
			// for its next try comes back when its wait is over.
			if !inflight[chat] && !d.faults.waitingUntil(chat, now) {
				q.push(chat)
				fresh++
			}
		}
		// Look again at once only if this look found chats to send to:
		// else the next tick, Notify or chat due looks.
		return len(chats) == scanBatch && fresh > 0
	}
	// startFrom gives free workers of a lane to the chats waiting in q,
	// listing more from the outbox when q runs dry and more may be there.
	startFrom := func(l lane, workers int, kind bot.Kind, q *chatQueue, scan *bool) {
		for busy[l] < workers {
			chat, ok := q.pop()
			if !ok {
				if !*scan {
					return
				}
				*scan = fill(kind, q)
				if q.len() == 0 {
					return
				}
				continue
			}
			if !inflight[chat] {
				start(chat, l)
			}
		}
	}
	tick := time.NewTicker(d.idle)
	defer tick.Stop()
	// Wakes the loop when the first waiting chat is due (its backoff over,
	// or its pace letting it send again).
	due := time.NewTimer(time.Hour)
	defer due.Stop()
	// The whole outbox is looked at when starting, on every tick (messages
	// queued by another process), and on Notify without chats; otherwise
	// only the chats Notify names.
	scanReplies, scanAnnouncements := true, true
	for {
		d.mu.Lock()
		hints := d.hinted
		d.hinted = map[string]bool{}
		if d.scan {
			scanReplies, scanAnnouncements, d.scan = true, true, false
		}
		d.mu.Unlock()
		now := d.now()
		for chat := range hints {
			switch {
			case inflight[chat]:
				again[chat] = true
			case d.faults.waitingUntil(chat, now):
				// Its first message is failing: a new one waits behind it.
			default:
				replies.push(chat)
			}
		}
		for _, chat := range d.faults.due(now) {
			if inflight[chat] {
				again[chat] = true // due before its worker is done: look again after
				continue
			}
			// A chat put off for its pace goes back to its own lane; one put
			// off after a failure, to the replies'.
			if l, ok := paced[chat]; ok && l == announcementLane {
				announcements.push(chat)
			} else {
				replies.push(chat)
			}
			delete(paced, chat)
		}
		// While a send is owed its record, nothing more is sent: the store
		// is what keeps a message from going twice.
		if !d.faults.storeDown() || d.recordOwed(ctx) {
			// Chats already waiting go first: the outbox is looked at again
			// when they run out (startFrom), not at every wake-up, since under
			// a backlog each look groups every undelivered message by chat
			// (it was a third of the real binary's time at Telegram's pace).
			startFrom(replyLane, d.workers, bot.KindReply, &replies, &scanReplies)
			startFrom(announcementLane, d.annWorkers, bot.KindAnnouncement, &announcements, &scanAnnouncements)
		}
		if at, ok := d.faults.next(); ok {
			due.Reset(max(at.Sub(d.now()), 0))
		} else {
			due.Stop()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-due.C:
		case f := <-done:
			delete(inflight, f.chat)
			busy[f.lane]--
			if f.paced {
				paced[f.chat] = f.lane
			}
			if again[f.chat] {
				delete(again, f.chat)
				delete(paced, f.chat)
				if !d.faults.waitingUntil(f.chat, d.now()) {
					replies.push(f.chat)
				}
			}
			if announcements.len() == 0 && f.lane == announcementLane {
				scanAnnouncements = true // the batch is done: anything left?
			}
		case <-d.wake:
		case <-tick.C:
			scanReplies, scanAnnouncements = true, true
		}
	}
}

// drain sends a chat's messages in order. One pass is enough: whatever is
// queued to the chat meanwhile comes with a Notify naming it (or naming no
// chat, which lists the whole outbox), and Run drains the chat again after
// this pass; messages from another process arrive with the next tick.
// It reports whether it stopped because the chat must wait for its pace.
func (d *Dispatcher) drain(ctx context.Context, chat string) (paced bool) {
	if l, ok := d.outbox.(Leases); ok {
		defer func() {
			if err := l.Release(context.WithoutCancel(ctx), d.platform, chat); err != nil {
				d.log.Warn("dispatch: release chat", "platform", d.platform, "err", err)
			}
		}()
	}
	pending, err := d.outbox.Pending(ctx, d.platform, chat)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("dispatch: load pending", "platform", d.platform, "err", err)
		}
		return
	}
	pacing, paced := d.sender.(Pacing)
	for _, r := range pending {
		if paced {
			// Not ready to take another message yet: the chat waits in the
			// queue of waiting chats, and the worker goes to a chat that is.
			if w := pacing.ChatWait(chat); w > 0 {
				d.faults.wait(chat, d.now().Add(w))
				return true
			}
		}
		if !d.deliver(ctx, r) {
			return false
		}
	}
	return false
}

// recordOwed records the sends the store could not record before; it
// reports whether none is owed any more.
func (d *Dispatcher) recordOwed(ctx context.Context) bool {
	for id, s := range d.faults.owed() {
		if err := d.outbox.MarkSentRef(context.WithoutCancel(ctx), id, s.ref, s.at); err != nil {
			return false
		}
		d.faults.recorded(id)
		d.log.Info("dispatch: a send is recorded at last", "platform", d.platform, "outbox", id)
	}
	return true
}

// deliver sends one message until it is accepted, set aside, or the
// recipient is unreachable, or until a transient failure puts the chat off
// to a later try. It reports whether the chat can go on now.
func (d *Dispatcher) deliver(ctx context.Context, r bot.Reply) bool {
	if s, ok := d.faults.unrecordedRef(r.ID); ok {
		// The platform has it; only our record is missing. Never send again.
		if err := d.outbox.MarkSentRef(context.WithoutCancel(ctx), r.ID, s.ref, s.at); err != nil {
			return false
		}
		d.faults.recorded(r.ID)
		return true
	}
	for {
		if ctx.Err() != nil {
			return false
		}
		if l, ok := d.outbox.(Leases); ok && !l.Live() {
			// Cut off from the fleet: another instance may be taking this
			// chat over, and must not find the message sent behind its back.
			return false
		}
		// A send that started finishes even when shutdown begins, so that it
		// is recorded: cancelling it half-way would send it twice.
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.sendTimeout)
		ref, err := d.sender.Send(sendCtx, r)
		cancel()
		var retry *RetryAfterError
		switch {
		case err == nil:
			d.obs.Sent(d.platform, r.Kind, "ok")
			d.faults.succeeded(r.ID)
			at := d.now()
			if err := d.outbox.MarkSentRef(context.WithoutCancel(ctx), r.ID, ref, at); err != nil {
				// The message is out: remember it, so the store's failure
				// never sends it again, and stop until the record is made.
				d.faults.sentButUnrecorded(r.ID, ref, at, err)
				d.log.Error("dispatch: sent, but the store could not record it; dispatching stops until it can",
					"platform", d.platform, "outbox", r.ID, "err", err)
				return false
			}
			return true
		case ctx.Err() != nil:
			return false
		case errors.As(err, &retry):
			d.obs.Sent(d.platform, r.Kind, "rate_limited")
			d.log.Warn("dispatch: rate limited", "platform", d.platform, "outbox", r.ID, "retry_after", retry.After)
			if !sleep(ctx, retry.After) {
				return false
			}
		case errors.Is(err, ErrUnreachable):
			d.obs.Sent(d.platform, r.Kind, "unreachable")
			d.faults.succeeded(r.ID)
			d.log.Info("dispatch: recipient unreachable", "platform", d.platform, "seller", r.SellerID, "err", err)
			if err := d.outbox.MarkUnreachable(context.WithoutCancel(ctx), r, err.Error(), d.now()); err != nil {
				d.log.Error("dispatch: mark unreachable", "platform", d.platform, "err", err)
			}
			return false
		case errors.Is(err, ErrPermanent):
			d.setAside(ctx, r, 1, err)
			return true
		default:
			now := d.now()
			f := d.faults.failed(r.ID, now)
			if now.Sub(f.since) >= d.retryFor {
				d.setAside(ctx, r, f.attempts, err)
				return true
			}
			wait := backoff(f.attempts, d.backoff, d.maxBackoff)
			d.obs.Sent(d.platform, r.Kind, "retry")
			d.log.Warn("dispatch: send failed, the chat tries again later", "platform", d.platform, "outbox", r.ID,
				"attempt", f.attempts, "failing_since", f.since, "retry_in", wait, "err", err)
			d.faults.wait(r.ChatID, now.Add(wait))
			return false
		}
	}
}

// setAside marks a message failed for good.
func (d *Dispatcher) setAside(ctx context.Context, r bot.Reply, attempts int, err error) {
	d.obs.Sent(d.platform, r.Kind, "failed")
	d.faults.succeeded(r.ID)
	d.log.Error("dispatch: giving up on message", "platform", d.platform, "outbox", r.ID, "attempts", attempts, "err", err)
	if err := d.outbox.MarkFailed(context.WithoutCancel(ctx), r.ID, err.Error(), d.now()); err != nil {
		d.log.Error("dispatch: mark failed", "platform", d.platform, "err", err)
	}
}

// sleep waits for d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

type noObserver struct{}

func (noObserver) Handled(string, string, time.Duration) {}
func (noObserver) Sent(string, bot.Kind, string)         {}

// WithObserver sets the dispatcher's observer (metrics).
func WithObserver(o bot.Observer) DispatcherOption { return func(d *Dispatcher) { d.obs = o } }
