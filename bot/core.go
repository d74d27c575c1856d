package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// MaxTextBytes bounds an inbound message; longer ones are refused with a
// notice rather than parsed.
const MaxTextBytes = 4096

// Core handles sellers' messages: it loads the seller, runs the command or
// the answer through the flow engine, and saves the new state together with
// the replies in one transaction.
type Core struct {
	store    Store
	catalog  atomic.Pointer[flows.Catalog]
	rendered atomic.Pointer[catalogViews]
	index    atomic.Pointer[flows.Index] // the rules searched by /ask, built per catalog
	now      func() time.Time
	log      *slog.Logger
	commands []Command
	admins   Admins
	obs      Observer
	notify   Notifier
	// reminding times reminders; waker is told when a message planned some.
	reminding Reminding
	waker     Waker
}

// Option configures a Core.
type Option func(*Core)

// WithClock sets the clock, so tests control dates.
func WithClock(now func() time.Time) Option { return func(c *Core) { c.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(c *Core) { c.log = l } }

// New returns a Core over a store and the market rules.
func New(store Store, catalog *flows.Catalog, opts ...Option) *Core {
	c := &Core{store: store, now: time.Now, log: slog.New(slog.DiscardHandler), admins: noAdmins{}, obs: noObserver{}, notify: noNotifier{},
		reminding: DefaultReminding(), waker: noWaker{}}
	c.catalog.Store(catalog)
	for _, o := range opts {
		o(c)
	}
	c.commands = append(commandTable(), c.admins.Commands()...)
	return c
}

// isAdmin says whether s may use admin commands.
func (c *Core) isAdmin(s *Seller) bool { return c.admins.IsAdmin(*s) }

// Catalog returns the market rules the core runs on.
func (c *Core) Catalog() *flows.Catalog { return c.catalog.Load() }

// Handle processes one inbound message. The seller's new state, the record
// that the delivery was handled and the replies are committed together
// before Handle returns the replies; a redelivered update returns none.
func (c *Core) Handle(ctx context.Context, in Inbound) ([]Reply, error) {
	began := time.Now()
	now := c.now().UTC()
	in.Name = cleanName(in.Name)
	var out []Reply
	duplicate, broadcast, planned := false, false, false
	// done holds the work done outside the transaction for this message,
	// want the work its last handling asked for (see Conversation.Outside).
	done, want := map[string]any{}, (*outsideWork)(nil)
	handle := func(tx Tx) error {
		out, duplicate, broadcast, planned, want = nil, false, false, false, nil
		var clicked *Clicked
		if in.UpdateID != "" {
			fresh, err := tx.Claim(ctx, in.Platform, in.UpdateID, now)
			if err != nil {
				return fmt.Errorf("claim update: %w", err)
			}
			if !fresh {
				duplicate = true
				return nil
			}
		}
		if in.Button != nil {
			// Resolved here, in the transaction that takes the answer, so
			// the message clicked is read where the answer is written.
			r, i, err := ResolveButton(ctx, tx, in.Button.Data, in.Platform, in.Button.InChat)
			if err != nil {
				return fmt.Errorf("resolve button: %w", err)
			}
			ref := ChoiceRef{} // unknown data: answered as a button that is not current
			if r != nil {
				ref, clicked = r.Choices[i].Ref, &Clicked{Message: *r, Label: r.Choices[i].Label}
				if clicked.Message.Ref == "" {
					clicked.Message.Ref = in.Button.Message
				}
			}
			in.Choice = &ref
		}
		who, seller, stored, err := c.seller(ctx, tx, in, now)
		if err != nil {
			return err
		}
		cv := &Conversation{core: c, catalog: c.catalog.Load(), ctx: ctx, tx: tx, seller: &seller, now: now, clicked: clicked, who: &who, name: in.Name,
			done: done}
		if err := cv.handle(in); err != nil {
			want = cv.outside
			return err
		}
		if cv.err != nil {
			return cv.err
		}
		// Most messages change nothing about the seller: spare the write.
		if err := c.saveIdentity(ctx, tx, cv, stored); err != nil {
			return err
		}
		out = cv.replies()
		for i := range out {
			r := &out[i]
			r.Platform, r.ChatID, r.SellerID, r.Kind = in.Platform, seller.ChatID, seller.ID, KindReply
			if in.Public {
				r.ChatID = in.ChatID // answered where they asked
			}
			if err := tx.Enqueue(ctx, r, now); err != nil {
				return fmt.Errorf("queue reply: %w", err)
			}
		}
		if out[0].Notice == "" && out[len(out)-1].Replaces == "" { // a reply in place of the clicked message is its own mark
			out[0].Clicked = clicked
		}
		broadcast, planned = cv.notifyAll, cv.planned
		return nil
	}
	err := c.store.Update(ctx, handle)
	for pass := 1; want != nil && errors.Is(err, errOutside) && pass <= maxOutside; pass++ {
		// Nothing of the handling that asked was kept: do the work with no
		// transaction open, then handle the message again with its result.
		v, werr := want.run(ctx, c.store)
		if werr != nil {
			err = fmt.Errorf("%s: %w", want.key, werr)
			break
		}
		done[want.key] = v
		err = c.store.Update(ctx, handle)
	}
	outcome := "ok"
	switch {
	case errors.Is(err, ErrSetAside):
		out, broadcast, err = c.setAside(ctx, in, now, err), false, nil
		outcome = "set_aside"
	case err != nil:
		outcome = "error"
	case duplicate:
		outcome = "duplicate"
	}
	c.obs.Handled(in.Platform, outcome, time.Since(began))
	if err != nil {
		return nil, fmt.Errorf("handle %s message: %w", in.Platform, err)
	}
	if len(out) > 0 {
		c.notify.Notify(out[0].Platform, out[0].ChatID)
	}
	if broadcast {
		c.notify.Notify("")
	}
	if planned {
		c.waker.Wake()
	}
	return out, nil
}

// Skip records an update the bot does not answer (an edited message, a
// channel post, chatter in a group) as handled, so it is not redelivered.
func (c *Core) Skip(ctx context.Context, platform, updateID string) error {
	began := time.Now()
	err := c.store.Update(ctx, func(tx Tx) error {
		_, err := tx.Claim(ctx, platform, updateID, c.now().UTC())
		return err
	})
	outcome := "skipped"
	switch {
	case errors.Is(err, ErrSetAside):
		c.log.Error("update set aside: acknowledged without being recorded", "platform", platform, "update", updateID, "err", err)
		outcome, err = "set_aside", nil
	case err != nil:
		outcome = "error"
	}
	c.obs.Handled(platform, outcome, time.Since(began))
	return err
}

// notSaved tells a seller that their message was set aside.
var notSaved = flows.Text{
	ZH: "⚠️ 抱歉，这条消息没能保存：我们这边的数据库出了问题，管理员会处理。请过一段时间再发一次。",
	EN: "⚠️ Sorry, this message could not be saved: our database has a problem, which the operators will fix. Please send it again later.",
}

// setAside acknowledges a delivery the store gave up on (its data is
// damaged: see ErrSetAside), so the platform stops redelivering it. It
// records the delivery as handled and queues a notice to the seller, in a
// transaction of its own that touches neither the seller nor their
// progress (in both languages: the seller's is not known, reading it may be
// what failed); if even that fails, the delivery is acknowledged all the same.
// The answer in it is lost: the operators restore the database from a
// backup, and the seller sends it again.
func (c *Core) setAside(ctx context.Context, in Inbound, now time.Time, cause error) []Reply {
	c.log.Error("update set aside: it failed on damaged data several times; acknowledged so that the platform stops redelivering it, and the seller told to send it again",
		"platform", in.Platform, "update", in.UpdateID, "err", cause)
	var out []Reply
	err := c.store.Update(ctx, func(tx Tx) error {
		out = nil
		fresh, err := tx.Claim(ctx, in.Platform, in.UpdateID, now)
		if err != nil || !fresh {
			return err
		}
		text := notSaved.ZH + "\n" + notSaved.EN
		if flows.ParseLang(in.LangHint) == flows.EN {
			text = notSaved.EN + "\n" + notSaved.ZH
		}
		r := Reply{Platform: in.Platform, ChatID: in.ChatID, Kind: KindReply, Text: text}
		if err := tx.Enqueue(ctx, &r, now); err != nil {
			return err
		}
		out = []Reply{r}
		return nil
	})
	if err != nil {
		c.log.Error("set-aside update: could not record it or tell the seller", "platform", in.Platform, "update", in.UpdateID, "err", err)
		return nil
	}
	return out
}

// seller loads the sender's company as their account sees it (see
// identify), creating it on first contact, and returns it updated from the
// message (chat, language hint), with what is stored.
func (c *Core) seller(ctx context.Context, tx Tx, in Inbound, now time.Time) (who Identity, s, stored Seller, err error) {
	who, err = c.identify(ctx, tx, in)
	switch {
	case errors.Is(err, ErrNotFound):
		s = Seller{Platform: in.Platform, UserID: in.UserID, Lang: flows.ParseLang(in.LangHint), CreatedAt: now}
		if !in.Public {
			s.ChatID = in.ChatID // a public thread is not where the seller's own messages go
		}
		if err := tx.CreateSeller(ctx, &s); err != nil {
			return who, s, s, fmt.Errorf("create seller: %w", err)
		}
		if who, err = c.addOwner(ctx, tx, s, in); err != nil {
			return who, s, s, fmt.Errorf("create seller: %w", err)
		}
		c.log.Info("new seller", "platform", in.Platform, "seller", s.ID)
	case err != nil:
		return who, s, s, fmt.Errorf("load seller: %w", err)
	}
	s = asAccount(who)
	stored = who.Seller
	if in.ChatID != "" && !in.Public {
		s.ChatID = in.ChatID // where the seller talks to us privately
	}
	s.Unreachable = false // they just wrote to us
	if !s.LangSet && in.LangHint != "" {
		s.Lang = flows.ParseLang(in.LangHint)
	}
	if !s.TZSet && in.TZHint != "" && in.TZHint != s.TZ {
		if _, err := LoadZone(in.TZHint); err == nil {
			s.TZ = in.TZHint
		}
	}
	return who, s, stored, nil
}
