// Package storetest is the conformance suite every store must pass: it
// drives a bot.Store only through its contract (and the real core), so a
// second store (PostgreSQL) is checked by the same tests as SQLite.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/flows"
)

// Open returns a new, empty store for one test, closed when it ends.
type Open func(t *testing.T) bot.Store

// Run runs the suite against the stores open makes.
func Run(t *testing.T, open Open) {
	t.Run("ClaimDedupes", func(t *testing.T) { testClaimDedupes(t, open(t)) })
	t.Run("RollsBackOnError", func(t *testing.T) { testRollsBack(t, open(t)) })
	t.Run("AnnouncementMarketsKeepTheirOrder", func(t *testing.T) { testAnnouncementMarkets(t, open(t)) })
	t.Run("ProjectionsFollowTheState", func(t *testing.T) { testProjections(t, open(t)) })
	t.Run("MutedSubscribersApart", func(t *testing.T) { testMutedSubscribers(t, open(t)) })
	t.Run("HistoryInPages", func(t *testing.T) { testHistoryPages(t, open(t)) })
	t.Run("PruneClaims", func(t *testing.T) { testPruneClaims(t, open(t)) })
	runReports(t, open)
	for _, batch := range []int{1, 2, 500} {
		t.Run(fmt.Sprintf("PruneOutbox/batch=%d", batch), func(t *testing.T) { testPruneOutbox(t, open(t), batch) })
	}
	t.Run("Reminders", func(t *testing.T) { runReminders(t, open) })
	t.Run("Accounts", func(t *testing.T) { runAccounts(t, open) })
}

var t0 = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func update(t *testing.T, s bot.Store, fn func(ctx context.Context, tx bot.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx bot.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func testClaimDedupes(t *testing.T, s bot.Store) {
	claim := func(platform, id string) bool {
		var fresh bool
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			var err error
			fresh, err = tx.Claim(ctx, platform, id, t0)
			return err
		})
		return fresh
	}
	if !claim("telegram", "1") {
		t.Error("first delivery not fresh")
	}
	if claim("telegram", "1") {
		t.Error("second delivery fresh")
	}
	if !claim("slack", "1") {
		t.Error("the same id on another platform is a different update")
	}
}

func testRollsBack(t *testing.T, s bot.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx bot.Tx) error {
		if _, err := tx.Claim(ctx, "telegram", "7", t0); err != nil {
			return err
		}
		sel := bot.Seller{Platform: "telegram", UserID: "7", CreatedAt: t0}
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		r := bot.Reply{Platform: "telegram", ChatID: "7", SellerID: sel.ID, Kind: bot.KindReply, Text: "never"}
		if err := tx.Enqueue(ctx, &r, t0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if _, err := tx.Seller(ctx, "telegram", "7"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("seller survived the rollback: %v", err)
		}
		if fresh, _ := tx.Claim(ctx, "telegram", "7", t0); !fresh {
			t.Error("claim survived the rollback: a redelivery would be dropped")
		}
		return nil
	})
	if p, err := s.Pending(ctx, "telegram", "7"); err != nil || len(p) != 0 {
		t.Errorf("a rolled-back reply is pending: %v, %v", p, err)
	}
}

func testAnnouncementMarkets(t *testing.T, s bot.Store) {
	a := bot.Announcement{Markets: []string{"tiktok-uk", "amazon-de", "shopee-my"}, Text: flows.Text{EN: "x"}, CreatedBy: "shell", CreatedAt: t0}
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.CreateAnnouncement(ctx, &a) })
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		got, err := tx.Announcements(ctx, 10)
		if err != nil {
			return err
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0].Markets, a.Markets) {
			t.Errorf("announcements = %+v, want markets %v", got, a.Markets)
		}
		return nil
	})
}

