package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// RemindBatch is how many reminders (or planned rows) one transaction
// handles at most, so a seller's message never waits long behind one.
const RemindBatch = 200

// RemindEvery is the longest the reminder job sleeps: a date recorded by
// another process (onboardbot chat on the same file) wakes no one here.
const RemindEvery = time.Hour

// Reminders is the job that plans and sends reminders. Each round it
// plans, once, the reminders of certificates recorded before reminders
// existed; plans the nudges of onboardings that have stalled 3 days; plans
// the reminders of rules that take effect in 30 and 7 days for the
// sellers who have them open; and hands the reminders due to the core a
// batch at a time (bot.Core.RemindAll), which queues each message in the
// transaction that finishes its reminder. It then sleeps until the next one is due, or until alarm
// goes off (the core planned reminders), or RemindEvery.
func Reminders(store bot.Store, core *bot.Core, alarm *Alarm, notify bot.Notifier, now func() time.Time, log *slog.Logger) Job {
	r := &reminders{store: store, core: core, notify: notify, now: now, log: log}
	j := Job{Name: "reminders", Every: RemindEvery, Run: r.round, Until: r.until}
	if alarm != nil {
		j.Wake = alarm.C()
	}
	return j
}

type reminders struct {
	store  bot.Store
	core   *bot.Core
	notify bot.Notifier
	now    func() time.Time
	log    *slog.Logger
	// finished holds the marks this job saw done: a mark once done stays
	// so, and a round need not read it again.
	finished sync.Map
}

// doneWith reads a mark in tx unless it was seen done, and reports
// whether it is done and, if not, its value.
func (r *reminders) doneWith(ctx context.Context, tx bot.Tx, name string) (bool, string, error) {
	if _, ok := r.finished.Load(name); ok {
		return true, doneMark, nil
	}
	v, err := tx.Mark(ctx, name)
	if err != nil {
		return false, "", err
	}
	if v == doneMark {
		r.finished.Store(name, true)
		return true, v, nil
	}
	return false, v, nil
}

// Marks: the certificates of before planned, and the stall scan's place.
const (
	markDated  = "dated-items"
	markStalls = "stalls"
	doneMark   = "done"
)

func (r *reminders) round(ctx context.Context) error {
	now := r.now().UTC()
	if err := r.planDated(ctx, now); err != nil {
		return err
	}
	if err := r.planStalls(ctx, now); err != nil {
		return err
	}
	if err := r.planRules(ctx, now); err != nil {
		return err
	}
	return r.send(ctx, now)
}

// planDated plans, once per database, the reminders of every certificate
// recorded before reminders existed: those still ahead, and at once the
// latest whose day has come (nobody told the seller). Its mark is where it
// got to, so a restart goes on from there.
func (r *reminders) planDated(ctx context.Context, now time.Time) error {
	if _, ok := r.finished.Load(markDated); ok {
		return nil
	}
	for {
		more := false
		err := r.store.Update(ctx, func(tx bot.Tx) error {
			more = false
			done, mark, err := r.doneWith(ctx, tx, markDated)
			if err != nil || done {
				return err
			}
			items, next, err := tx.DatedItems(ctx, mark, RemindBatch)
			if err != nil {
				return err
			}
			var plan []bot.Reminder
			for _, d := range items {
				plan = append(plan, r.core.Reminding().ExpiryReminders(d.Seller.ID, d.Market, d.Item, d.Expiry, now, r.core.Zone(d.Seller), true)...)
			}
			if err := tx.AddReminders(ctx, plan); err != nil {
				return err
			}
			if more = len(items) == RemindBatch; !more {
				next = doneMark
			}
			return tx.SetMark(ctx, markDated, next)
		})
		if err != nil {
			return fmt.Errorf("plan reminders of certificates recorded before: %w", err)
		}
		if !more {
			return nil
		}
	}
}

// stallFirst is how long after an onboarding's last activity its first
// nudge comes: the stall scan takes it then.
var stallFirst = time.Duration(bot.RemindStall3.Days()) * 24 * time.Hour

