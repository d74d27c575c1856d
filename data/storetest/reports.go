package storetest

// The reports the admins' pages read, and the dashboard's own rows.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

func runReports(t *testing.T, open Open) {
	t.Run("ReportFunnel", func(t *testing.T) { testFunnel(t, open(t)) })
	t.Run("ReportStuckAndNudges", func(t *testing.T) { testStuck(t, open(t)) })
	t.Run("ReportStopsItemsExpiring", func(t *testing.T) { testStopsItems(t, open(t)) })
	t.Run("ReportAnnouncementsAndMessages", func(t *testing.T) { testAnnouncementReport(t, open(t)) })
	t.Run("DashboardLoginsAndSessions", func(t *testing.T) { testLogins(t, open(t)) })
	t.Run("ReportMarketProjectionsAndFiles", func(t *testing.T) { testMarketProjections(t, open(t)) })
}

// progress is one seller's onboarding as the reports see it.
type progress struct {
	platform, user, market string
	stage                  flows.Stage
	question, stop         string
	started, updated       time.Time
	items                  []bot.ItemRow
}

// seed stores sellers' progress straight through the store's contract and
// returns the sellers' ids by user.
func seed(t *testing.T, s bot.Store, list []progress) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		for _, p := range list {
			sel, err := tx.Seller(ctx, p.platform, p.user)
			if errors.Is(err, bot.ErrNotFound) {
				sel = bot.Seller{Platform: p.platform, UserID: p.user, ChatID: "chat-" + p.user, Lang: flows.ZH, CreatedAt: p.started}
				err = tx.CreateSeller(ctx, &sel)
			}
			if err != nil {
				return err
			}
			ids[p.user] = sel.ID
			o := bot.Onboarding{SellerID: sel.ID, Market: p.market, RulesVersion: "1", Stage: p.stage, StartedAt: p.started, UpdatedAt: p.updated}
			proj := bot.Projection{SellerID: sel.ID, Market: p.market, Stage: p.stage, Question: p.question, StopQuestion: p.stop,
				LastActivity: p.updated, Items: p.items}
			if err := tx.SaveOnboarding(ctx, o, proj); err != nil {
				return err
			}
		}
		return nil
	})
	return ids
}

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

func testFunnel(t *testing.T, s bot.Store) {
	seed(t, s, []progress{
		{platform: "telegram", user: "a", market: "uk", stage: flows.StageEligibility, started: day(0), updated: day(0)},
		{platform: "telegram", user: "b", market: "uk", stage: flows.StageLogistics, started: day(1), updated: day(1)},
		{platform: "slack", user: "c", market: "uk", stage: flows.StageCategories, started: day(2), updated: day(2)},
		{platform: "slack", user: "d", market: "uk", stage: flows.StageChecklist, started: day(3), updated: day(3)},
		{platform: "telegram", user: "e", market: "uk", stage: flows.StageComplete, started: day(4), updated: day(4)},
		{platform: "telegram", user: "f", market: "uk", stage: flows.StageIneligible, stop: "entity", started: day(5), updated: day(5)},
		{platform: "telegram", user: "a", market: "id", stage: flows.StageComplete, started: day(6), updated: day(6)},
	})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		f    bot.FunnelFilter
		want []bot.FunnelRow
	}{
		{"all", bot.FunnelFilter{}, []bot.FunnelRow{
			{Market: "id", Started: 1, Eligible: 1, Logistics: 1, Complete: 1},
			{Market: "uk", Started: 6, Eligible: 4, Logistics: 3, Complete: 1, Stopped: 1}}},
		{"telegram", bot.FunnelFilter{Platform: "telegram"}, []bot.FunnelRow{
			{Market: "id", Started: 1, Eligible: 1, Logistics: 1, Complete: 1},
			{Market: "uk", Started: 4, Eligible: 2, Logistics: 1, Complete: 1, Stopped: 1}}},
		{"slack", bot.FunnelFilter{Platform: "slack"}, []bot.FunnelRow{
			{Market: "uk", Started: 2, Eligible: 2, Logistics: 2}}},
		{"from day 2 to before day 5", bot.FunnelFilter{From: day(2), To: day(5)}, []bot.FunnelRow{
			{Market: "uk", Started: 3, Eligible: 3, Logistics: 3, Complete: 1}}},
		{"nobody", bot.FunnelFilter{Platform: "console"}, nil},
	} {
		got, err := s.Funnel(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n  got  %+v\n  want %+v", c.name, got, c.want)
		}
	}
}