// testMutedSubscribers: a seller who muted a market is listed by
// MutedSubscribers and not by Subscribers, for that market only.
func testMutedSubscribers(t *testing.T, s bot.Store) {
	fsys, dir := markets.EmbeddedRules()
	catalog, err := markets.LoadRules(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	core := bot.New(s, catalog, bot.WithClock(func() time.Time { return t0 }))
	for _, in := range []struct{ user, text string }{
		{"a", "/onboard tiktok-uk"}, {"b", "/onboard tiktok-uk"}, {"b", "/onboard tiktok-id"}, {"b", "/mute tiktok-uk"}, {"c", "/onboard amazon-de"},
	} {
		if _, err := core.Handle(context.Background(), bot.Inbound{Platform: "test", UserID: in.user, ChatID: in.user, Text: in.text}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(subs []bot.Subscriber) string {
		var out []string
		for _, sub := range subs {
			out = append(out, sub.Seller.UserID+":"+sub.Onboarding.Market)
		}
		return strings.Join(out, " ")
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		markets := []string{"tiktok-uk", "tiktok-id"}
		subs, err := tx.Subscribers(ctx, markets)
		if err != nil {
			return err
		}
		muted, err := tx.MutedSubscribers(ctx, markets)
		if err != nil {
			return err
		}
		if got := list(subs); got != "a:tiktok-uk b:tiktok-id" {
			t.Errorf("Subscribers = %s", got)
		}
		if got := list(muted); got != "b:tiktok-uk" || !muted[0].Onboarding.Muted {
			t.Errorf("MutedSubscribers = %s (%+v)", got, muted)
		}
		return nil
	})
}

// testHistoryPages reads a history a page at a time, the latest first.
func testHistoryPages(t *testing.T, s bot.Store) {
	sel := bot.Seller{Platform: "telegram", UserID: "9", CreatedAt: t0}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		for i := 1; i <= 5; i++ {
			for _, m := range []string{"tiktok-uk", "amazon-de"} {
				e := bot.HistoryEntry{SellerID: sel.ID, Market: m, Action: bot.ActionAnswer, Question: "q", Value: fmt.Sprint(i), At: t0.Add(time.Duration(i) * time.Minute), By: "member " + fmt.Sprint(i)}
				if err := tx.AppendHistory(ctx, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for _, c := range []struct {
		offset, limit int
		want          string
	}{
		{0, 2, "4 5"}, {1, 2, "3 4"}, {3, 2, "1 2"}, {4, 2, "1"}, {5, 2, ""}, {0, 20, "1 2 3 4 5"},
	} {
		h, total, err := s.History(context.Background(), sel.ID, "tiktok-uk", c.offset, c.limit)
		var got []string
		for _, e := range h {
			if i, _ := strconv.Atoi(e.Value); e.Market != "tiktok-uk" || !e.At.Equal(t0.Add(time.Duration(i)*time.Minute)) || e.By != "member "+e.Value {
				t.Errorf("entry %+v", e)
			}
			got = append(got, e.Value)
		}
		if err != nil || total != 5 || strings.Join(got, " ") != c.want {
			t.Errorf("History(offset %d, limit %d) = %v of %d, %v; want %s of 5", c.offset, c.limit, got, total, err, c.want)
		}
	}
	if h, total, err := s.History(context.Background(), sel.ID, "shopee-my", 0, 20); err != nil || total != 0 || len(h) != 0 {
		t.Errorf("History of a market never started = %v of %d, %v", h, total, err)
	}
}

// testPruneClaims prunes claims older than a bound, a few per batch: a
// redelivery of an old update is then new, a younger one still a duplicate.
func testPruneClaims(t *testing.T, s bot.Store) {
	ctx := context.Background()
	before := t0.Add(7 * 24 * time.Hour)
	young := func(i int) bool { return i%10 == 3 }
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		for i := range 53 {
			at := t0
			if young(i) {
				at = before // not before before: kept
			}
			for _, p := range []string{"slack", "telegram"} {
				if _, err := tx.Claim(ctx, p, fmt.Sprintf("u%02d", i), at); err != nil {
					return err
				}
			}
		}
		return nil
	})
	n, err := s.Prune(ctx, bot.PruneBefore{Claims: before, Outbox: t0}, 7)
	if err != nil || n.Claims != 2*(53-5) || n.Messages != 0 {
		t.Fatalf("Prune = %+v, %v; want %d claims", n, err, 2*(53-5))
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		for i := range 53 {
			for _, p := range []string{"slack", "telegram"} {
				fresh, err := tx.Claim(ctx, p, fmt.Sprintf("u%02d", i), before)
				if err != nil {
					return err
				}
				if fresh == young(i) {
					t.Errorf("after pruning, a redelivery of %s u%02d is fresh: %v", p, i, fresh)
				}
			}
		}
		return nil
	})
}

// testPruneOutbox prunes delivered and set-aside messages older than a
// bound, a few per batch, and keeps the rest: messages still to send,
// younger ones, the messages of an announcement being delivered (and its
// progress message) or of the latest bot.RecentAnnouncements.
func testPruneOutbox(t *testing.T, s bot.Store, batch int) {
	ctx := context.Background()
	before := t0.Add(30 * 24 * time.Hour)
	var sellers [3]bot.Seller
	var gone, kept []int64
	var sent, failed []int64
	queue := func(tx bot.Tx, r bot.Reply, at time.Time) int64 {
		if err := tx.Enqueue(ctx, &r, at); err != nil || r.ID == 0 {
			t.Fatalf("enqueue: %v", err)
		}
		return r.ID
	}
	reply := func(tx bot.Tx, i int, at time.Time) int64 {
		return queue(tx, bot.Reply{Platform: "telegram", ChatID: sellers[i].UserID, SellerID: sellers[i].ID, Kind: bot.KindReply, Text: "r"}, at)
	}
	// announce queues an announcement to every seller, old and delivered;
	// finished or not.
	announce := func(tx bot.Tx, finished bool) (bot.Announcement, []int64) {
		a := bot.Announcement{Markets: []string{"tiktok-uk"}, Text: flows.Text{EN: "a"}, CreatedBy: "shell", CreatedAt: t0, Recipients: len(sellers)}
		if err := tx.CreateAnnouncement(ctx, &a); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, sel := range sellers {
			ids = append(ids, queue(tx, bot.Reply{Platform: "telegram", ChatID: sel.UserID, SellerID: sel.ID, Kind: bot.KindAnnouncement, Announcement: a.ID, Text: "a"}, t0))
		}
		sent = append(sent, ids...)
		if finished {
			if err := tx.FinishAnnouncement(ctx, a.ID, t0); err != nil {
				t.Fatal(err)
			}
		}
		return a, ids
	}
	var recent bot.Announcement
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		for i := range sellers {
			sellers[i] = bot.Seller{Platform: "telegram", UserID: fmt.Sprint(i), CreatedAt: t0}
			if err := tx.CreateSeller(ctx, &sellers[i]); err != nil {
				return err
			}
		}
		for i := range 5 { // delivered, set aside, still to send
			id := reply(tx, i%3, t0)
			switch i % 3 {
			case 0:
				sent, gone = append(sent, id), append(gone, id)
			case 1:
				failed, gone = append(failed, id), append(gone, id)
			case 2:
				kept = append(kept, id)
			}
		}
		old, ids := announce(tx, true) // old, delivered, and soon not among the latest
		gone = append(gone, ids...)
		progress := queue(tx, bot.Reply{Platform: "telegram", ChatID: "0", SellerID: sellers[0].ID, Kind: bot.KindReply, StatusOf: old.ID, Text: "p"}, t0)
		sent, gone = append(sent, progress), append(gone, progress)
		for range bot.RecentAnnouncements - 2 { // with the two below, the latest
			_, ids := announce(tx, true)
			kept = append(kept, ids...)
		}
		for i := range 4 {
			id := reply(tx, i%3, t0)
			sent, gone = append(sent, id), append(gone, id)
		}
		active, ids := announce(tx, false) // old, still being delivered
		kept = append(kept, ids...)
		progress = queue(tx, bot.Reply{Platform: "telegram", ChatID: "0", SellerID: sellers[0].ID, Kind: bot.KindReply, StatusOf: active.ID, Text: "p"}, t0)
		sent, kept = append(sent, progress), append(kept, progress)
		for i := range 3 {
			id := reply(tx, i%3, t0)
			sent, gone = append(sent, id), append(gone, id)
		}
		recent, ids = announce(tx, true) // the latest
		kept = append(kept, ids...)
		for i := range 3 {
			id := reply(tx, i%3, t0)
			failed, gone = append(failed, id), append(gone, id)
		}
		id := reply(tx, 0, before) // young
		sent, kept = append(sent, id), append(kept, id)
		id = reply(tx, 1, t0) // old, but after a young one: left for the next round
		sent, kept = append(sent, id), append(kept, id)
		return nil
	})
	if err := s.MarkSent(ctx, sent, t0); err != nil {
		t.Fatal(err)
	}
	for _, id := range failed {
		if err := s.MarkFailed(ctx, id, "chat not found", t0); err != nil {
			t.Fatal(err)
		}
	}
	var stats bot.DeliveryStats
	update(t, s, func(ctx context.Context, tx bot.Tx) (err error) { stats, err = tx.Stats(ctx, recent.ID); return err })

	n, err := s.Prune(ctx, bot.PruneBefore{Claims: t0, Outbox: before}, batch)
	if err != nil || n.Claims != 0 || n.Messages != len(gone) {
		t.Errorf("Prune = %+v, %v; want %d messages", n, err, len(gone))
	}
	for _, c := range []struct {
		ids  []int64
		kept bool
	}{{gone, false}, {kept, true}} {
		for _, id := range c.ids {
			_, err := s.Outgoing(ctx, id)
			if errors.Is(err, bot.ErrNotFound) == c.kept {
				t.Errorf("message %d: kept %v, want %v (%v)", id, !errors.Is(err, bot.ErrNotFound), c.kept, err)
			}
		}
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if got, err := tx.Stats(ctx, recent.ID); err != nil || got != stats || got.Sent != len(sellers) {
			t.Errorf("the latest announcement's counts: %+v, %v; before pruning %+v", got, err, stats)
		}
		return nil
	})
	if n, err := s.Prune(ctx, bot.PruneBefore{Claims: t0, Outbox: before}, batch); err != nil || n.Messages != 0 {
		t.Errorf("a second Prune = %+v, %v; want nothing left to prune", n, err)
	}
}

