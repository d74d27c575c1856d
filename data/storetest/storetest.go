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
	t.Run("HistoryInPages", func(t *testing.T) { testHistoryPages(t, open(t)) })
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

// testHistoryPages reads a history a page at a time, the latest first.
func testHistoryPages(t *testing.T, s bot.Store) {
	sel := bot.Seller{Platform: "telegram", UserID: "9", CreatedAt: t0}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		for i := 1; i <= 5; i++ {
			for _, m := range []string{"tiktok-uk", "amazon-de"} {
				e := bot.HistoryEntry{SellerID: sel.ID, Market: m, Action: bot.ActionAnswer, Question: "q", Value: fmt.Sprint(i), At: t0.Add(time.Duration(i) * time.Minute)}
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
			if i, _ := strconv.Atoi(e.Value); e.Market != "tiktok-uk" || !e.At.Equal(t0.Add(time.Duration(i)*time.Minute)) {
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