// planStalls plans the nudges of the onboardings whose last activity,
// with a question open, is at least 3 days old, in the order of that
// activity: its mark is the last one planned. A seller who answers again
// comes back in that order, with a new activity and new nudges; the old
// ones no longer apply. The first scan of a database starts where a
// nudge could still come.
func (r *reminders) planStalls(ctx context.Context, now time.Time) error {
	for {
		more := false
		err := r.store.Update(ctx, func(tx bot.Tx) error {
			more = false
			after, err := stallMark(ctx, tx, now)
			if err != nil {
				return err
			}
			stalls, err := tx.Stalled(ctx, after, now.Add(-stallFirst), RemindBatch)
			if err != nil || len(stalls) == 0 {
				return err
			}
			var plan []bot.Reminder
			for _, s := range stalls {
				target := s.LastActivity.UTC().Format(time.RFC3339Nano)
				for _, k := range bot.StallKinds {
					due, ok := r.core.Reminding().Due(k, target, r.core.Zone(s.Seller))
					if ok && now.Sub(due) <= bot.StallGrace {
						plan = append(plan, bot.Reminder{SellerID: s.Seller.ID, Market: s.Market, Kind: k, Target: target, Due: due})
					}
				}
			}
			if err := tx.AddReminders(ctx, plan); err != nil {
				return err
			}
			last := stalls[len(stalls)-1]
			more = len(stalls) == RemindBatch
			return setStallMark(ctx, tx, bot.StallMark{At: last.LastActivity, SellerID: last.Seller.ID, Market: last.Market})
		})
		if err != nil {
			return fmt.Errorf("plan nudges: %w", err)
		}
		if !more {
			return nil
		}
	}
}

// stallMark reads the stall scan's place; a database scanned for the
// first time starts as far back as a 14-day nudge could still come.
func stallMark(ctx context.Context, tx bot.Tx, now time.Time) (bot.StallMark, error) {
	var m bot.StallMark
	v, err := tx.Mark(ctx, markStalls)
	if err != nil {
		return m, err
	}
	if v == "" {
		m.At = now.AddDate(0, 0, -bot.RemindStall14.Days()).Add(-bot.StallGrace)
		return m, setStallMark(ctx, tx, m)
	}
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return m, fmt.Errorf("read mark %s: %w", markStalls, err)
	}
	return m, nil
}

func setStallMark(ctx context.Context, tx bot.Tx, m bot.StallMark) error {
	b, _ := json.Marshal(m)
	return tx.SetMark(ctx, markStalls, string(b))
}

// earliestZone is how far ahead of UTC a day can start (UTC+14): the
// reminders of a day are planned before that day starts anywhere.
const earliestZone = 14 * time.Hour

// ruleFanout is one of a future rule's reminders to plan for everyone who
// has its item open, at when.
type ruleFanout struct {
	market, item, effective string
	kind                    bot.ReminderKind
	when                    time.Time // the day starts in the earliest zone
	inForce                 time.Time
}

func (f ruleFanout) mark() string {
	return "rule/" + f.market + "/" + f.item + "/" + f.effective + "/" + string(f.kind)
}

// ruleFanouts lists the reminders of every rule of the catalog not in
// force yet.
func ruleFanouts(catalog *flows.Catalog, now time.Time) []ruleFanout {
	var out []ruleFanout
	for _, m := range catalog.Markets() {
		for i := range m.Items {
			it := &m.Items[i]
			e, err := flows.ParseDate(it.Effective)
			if err != nil || !e.After(now) {
				continue
			}
			for _, k := range bot.RuleKinds {
				out = append(out, ruleFanout{market: m.ID, item: it.ID, effective: it.Effective, kind: k,
					when: e.AddDate(0, 0, -k.Days()).Add(-earliestZone), inForce: e})
			}
		}
	}
	return out
}