// testProjections replays random conversations through the real core and,
// after every message, compares the store's projection rows with the
// projection worked out from the stored state: they must never disagree.
func testProjections(t *testing.T, s bot.Store) {
	fsys, dir := markets.EmbeddedRules()
	catalog, err := markets.LoadRules(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	core := bot.New(s, catalog, bot.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(11, 29))
	ids := make([]string, 0, len(catalog.Markets()))
	for _, m := range catalog.Markets() {
		ids = append(ids, m.ID)
	}
	sellers := []string{"a", "b", "c", "d"}
	current := map[string]string{} // seller -> market they onboard now
	messages := 1200
	if testing.Short() {
		messages = 300
	}
	for i := range messages {
		user := sellers[rng.IntN(len(sellers))]
		text := randomInput(rng, catalog, ids, current, user)
		if strings.HasPrefix(text, "/onboard ") || strings.HasPrefix(text, "/restart ") {
			current[user] = strings.Fields(text)[1]
		}
		now = now.Add(time.Duration(rng.IntN(48)) * time.Hour)
		if _, err := core.Handle(ctx, bot.Inbound{Platform: "test", UserID: user, ChatID: "chat-" + user, Text: text,
			UpdateID: fmt.Sprint(i)}); err != nil {
			t.Fatalf("message %d %q from %s: %v", i, text, user, err)
		}
		if i%10 == 9 || i == messages-1 {
			compareProjections(t, s, catalog, i)
		}
	}
}

// randomInput is what a seller might type: mostly answers by number or by
// choice id, sometimes a date or a command that moves them around.
func randomInput(rng *rand.Rand, catalog *flows.Catalog, ids []string, current map[string]string, user string) string {
	m, ok := catalog.Market(current[user])
	switch r := rng.IntN(100); {
	case !ok || r < 6:
		return "/onboard " + ids[rng.IntN(len(ids))]
	case r < 10:
		return "/back"
	case r < 12:
		return "/restart " + m.ID
	case r < 24 && len(m.Items) > 0:
		it := m.Items[rng.IntN(len(m.Items))].ID
		switch rng.IntN(4) {
		case 0:
			return "/na " + it
		case 1:
			return "/todo " + it
		case 2:
			return fmt.Sprintf("/done %s REF%d 2027-0%d-15", it, rng.IntN(1000), 1+rng.IntN(9))
		}
		return "/done " + it
	case r < 30:
		return fmt.Sprintf("20%d-%02d-%02d", 26+rng.IntN(4), 1+rng.IntN(12), 1+rng.IntN(28))
	case r < 40 && len(m.Categories) > 1:
		return m.Categories[0].ID + "," + m.Categories[1+rng.IntN(len(m.Categories)-1)].ID
	}
	return fmt.Sprint(1 + rng.IntN(4))
}

func compareProjections(t *testing.T, s bot.Store, catalog *flows.Catalog, msg int) {
	t.Helper()
	ctx := context.Background()
	got, err := s.Projections(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]bot.Projection{}
	for _, p := range got {
		byKey[fmt.Sprint(p.SellerID, "/", p.Market)] = p
	}
	n := 0
	for _, user := range []string{"a", "b", "c", "d"} {
		var seller bot.Seller
		var all []bot.Onboarding
		err := s.Update(ctx, func(tx bot.Tx) error {
			var err error
			if seller, err = tx.Seller(ctx, "test", user); errors.Is(err, bot.ErrNotFound) {
				return nil
			} else if err != nil {
				return err
			}
			all, err = tx.Onboardings(ctx, seller.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range all {
			n++
			m, _ := catalog.Market(o.Market)
			// The projection is worked out when the state is saved; items
			// whose date passed since then are the reminders' business.
			want := bot.Project(m, o, o.UpdatedAt)
			p, ok := byKey[fmt.Sprint(o.SellerID, "/", o.Market)]
			if !ok {
				t.Fatalf("after message %d: no projection for %s in %s", msg, user, o.Market)
			}
			p.LastActivity, want.LastActivity = p.LastActivity.UTC(), want.LastActivity.UTC()
			if !reflect.DeepEqual(p, want) {
				t.Fatalf("after message %d: %s in %s:\n  stored  %+v\n  derived %+v", msg, user, o.Market, p, want)
			}
		}
	}
	if len(got) != n {
		t.Fatalf("after message %d: %d projections for %d onboardings", msg, len(got), n)
	}
}
