package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// runReminders runs the reminders concern's tests.
func runReminders(t *testing.T, open Open) {
	t.Run("SellerZoneAndTopics", func(t *testing.T) { testSellerZone(t, open(t)) })
	t.Run("RemindersPlannedOnce", func(t *testing.T) { testRemindersPlannedOnce(t, open(t)) })
	t.Run("RemindersDueInOrder", func(t *testing.T) { testRemindersDue(t, open(t)) })
	t.Run("StalledInMarkOrder", func(t *testing.T) { testStalled(t, open(t)) })
	t.Run("DatedAndOpenItems", func(t *testing.T) { testDatedItems(t, open(t)) })
	t.Run("RemindersFinishedInABatch", func(t *testing.T) { testRemindersFinished(t, open(t)) })
	t.Run("ExpiredItemReopened", func(t *testing.T) { testReopenExpired(t, open(t)) })
}

// newSeller stores a seller and returns it with its id.
func newSeller(t *testing.T, s bot.Store, user string) bot.Seller {
	sel := bot.Seller{Platform: "test", UserID: user, ChatID: "chat-" + user, Lang: flows.EN, CreatedAt: t0}
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.CreateSeller(ctx, &sel) })
	return sel
}

// A seller's time zone and the reminders they turned off are kept.
func testSellerZone(t *testing.T, s bot.Store) {
	sel := newSeller(t, s, "z")
	sel.TZ, sel.TZSet, sel.RemindersOff = "Europe/London", true, bot.TopicNudges|bot.TopicRules
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.SaveSeller(ctx, sel) })
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		got, err := tx.Seller(ctx, "test", "z")
		if err != nil {
			return err
		}
		if got.TZ != sel.TZ || !got.TZSet || got.RemindersOff != sel.RemindersOff {
			t.Errorf("seller = %+v, want zone %s set, off %b", got, sel.TZ, sel.RemindersOff)
		}
		return nil
	})
}

func reminder(seller int64, item string, kind bot.ReminderKind, target string, due time.Time) bot.Reminder {
	return bot.Reminder{SellerID: seller, Market: "m", Item: item, Kind: kind, Target: target, Due: due}
}

// keys shows reminders as item/kind/target, in order.
func keys(rs []bot.Reminder) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Item+"/"+string(r.Kind)+"/"+r.Target)
	}
	return strings.Join(out, " ")
}

// Planning an item again cancels its pending reminders of those kinds and
// no others; a key once finished is never planned again, and one pending
// keeps its time.
func testRemindersPlannedOnce(t *testing.T, s bot.Store) {
	a := newSeller(t, s, "a")
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	plan := func(item string, want ...bot.Reminder) {
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			return tx.PlanReminders(ctx, a.ID, "m", item, bot.ExpiryKinds, want)
		})
	}
	pending := func() string {
		var got []bot.Reminder
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			var err error
			got, err = tx.SellerReminders(ctx, a.ID)
			return err
		})
		return keys(got)
	}
	plan("x", reminder(a.ID, "x", bot.RemindExpiry7, "2026-12-10", day(4)), reminder(a.ID, "x", bot.RemindExpired, "2026-12-10", day(11)))
	plan("y", reminder(a.ID, "y", bot.RemindExpiry30, "2027-01-30", day(2)))
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		return tx.AddReminders(ctx, []bot.Reminder{reminder(a.ID, "", bot.RemindStall3, "t1", day(3))})
	})
	if got, want := pending(), "y/expiry-30/2027-01-30 /stall-3/t1 x/expiry-7/2026-12-10 x/expired/2026-12-10"; got != want {
		t.Errorf("pending = %s, want %s", got, want)
	}
	// x's 7-day reminder is sent; its date changes, then changes back.
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		return tx.FinishReminder(ctx, reminder(a.ID, "x", bot.RemindExpiry7, "2026-12-10", time.Time{}), bot.ReminderSent, day(4))
	})
	plan("x", reminder(a.ID, "x", bot.RemindExpired, "2027-06-30", day(200)))
	if got, want := pending(), "y/expiry-30/2027-01-30 /stall-3/t1 x/expired/2027-06-30"; got != want {
		t.Errorf("after a change, pending = %s, want %s", got, want)
	}
	plan("x", reminder(a.ID, "x", bot.RemindExpiry7, "2026-12-10", day(4)), reminder(a.ID, "x", bot.RemindExpired, "2026-12-10", day(11)))
	if got, want := pending(), "y/expiry-30/2027-01-30 /stall-3/t1 x/expired/2026-12-10"; got != want {
		t.Errorf("planned again, pending = %s, want %s (the 7-day one was sent)", got, want)
	}
	// Adding a pending key again keeps its time.
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		return tx.AddReminders(ctx, []bot.Reminder{reminder(a.ID, "", bot.RemindStall3, "t1", day(90))})
	})
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		rs, err := tx.SellerReminders(ctx, a.ID)
		if err != nil {
			return err
		}
		if len(rs) < 2 || !rs[1].Due.Equal(day(3)) {
			t.Errorf("the stall reminder moved when planned again: %+v", rs)
		}
		return nil
	})
}