func testStuck(t *testing.T, s bot.Store) {
	ids := seed(t, s, []progress{
		{platform: "telegram", user: "old", market: "uk", stage: flows.StageEligibility, question: "entity", started: day(0), updated: day(1)},
		{platform: "slack", user: "older", market: "uk", stage: flows.StageChecklist, started: day(0), updated: day(0)},
		{platform: "telegram", user: "recent", market: "uk", stage: flows.StageLogistics, question: "stock", started: day(0), updated: day(9)},
		{platform: "telegram", user: "done", market: "uk", stage: flows.StageComplete, started: day(0), updated: day(0)},
		{platform: "telegram", user: "stopped", market: "uk", stage: flows.StageIneligible, stop: "entity", started: day(0), updated: day(0)},
		{platform: "telegram", user: "old", market: "id", stage: flows.StageCategories, started: day(0), updated: day(2)},
	})
	ctx := context.Background()
	list := func(f bot.StuckFilter) ([]string, int) {
		t.Helper()
		rows, total, err := s.Stuck(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%s/%s/%s/%s/%s", r.Seller.UserID, r.Market, r.Stage, r.Question, r.LastActivity.UTC().Format("02")))
		}
		return got, total
	}
	for _, c := range []struct {
		name  string
		f     bot.StuckFilter
		want  []string
		total int
	}{
		{"idle before day 5", bot.StuckFilter{Before: day(5), Limit: 10},
			[]string{"older/uk/checklist//29", "old/uk/eligibility/entity/30", "old/id/categories//01"}, 3},
		{"at most 2", bot.StuckFilter{Before: day(5), Limit: 2}, []string{"older/uk/checklist//29", "old/uk/eligibility/entity/30"}, 3},
		{"one market", bot.StuckFilter{Before: day(5), Market: "id", Limit: 10}, []string{"old/id/categories//01"}, 1},
		{"one platform", bot.StuckFilter{Before: day(5), Platform: "slack", Limit: 10}, []string{"older/uk/checklist//29"}, 1},
		{"before day 10: the recent one too", bot.StuckFilter{Before: day(10), Market: "uk", Limit: 10},
			[]string{"older/uk/checklist//29", "old/uk/eligibility/entity/30", "recent/uk/logistics/stock/08"}, 3},
	} {
		got, total := list(c.f)
		if !reflect.DeepEqual(got, c.want) || total != c.total {
			t.Errorf("%s: got %q (%d in all), want %q (%d)", c.name, got, total, c.want, c.total)
		}
	}

	// A nudge is recorded once per onboarding and last activity, and shows.
	nudge := func(since time.Time) bool {
		var added bool
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			var err error
			added, err = tx.RecordNudge(ctx, bot.Nudge{SellerID: ids["old"], Market: "uk", Since: since, By: "telegram:1", At: day(6)})
			return err
		})
		return added
	}
	if !nudge(day(1)) {
		t.Error("first nudge not recorded")
	}
	if nudge(day(1)) {
		t.Error("second nudge for the same activity recorded")
	}
	rows, _, err := s.Stuck(ctx, bot.StuckFilter{Before: day(5), Market: "uk", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		nudged := r.Seller.UserID == "old"
		if nudged != r.NudgedAt.Equal(day(6)) {
			t.Errorf("%s in %s: nudged at %v", r.Seller.UserID, r.Market, r.NudgedAt)
		}
	}
	// Once the seller moves, the nudge belongs to the past.
	seed(t, s, []progress{{platform: "telegram", user: "old", market: "uk", stage: flows.StageEligibility, question: "shops", started: day(0), updated: day(3)}})
	rows, _, err = s.Stuck(ctx, bot.StuckFilter{Before: day(5), Market: "uk", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if !r.NudgedAt.IsZero() {
			t.Errorf("%s: nudged at %v after moving on", r.Seller.UserID, r.NudgedAt)
		}
	}
	if !nudge(day(3)) {
		t.Error("a nudge about the new activity not recorded")
	}
}

func testStopsItems(t *testing.T, s bot.Store) {
	item := func(id string, st flows.ItemStatus, expiry string) bot.ItemRow {
		return bot.ItemRow{Item: id, Status: st, Expiry: expiry, Number: map[bool]string{true: "N-" + id}[expiry != ""]}
	}
	seed(t, s, []progress{
		{platform: "telegram", user: "a", market: "uk", stage: flows.StageIneligible, stop: "entity", started: day(0), updated: day(0)},
		{platform: "telegram", user: "b", market: "uk", stage: flows.StageIneligible, stop: "entity", started: day(0), updated: day(0)},
		{platform: "telegram", user: "c", market: "uk", stage: flows.StageIneligible, stop: "shops", started: day(0), updated: day(0)},
		{platform: "telegram", user: "d", market: "id", stage: flows.StageIneligible, stop: "entity", started: day(0), updated: day(0)},
		{platform: "telegram", user: "e", market: "uk", stage: flows.StageChecklist, started: day(0), updated: day(0),
			items: []bot.ItemRow{item("scpn", flows.ItemDone, "2026-12-10"), item("ukca", flows.ItemTodo, ""), item("vat", flows.ItemNA, "")}},
		{platform: "slack", user: "f", market: "uk", stage: flows.StageChecklist, started: day(0), updated: day(0),
			items: []bot.ItemRow{item("scpn", flows.ItemDone, "2027-06-30"), item("ukca", flows.ItemDone, "2026-11-29"), item("vat", flows.ItemTodo, "")}},
		{platform: "slack", user: "g", market: "id", stage: flows.StageChecklist, started: day(0), updated: day(0),
			items: []bot.ItemRow{item("bpom", flows.ItemDone, "2027-01-15"), item("halal", flows.ItemTodo, "")}},
	})
	ctx := context.Background()
	stops, err := s.Stops(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.StopRow{{Market: "uk", Question: "entity", Sellers: 2}, {Market: "id", Question: "entity", Sellers: 1}, {Market: "uk", Question: "shops", Sellers: 1}}
	if !reflect.DeepEqual(stops, want) {
		t.Errorf("stops:\n  got  %+v\n  want %+v", stops, want)
	}
	if stops, err = s.Stops(ctx, "id"); err != nil || len(stops) != 1 || stops[0].Sellers != 1 {
		t.Errorf("stops in id: %+v, %v", stops, err)
	}

	counts, err := s.ItemCounts(ctx, "", "2026-11-29", "2026-12-29")
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(counts, func(a, b bot.ItemCount) int { return strings.Compare(a.Market+" "+a.Item, b.Market+" "+b.Item) })
	wantCounts := []bot.ItemCount{
		{Market: "id", Item: "bpom", Done: 1}, {Market: "id", Item: "halal", Open: 1},
		{Market: "uk", Item: "scpn", Done: 2, Soon: 1}, {Market: "uk", Item: "ukca", Open: 1, Done: 1, Soon: 1}, {Market: "uk", Item: "vat", Open: 1, NA: 1},
	}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("item counts:\n  got  %+v\n  want %+v", counts, wantCounts)
	}
	if counts, err = s.ItemCounts(ctx, "id", "2026-11-29", "2027-02-27"); err != nil || len(counts) != 2 || counts[0].Soon != 1 {
		t.Errorf("item counts in id: %+v, %v", counts, err)
	}

	rows, total, err := s.Expiring(ctx, "2026-11-29", "2027-01-28", 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s:%s/%s %s %s", r.Seller.Platform, r.Seller.UserID, r.Market+"/"+r.Item, r.Number, r.Expiry))
	}
	wantRows := []string{"slack:f/uk/ukca N-ukca 2026-11-29", "telegram:e/uk/scpn N-scpn 2026-12-10"}
	if !reflect.DeepEqual(got, wantRows) || total != 3 {
		t.Errorf("expiring: %q (%d in all), want %q (3)", got, total, wantRows)
	}
}

func testAnnouncementReport(t *testing.T, s bot.Store) {
	ids := seed(t, s, []progress{
		{platform: "telegram", user: "a", market: "uk", stage: flows.StageChecklist, started: day(0), updated: day(0)},
		{platform: "telegram", user: "b", market: "uk", stage: flows.StageChecklist, started: day(0), updated: day(0)},
		{platform: "telegram", user: "c", market: "uk", stage: flows.StageChecklist, started: day(0), updated: day(0)},
	})
	ctx := context.Background()
	var first, second bot.Announcement
	queued := map[string]int64{}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		first = bot.Announcement{Markets: []string{"uk", "id"}, Text: flows.Text{ZH: "中文 <b>", EN: "English <b>"}, CreatedBy: "shell", Recipients: 3, CreatedAt: day(1)}
		second = bot.Announcement{Markets: []string{"uk"}, Text: flows.Text{EN: "later"}, CreatedBy: "telegram:1", Recipients: 1, CreatedAt: day(2)}
		for _, a := range []*bot.Announcement{&first, &second} {
			if err := tx.CreateAnnouncement(ctx, a); err != nil {
				return err
			}
		}
		for _, u := range []string{"a", "b", "c"} {
			r := bot.Reply{Platform: "telegram", ChatID: "chat-" + u, SellerID: ids[u], Kind: bot.KindAnnouncement, Text: "news", Announcement: first.ID}
			if err := tx.Enqueue(ctx, &r, day(1)); err != nil {
				return err
			}
			queued[u] = r.ID
		}
		r := bot.Reply{Platform: "telegram", ChatID: "chat-a", SellerID: ids["a"], Kind: bot.KindAnnouncement, Text: "later", Announcement: second.ID}
		if err := tx.Enqueue(ctx, &r, day(2)); err != nil {
			return err
		}
		reply := bot.Reply{Platform: "telegram", ChatID: "chat-a", SellerID: ids["a"], Kind: bot.KindReply, Text: "hello <i>"}
		return tx.Enqueue(ctx, &reply, day(3))
	})
	if err := s.MarkSent(ctx, []int64{queued["a"]}, day(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, queued["b"], "refused", day(1)); err != nil {
		t.Fatal(err)
	}
	report, err := s.AnnouncementReport(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(report) != 2 || report[0].ID != second.ID || report[1].ID != first.ID {
		t.Fatalf("report: %+v", report)
	}
	if got := report[1]; !reflect.DeepEqual(got.Markets, []string{"uk", "id"}) || got.Text != first.Text ||
		got.DeliveryStats != (bot.DeliveryStats{Sent: 1, Pending: 1, Failed: 1}) {
		t.Errorf("first announcement: %+v", got)
	}
	if got := report[0]; got.DeliveryStats != (bot.DeliveryStats{Pending: 1}) || got.CreatedBy != "telegram:1" {
		t.Errorf("second announcement: %+v", got)
	}
	if report, err = s.AnnouncementReport(ctx, 1); err != nil || len(report) != 1 || !reflect.DeepEqual(report[0].Markets, []string{"uk"}) {
		t.Errorf("latest only: %+v, %v", report, err)
	}

	msgs, err := s.Messages(ctx, ids["a"], 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || msgs[0].Text != "hello <i>" || msgs[0].Kind != bot.KindReply || msgs[2].Announcement != first.ID ||
		!msgs[2].SentAt.Equal(day(1)) || !msgs[0].SentAt.IsZero() {
		t.Errorf("messages of a: %+v", msgs)
	}
	if msgs, err := s.Messages(ctx, ids["b"], 10); err != nil || len(msgs) != 1 || msgs[0].Error != "refused" || msgs[0].FailedAt.IsZero() {
		t.Errorf("messages of b: %+v, %v", msgs, err)
	}
	sel, err := s.SellerByID(ctx, ids["c"])
	if err != nil || sel.UserID != "c" || sel.Platform != "telegram" {
		t.Errorf("seller c: %+v, %v", sel, err)
	}
	if _, err := s.SellerByID(ctx, 999999); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("an unknown seller: %v", err)
	}
}

func testLogins(t *testing.T, s bot.Store) {
	ctx := context.Background()
	login := bot.Login{Hash: "h1", Admin: "telegram:1", CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if err := tx.CreateLogin(ctx, login); err != nil {
			return err
		}
		return tx.CreateLogin(ctx, bot.Login{Hash: "h2", Admin: "slack:U1", CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)})
	})
	use := func(hash string, at time.Time) (bot.Login, error) {
		var l bot.Login
		err := s.Update(ctx, func(tx bot.Tx) error {
			var err error
			l, err = tx.UseLogin(ctx, hash, at)
			return err
		})
		return l, err
	}
	if l, err := use("h1", t0.Add(time.Minute)); err != nil || l.Admin != "telegram:1" {
		t.Errorf("first use: %+v, %v", l, err)
	}
	for _, c := range []struct {
		name, hash string
		at         time.Time
	}{
		{"used again", "h1", t0.Add(2 * time.Minute)},
		{"unknown", "nope", t0},
		{"expired", "h2", t0.Add(10 * time.Minute)},
	} {
		if _, err := use(c.hash, c.at); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", c.name, err)
		}
	}

	sess := bot.Session{Hash: "s1", Admin: "telegram:1", CSRF: "c1", Lang: flows.ZH, CreatedAt: t0, ExpiresAt: t0.Add(12 * time.Hour)}
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.CreateSession(ctx, sess) })
	got, err := s.Session(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	got.CreatedAt, got.ExpiresAt = got.CreatedAt.UTC(), got.ExpiresAt.UTC()
	if !reflect.DeepEqual(got, sess) {
		t.Errorf("session: got %+v, want %+v", got, sess)
	}
	// A session created later forgets those expired by then.
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		return tx.CreateSession(ctx, bot.Session{Hash: "s2", Admin: "telegram:1", CSRF: "c2", Lang: flows.EN, CreatedAt: t0.Add(13 * time.Hour), ExpiresAt: t0.Add(25 * time.Hour)})
	})
	if _, err := s.Session(ctx, "s1"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("expired session still there: %v", err)
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.DeleteSession(ctx, "s2") })
	if _, err := s.Session(ctx, "s2"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("deleted session still there: %v", err)
	}
}