// planRules plans, for each rule that takes effect in 30 (or 7) days,
// its reminder to every seller who has its item open, before the day of
// the reminder starts anywhere; its mark is the last seller planned. A
// seller whose checklist gets the item after that hears of it there.
func (r *reminders) planRules(ctx context.Context, now time.Time) error {
	for _, f := range ruleFanouts(r.core.Catalog(), now) {
		if _, ok := r.finished.Load(f.mark()); ok || now.Before(f.when) {
			continue
		}
		for {
			more := false
			err := r.store.Update(ctx, func(tx bot.Tx) error {
				more = false
				done, mark, err := r.doneWith(ctx, tx, f.mark())
				if err != nil || done {
					return err
				}
				var after int64
				fmt.Sscan(mark, &after)
				sellers, err := tx.OpenItem(ctx, f.market, f.item, after, RemindBatch)
				if err != nil {
					return err
				}
				var plan []bot.Reminder
				for _, s := range sellers {
					if due, ok := r.core.Reminding().Due(f.kind, f.effective, r.core.Zone(s)); ok {
						plan = append(plan, bot.Reminder{SellerID: s.ID, Market: f.market, Item: f.item, Kind: f.kind, Target: f.effective, Due: due})
					}
				}
				if err := tx.AddReminders(ctx, plan); err != nil {
					return err
				}
				next := doneMark
				if len(sellers) == RemindBatch {
					next, more = fmt.Sprint(sellers[len(sellers)-1].ID), true
				}
				return tx.SetMark(ctx, f.mark(), next)
			})
			if err != nil {
				return fmt.Errorf("plan reminders of %s in %s: %w", f.item, f.market, err)
			}
			if !more {
				break
			}
		}
	}
	return nil
}

// send hands the reminders due to the core a batch at a time, one
// transaction each (bot.Core.RemindAll), and tells the dispatchers of the
// messages once each batch is committed.
func (r *reminders) send(ctx context.Context, now time.Time) error {
	for {
		var queued []bot.DueReminder
		n := 0
		err := r.store.Update(ctx, func(tx bot.Tx) error {
			queued, n = nil, 0
			due, err := tx.DueReminders(ctx, now, RemindBatch)
			if err != nil {
				return err
			}
			n = len(due)
			outcomes, err := r.core.RemindAll(ctx, tx, due, now)
			if err != nil {
				return err
			}
			for i, d := range due {
				if outcomes[i] == bot.RemindQueued {
					queued = append(queued, d)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("send reminders: %w", err)
		}
		chats := map[string][]string{}
		for _, d := range queued {
			chats[d.Seller.Platform] = append(chats[d.Seller.Platform], d.Seller.ChatID)
		}
		for platform, ids := range chats {
			r.notify.Notify(platform, ids...)
		}
		if len(queued) > 0 {
			r.log.Info("reminders queued", "count", len(queued))
		}
		if n < RemindBatch {
			return nil
		}
	}
}

// nothingPlanned is what until says when no work is planned at all: the
// job's Every bounds the sleep.
const nothingPlanned = 365 * 24 * time.Hour

// until is how long until the next reminder is due, the next stall is
// 3 days old or the next rule's reminders are planned.
func (r *reminders) until(ctx context.Context) (time.Duration, error) {
	now := r.now().UTC()
	next := now.Add(nothingPlanned)
	err := r.store.Update(ctx, func(tx bot.Tx) error {
		next = now.Add(nothingPlanned)
		if due, ok, err := tx.NextReminder(ctx); err != nil {
			return err
		} else if ok && due.Before(next) {
			next = due
		}
		after, err := stallMark(ctx, tx, now)
		if err != nil {
			return err
		}
		if at, ok, err := tx.NextStall(ctx, after); err != nil {
			return err
		} else if ok && at.Add(stallFirst).Before(next) {
			next = at.Add(stallFirst)
		}
		for _, f := range ruleFanouts(r.core.Catalog(), now) {
			if f.when.Before(next) {
				if done, _, err := r.doneWith(ctx, tx, f.mark()); err != nil {
					return err
				} else if !done {
					next = f.when
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("next reminder: %w", err)
	}
	return next.Sub(now), nil
}