// Due reminders come soonest first with their seller, at most as many as
// asked; a moved one is due at its new time, a finished one never again.
func testRemindersDue(t *testing.T, s bot.Store) {
	a, b := newSeller(t, s, "a"), newSeller(t, s, "b")
	b.TZ = "America/New_York"
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.SaveSeller(ctx, b) })
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		return tx.AddReminders(ctx, []bot.Reminder{
			reminder(a.ID, "x", bot.RemindExpiry7, "d", at(3)),
			reminder(b.ID, "x", bot.RemindExpiry7, "d", at(1)),
			reminder(a.ID, "y", bot.RemindExpiry1, "d", at(2)),
			reminder(b.ID, "y", bot.RemindExpiry1, "d", at(30)),
		})
	})
	due := func(h, limit int) string {
		var out []string
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			ds, err := tx.DueReminders(ctx, at(h), limit)
			for _, d := range ds {
				out = append(out, fmt.Sprintf("%s:%s@%d", d.Seller.UserID, d.Item, int(d.Due.Sub(t0).Hours())))
				if d.Seller.UserID == "b" && (d.Seller.TZ != b.TZ || d.Seller.ChatID != b.ChatID) {
					t.Errorf("due reminder's seller = %+v", d.Seller)
				}
			}
			return err
		})
		return strings.Join(out, " ")
	}
	next := func() time.Time {
		var n time.Time
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			var ok bool
			var err error
			n, ok, err = tx.NextReminder(ctx)
			if !ok && err == nil {
				n = time.Time{}
			}
			return err
		})
		return n
	}
	if got := due(0, 10); got != "" {
		t.Errorf("due before any = %s", got)
	}
	// Each comes with where its seller stands in its market: a reminder of
	// an item with its row alone.
	saveProgress(t, s, a.ID, "m", t0, "", bot.ItemRow{Item: "x", Status: flows.ItemDone, Number: "N", Expiry: "d"}, bot.ItemRow{Item: "y", Status: flows.ItemTodo})
	saveProgress(t, s, b.ID, "m", at(-5), "q1")
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		ds, err := tx.DueReminders(ctx, at(3), 10)
		for _, d := range ds {
			switch {
			case d.Seller.UserID == "a" && d.Item == "x":
				if d.Row != (bot.ItemRow{Item: "x", Status: flows.ItemDone, Number: "N", Expiry: "d"}) || d.Question != "" || !d.LastActivity.IsZero() {
					t.Errorf("a's x comes with %+v, %q, %s", d.Row, d.Question, d.LastActivity)
				}
			case d.Seller.UserID == "a":
				if d.Row.Item != "y" || d.Row.Status != flows.ItemTodo {
					t.Errorf("a's y comes with %+v", d.Row)
				}
			case d.Row != (bot.ItemRow{}) || d.Question != "" || !d.LastActivity.IsZero():
				t.Errorf("b's %s comes with %+v, %q, %s", d.Item, d.Row, d.Question, d.LastActivity)
			}
		}
		return err
	})
	if got, want := due(3, 10), "b:x@1 a:y@2 a:x@3"; got != want {
		t.Errorf("due = %s, want %s", got, want)
	}
	if got, want := due(3, 2), "b:x@1 a:y@2"; got != want {
		t.Errorf("due, at most 2 = %s, want %s", got, want)
	}
	if n := next(); !n.Equal(at(1)) {
		t.Errorf("next = %s, want %s", n, at(1))
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if err := tx.MoveReminder(ctx, reminder(b.ID, "x", bot.RemindExpiry7, "d", time.Time{}), at(20)); err != nil {
			return err
		}
		return tx.FinishReminder(ctx, reminder(a.ID, "y", bot.RemindExpiry1, "d", time.Time{}), bot.ReminderSkipped, at(3))
	})
	if got, want := due(25, 10), "a:x@3 b:x@20"; got != want {
		t.Errorf("after a move and a finish, due = %s, want %s", got, want)
	}
	if n := next(); !n.Equal(at(3)) {
		t.Errorf("next = %s, want %s", n, at(3))
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		for _, r := range []bot.Reminder{reminder(a.ID, "x", bot.RemindExpiry7, "d", time.Time{}), reminder(b.ID, "x", bot.RemindExpiry7, "d", time.Time{}),
			reminder(b.ID, "y", bot.RemindExpiry1, "d", time.Time{})} {
			if err := tx.FinishReminder(ctx, r, bot.ReminderSent, at(30)); err != nil {
				return err
			}
		}
		return nil
	})
	if n := next(); !n.IsZero() {
		t.Errorf("next with none pending = %s", n)
	}
	// A nudge comes with the onboarding's open question and last activity.
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		return tx.AddReminders(ctx, []bot.Reminder{reminder(b.ID, "", bot.RemindStall3, "t", at(40))})
	})
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		ds, err := tx.DueReminders(ctx, at(40), 10)
		if len(ds) != 1 || ds[0].Row != (bot.ItemRow{}) || ds[0].Question != "q1" || !ds[0].LastActivity.Equal(at(-5)) {
			t.Errorf("due nudge = %+v", ds)
		}
		return err
	})
}