// A market's onboardings come with their sellers and projections, muted
// ones too, and the market's files are counted per seller and item, from
// that market alone.
func testMarketProjections(t *testing.T, s bot.Store) {
	ctx := context.Background()
	a, b, c := newSeller(t, s, "a"), newSeller(t, s, "b"), newSeller(t, s, "c")
	x := bot.ItemRow{Item: "x", Status: flows.ItemDone, Number: "N1", Expiry: "2027-01-01"}
	y := bot.ItemRow{Item: "y", Status: flows.ItemTodo}
	saveProgress(t, s, a.ID, "m", t0, "", x, y)
	saveProgress(t, s, a.ID, "other", t0, "", x)
	saveProgress(t, s, b.ID, "m", day(1), "q1") // still answering: no items
	saveProgress(t, s, c.ID, "other", t0, "", y)
	attach := func(seller int64, market, item, id string) {
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			_, err := tx.AddItemFile(ctx, bot.ItemFile{SellerID: seller, Market: market, Item: item, At: t0,
				File: bot.Attachment{Ref: "ref-" + id, UniqueID: id, Name: id + ".pdf"}})
			return err
		})
	}
	attach(a.ID, "m", "x", "f1")
	attach(a.ID, "m", "x", "f2")
	attach(a.ID, "m", "y", "f3")
	attach(a.ID, "other", "x", "f4")
	attach(c.ID, "other", "y", "f5")
	update(t, s, func(ctx context.Context, tx bot.Tx) error { return tx.SetMuted(ctx, b.ID, "m", true) })

	got, err := s.MarketProjections(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Projections(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(want) != 2 {
		t.Fatalf("market m: %d onboardings with sellers, %d projections; want 2 (a, and b who muted it)", len(got), len(want))
	}
	for i, sp := range got {
		if sp.Seller.ID != sp.SellerID || !reflect.DeepEqual(sp.Projection, want[i]) {
			t.Errorf("onboarding %d: seller %d, %+v; want the projection %+v", i, sp.Seller.ID, sp.Projection, want[i])
		}
	}
	if got[0].Seller.Key() != "test:a" || got[1].Seller.Key() != "test:b" || got[0].Seller.ChatID != "chat-a" {
		t.Errorf("sellers %+v, %+v; want test:a, then test:b", got[0].Seller, got[1].Seller)
	}
	if !reflect.DeepEqual(got[0].Items, []bot.ItemRow{x, y}) || len(got[1].Items) != 0 || got[1].Question != "q1" || !got[1].LastActivity.Equal(day(1)) {
		t.Errorf("projections %+v, %+v", got[0].Projection, got[1].Projection)
	}
	if none, err := s.MarketProjections(ctx, "nosuch"); err != nil || len(none) != 0 {
		t.Errorf("a market nobody started: %+v, %v", none, err)
	}

	files, err := s.MarketFiles(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if w := map[int64]map[string]int{a.ID: {"x": 2, "y": 1}}; !reflect.DeepEqual(files, w) {
		t.Errorf("files in m: %v, want %v", files, w)
	}
	if files, err := s.MarketFiles(ctx, "nosuch"); err != nil || len(files) != 0 {
		t.Errorf("files in a market nobody started: %v, %v", files, err)
	}
}