// saveProgress stores an onboarding with the projection given.
func saveProgress(t *testing.T, s bot.Store, seller int64, market string, at time.Time, question string, items ...bot.ItemRow) {
	o := bot.Onboarding{SellerID: seller, Market: market, RulesVersion: "1", StartedAt: t0, UpdatedAt: at}
	p := bot.Projection{SellerID: seller, Market: market, Stage: flows.StageChecklist, Question: question, LastActivity: at, Items: items}
	if question != "" {
		p.Stage = flows.StageEligibility
	}
	o.Stage = p.Stage
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.SaveOnboarding(ctx, o, p) })
}

// The onboardings with a question open come by last activity, then
// seller and market, after the mark and up to the time given.
func testStalled(t *testing.T, s bot.Store) {
	a, b, c := newSeller(t, s, "a"), newSeller(t, s, "b"), newSeller(t, s, "c")
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	saveProgress(t, s, b.ID, "m1", at(1), "q1")
	saveProgress(t, s, a.ID, "m1", at(1), "q2")
	saveProgress(t, s, a.ID, "m2", at(2), "q1")
	saveProgress(t, s, c.ID, "m1", at(0), "") // at the checklist: never stalled
	saveProgress(t, s, c.ID, "m2", at(5), "q1")
	stalled := func(after bot.StallMark, before time.Time, limit int) string {
		var out []string
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			st, err := tx.Stalled(ctx, after, before, limit)
			for _, x := range st {
				out = append(out, fmt.Sprintf("%s:%s@%d", x.Seller.UserID, x.Market, int(x.LastActivity.Sub(t0).Hours())))
			}
			return err
		})
		return strings.Join(out, " ")
	}
	if got, want := stalled(bot.StallMark{}, at(4), 10), "a:m1@1 b:m1@1 a:m2@2"; got != want {
		t.Errorf("stalled = %s, want %s", got, want)
	}
	if got, want := stalled(bot.StallMark{At: at(1), SellerID: a.ID, Market: "m1"}, at(10), 2), "b:m1@1 a:m2@2"; got != want {
		t.Errorf("stalled after a:m1 = %s, want %s", got, want)
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		next, ok, err := tx.NextStall(ctx, bot.StallMark{At: at(2), SellerID: a.ID, Market: "m2"})
		if !ok || !next.Equal(at(5)) {
			t.Errorf("next stall = %s %v, want %s", next, ok, at(5))
		}
		if _, ok, _ := tx.NextStall(ctx, bot.StallMark{At: at(5), SellerID: c.ID, Market: "m2"}); ok {
			t.Error("a next stall after the last one")
		}
		return err
	})
}

// Items done with an expiry are listed in key order for planning, and by
// date for admins; sellers with an item open are listed by id.
func testDatedItems(t *testing.T, s bot.Store) {
	a, b := newSeller(t, s, "a"), newSeller(t, s, "b")
	saveProgress(t, s, a.ID, "m1", t0, "",
		bot.ItemRow{Item: "x", Status: flows.ItemDone, Number: "N1", Expiry: "2026-12-10"},
		bot.ItemRow{Item: "y", Status: flows.ItemTodo},
		bot.ItemRow{Item: "z", Status: flows.ItemDone, Expiry: "2027-03-01"})
	saveProgress(t, s, b.ID, "m1", t0, "",
		bot.ItemRow{Item: "x", Status: flows.ItemDone, Expiry: "2026-12-01"},
		bot.ItemRow{Item: "y", Status: flows.ItemTodo, Expiry: "2026-12-05"}) // reopened: not done
	saveProgress(t, s, b.ID, "m2", t0, "", bot.ItemRow{Item: "y", Status: flows.ItemTodo})
	// All of them, and the same a page of one at a time, in the same order.
	dated := func(limit int) string {
		var out []string
		after := ""
		for range 10 {
			var ds []bot.DatedItem
			update(t, s, func(ctx context.Context, tx bot.Tx) error {
				var err error
				ds, after, err = tx.DatedItems(ctx, after, limit)
				return err
			})
			for _, d := range ds {
				out = append(out, d.Seller.UserID+":"+d.Market+":"+d.Item+"="+d.Expiry)
			}
			if len(ds) < limit {
				break
			}
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	want := "a:m1:x=2026-12-10 a:m1:z=2027-03-01 b:m1:x=2026-12-01"
	if got := dated(10); got != want {
		t.Errorf("dated = %s, want %s", got, want)
	}
	if got := dated(1); got != want {
		t.Errorf("dated a page of one at a time = %s, want %s", got, want)
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		open, err := tx.OpenItem(ctx, "m1", "y", 0, 10)
		if len(open) != 2 || open[0].ID != a.ID || open[1].ID != b.ID {
			t.Errorf("open y in m1 = %+v", open)
		}
		if open, _ := tx.OpenItem(ctx, "m1", "y", a.ID, 10); len(open) != 1 || open[0].UserID != "b" {
			t.Errorf("open y in m1 after a = %+v", open)
		}
		if v, _ := tx.Mark(ctx, "k"); v != "" {
			t.Errorf("an unset mark = %q", v)
		}
		if err := tx.SetMark(ctx, "k", "1"); err != nil {
			return err
		}
		if err := tx.SetMark(ctx, "k", "2"); err != nil {
			return err
		}
		if v, _ := tx.Mark(ctx, "k"); v != "2" {
			t.Errorf("mark = %q, want 2", v)
		}
		return err
	})
	exp, err := s.ExpiringByMarket(context.Background(), "2026-12-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range exp {
		got = append(got, e.Seller.UserID+":"+e.Market+":"+e.Item+":"+e.Number+"="+e.Expiry)
	}
	if g, want := strings.Join(got, " "), "b:m1:x:=2026-12-01 a:m1:x:N1=2026-12-10"; g != want {
		t.Errorf("expiring = %s, want %s", g, want)
	}
}

// A batch of reminders is finished in one call: each with its outcome,
// never planned again, and the message of each one sent queued in the
// batch's order (set aside at once for a seller known to be unreachable).
// A sent reminder needs its message, and only a sent one has one.
func testRemindersFinished(t *testing.T, s bot.Store) {
	a, b := newSeller(t, s, "a"), newSeller(t, s, "b")
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	planned := []bot.Reminder{
		reminder(a.ID, "x", bot.RemindExpiry7, "d", at(1)),
		reminder(a.ID, "y", bot.RemindExpiry1, "d", at(1)),
		reminder(a.ID, "z", bot.RemindExpired, "d", at(1)),
		reminder(b.ID, "x", bot.RemindExpired, "d", at(1)),
		reminder(b.ID, "", bot.RemindStall3, "t", at(2)),
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.AddReminders(ctx, planned) })
	message := func(sel bot.Seller, text string) *bot.Reply {
		return &bot.Reply{Platform: sel.Platform, ChatID: sel.ChatID, SellerID: sel.ID, Kind: bot.KindAnnouncement,
			Blocks: []bot.Block{{Kind: bot.BlockText, Text: text}}, Text: text,
			Choices: []bot.Choice{{Label: "go", Ref: bot.ChoiceRef{Kind: bot.RefCommand, Choice: "checklist m"}}}}
	}
	unreachable := message(b, "to b")
	unreachable.Undeliverable = "unreachable"
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		return tx.FinishReminders(ctx, []bot.FinishedReminder{
			{Reminder: planned[2], Outcome: bot.ReminderSent, Message: message(a, "z first")},
			{Reminder: planned[1], Outcome: bot.ReminderSkipped},
			{Reminder: planned[0], Outcome: bot.ReminderSent, Message: message(a, "x second")},
			{Reminder: planned[3], Outcome: bot.ReminderSent, Message: unreachable},
		}, at(1))
	})
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if err := tx.AddReminders(ctx, planned); err != nil { // finished keys stay finished
			return err
		}
		ds, err := tx.DueReminders(ctx, at(10), 10)
		if len(ds) != 1 || ds[0].Reminder.Kind != bot.RemindStall3 {
			t.Errorf("after the batch, due = %+v, want b's stall only", ds)
		}
		return err
	})
	ctx := context.Background()
	got, err := s.Pending(ctx, a.Platform, a.ChatID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, r := range got {
		texts = append(texts, r.Text)
		if r.Kind != bot.KindAnnouncement || r.SellerID != a.ID || len(r.Choices) != 1 || r.Choices[0].Ref.Choice != "checklist m" {
			t.Errorf("queued message = %+v", r)
		}
	}
	if strings.Join(texts, ", ") != "z first, x second" {
		t.Errorf("a's messages = %q, want z first, x second (the batch's order)", texts)
	}
	if got, err := s.Pending(ctx, b.Platform, b.ChatID); err != nil || len(got) != 0 {
		t.Errorf("an unreachable seller's message is pending: %+v, %v", got, err)
	}
	for _, f := range []bot.FinishedReminder{
		{Reminder: planned[4], Outcome: bot.ReminderSent},
		{Reminder: planned[4], Outcome: bot.ReminderSkipped, Message: message(b, "no")},
	} {
		err := s.Update(ctx, func(tx bot.Tx) error { return tx.FinishReminders(ctx, []bot.FinishedReminder{f}, at(2)) })
		if err == nil {
			t.Errorf("finished %s with a message: %t, and no error", f.Outcome, f.Message != nil)
		}
	}
}

// An expired certificate reopens its item: the projection is written,
// the state and the last activity stay as they were; a row that is not
// the one done with that date is left alone; and what the onboarding row
// remembers of its rows says so, so that the seller's next save writes
// the row done again.
func testReopenExpired(t *testing.T, s bot.Store) {
	a := newSeller(t, s, "a")
	done := bot.ItemRow{Item: "x", Status: flows.ItemDone, Number: "N", Expiry: "2026-12-01"}
	other := bot.ItemRow{Item: "y", Status: flows.ItemDone, Number: "N", Expiry: "2026-12-01"}
	o := bot.Onboarding{SellerID: a.ID, Market: "m", RulesVersion: "1", Stage: flows.StageComplete, StartedAt: t0, UpdatedAt: t0}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		return tx.SaveOnboarding(ctx, o, bot.Projection{SellerID: a.ID, Market: "m", Stage: flows.StageComplete, LastActivity: t0,
			Items: []bot.ItemRow{done, other}})
	})
	var before bot.Onboarding
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		var err error
		before, err = tx.Onboarding(ctx, a.ID, "m")
		return err
	})
	expire := func(market string, row bot.ItemRow) (ok bool) {
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			var err error
			ok, err = tx.ExpireItem(ctx, a.ID, market, row)
			return err
		})
		return ok
	}
	for _, row := range []bot.ItemRow{{Item: "x", Status: flows.ItemDone, Number: "N", Expiry: "2026-12-02"}, {Item: "x", Status: flows.ItemDone, Number: "M", Expiry: "2026-12-01"}} {
		if expire("m", row) {
			t.Errorf("%+v expired, but the row says %+v", row, done)
		}
	}
	if expire("other", done) {
		t.Errorf("expired in a market not started")
	}
	if !expire("m", done) {
		t.Fatalf("%+v did not expire", done)
	}
	if expire("m", done) {
		t.Errorf("%+v expired twice", done)
	}
	reopened := done
	reopened.Status = flows.ItemTodo
	projection := func() bot.Projection {
		t.Helper()
		ps, err := s.Projections(context.Background(), "m")
		if err != nil || len(ps) != 1 {
			t.Fatalf("projections: %+v, %v", ps, err)
		}
		return ps[0]
	}
	if p := projection(); p.Stage != flows.StageChecklist || len(p.Items) != 2 || p.Items[0] != reopened || p.Items[1] != other || !p.LastActivity.Equal(t0) {
		t.Errorf("projection after the expiry = %+v", p)
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		after, err := tx.Onboarding(ctx, a.ID, "m")
		if err != nil {
			return err
		}
		if after.Stage != flows.StageChecklist || !after.UpdatedAt.Equal(before.UpdatedAt) || after.RulesVersion != before.RulesVersion {
			t.Errorf("onboarding after the expiry = %+v, before %+v", after, before)
		}
		// The seller's next save, as before the expiry: the row is done again.
		return tx.SaveOnboarding(ctx, after, bot.Projection{SellerID: a.ID, Market: "m", Stage: flows.StageComplete, LastActivity: t0,
			Items: []bot.ItemRow{done, other}})
	})
	if p := projection(); p.Stage != flows.StageComplete || len(p.Items) != 2 || p.Items[0] != done {
		t.Errorf("projection saved after the expiry = %+v", p)
	}
}
