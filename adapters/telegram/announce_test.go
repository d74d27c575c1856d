package telegram_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// buttonLabeled returns the index of the button with label in m.
func buttonLabeled(t *testing.T, m tgtest.Sent, label string) int {
	t.Helper()
	_, labels := m.Buttons()
	for i, l := range labels {
		if l == label {
			return i
		}
	}
	t.Fatalf("no button %q in %v", label, labels)
	return -1
}

// announcementsTo returns the announcements a chat received.
func announcementsTo(srv *tgtest.Server, chat int64) []tgtest.Sent {
	var out []tgtest.Sent
	for _, m := range srv.SentTo(chat) {
		if strings.HasPrefix(m.Text, "📢") {
			out = append(out, m)
		}
	}
	return out
}

func TestAdminAnnouncementThroughTelegram(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	const admin, en, zh, other = 6100, 6001, 6002, 6003
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook",
		options{admins: []string{"telegram:" + strconv.Itoa(admin)}, progress: true})

	onboard := func(user int64, lang string, answers ...string) {
		for _, in := range answers {
			e.answered(user, func() { e.deliver(tgtest.Text(user, lang, in)) })
		}
	}
	onboard(en, "en", "/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty")
	onboard(zh, "zh-hans", "/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "toys")
	onboard(other, "en", "/onboard tiktok-id")

	mustContain(t, e.answered(en, func() { e.deliver(tgtest.Text(en, "en", "/announce")) }), "Only admins")

	n := 0
	next := func() tgtest.Sent { n++; return nth(t, srv, admin, n) }
	e.deliver(tgtest.Text(admin, "en", "/announce"))
	m := next()
	mustContain(t, m, "Which market")
	e.deliver(click(t, admin, m, buttonLabeled(t, m, "TikTok Shop UK (cross-border) · tiktok-uk")))
	// The choices are the buttons, not also a list in the text, and a
	// typed number picks the button in that place.
	m = next()
	mustContain(t, m, "product category")
	if _, labels := m.Buttons(); len(labels) < 2 || labels[0] != "Every category" || strings.Contains(m.Text, "1)") {
		t.Fatalf("buttons %v under:\n%s", labels, m.Text)
	}
	e.deliver(tgtest.Text(admin, "en", "1"))
	mustContain(t, next(), "Narrow by progress")
	e.deliver(tgtest.Text(admin, "en", "1"))
	mustContain(t, next(), "Write the announcement")
	e.deliver(tgtest.Text(admin, "en", "zh: 英国站公告:请检查 SCPN。\nen: UK notice: check your SCPN."))
	m = next()
	mustContain(t, m, "Recipients: 2", "telegram: 2 (Chinese 1, English 1)")
	if got := len(announcementsTo(srv, en)) + len(announcementsTo(srv, zh)); got != 0 {
		t.Fatalf("%d announcements before the confirmation", got)
	}
	e.deliver(click(t, admin, m, buttonLabeled(t, m, "Confirm and send")))
	status := next()
	mustContain(t, status, "Announcement #1", "2 recipients")

	// Each seller of the market gets it once, in their language; nobody else.
	if !srv.Wait(timeout, func() bool { return len(announcementsTo(srv, en)) == 1 && len(announcementsTo(srv, zh)) == 1 }) {
		t.Fatalf("announcements: en %d, zh %d", len(announcementsTo(srv, en)), len(announcementsTo(srv, zh)))
	}
	if a := announcementsTo(srv, en)[0]; !strings.Contains(a.Text, "UK notice") || strings.Contains(a.Text, "英国站") {
		t.Errorf("English seller got %q", a.Text)
	}
	if a := announcementsTo(srv, zh)[0]; !strings.Contains(a.Text, "英国站公告") {
		t.Errorf("Chinese seller got %q", a.Text)
	}
	// The admin's progress message is edited, and a summary follows.
	summary := next()
	mustContain(t, summary, "sent 2", "pending 0", "Delivery finished")
	edited := func() bool {
		for _, c := range srv.Calls("editMessageText") {
			if c.Params["message_id"] == strconv.Itoa(status.MessageID) && strings.Contains(c.Params["text"], "sent 2") {
				return true
			}
		}
		return false
	}
	if !srv.Wait(timeout, edited) {
		t.Error("the progress message was never edited to the final counts")
	}
	if got := len(announcementsTo(srv, other)); got != 0 {
		t.Errorf("a seller of another market got %d announcements", got)
	}
	if got := len(announcementsTo(srv, en)) + len(announcementsTo(srv, zh)); got != 2 {
		t.Errorf("%d announcements in all, want 2", got)
	}
}

// sellers onboards n Telegram sellers to TikTok Shop UK, directly through
// the core (their welcome replies go out through the adapter).
func sellers(t *testing.T, e *env, first int64, n int) {
	t.Helper()
	for i := range n {
		user := first + int64(i)
		if _, err := e.core.Handle(context.Background(), bot.Inbound{Platform: telegram.Platform, UserID: fmt.Sprint(user), ChatID: fmt.Sprint(user), Text: "/onboard tiktok-uk"}); err != nil {
			t.Fatal(err)
		}
	}
	if !e.srv.Wait(timeout, func() bool { return len(e.srv.Sent()) >= n }) {
		t.Fatalf("%d of %d welcome messages sent", len(e.srv.Sent()), n)
	}
}

func TestBroadcastStaysWithinTheRateLimit(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	e := start(t, srv, db, "webhook")
	const first, n = 7000, 30
	sellers(t, e, first, n)
	e.stop()

	srv.Limit(25) // Telegram answers 429 beyond 25 messages a second
	e = start(t, srv, db, "webhook", options{rate: 20})
	if _, err := e.admin.Announce(context.Background(), e.core.Catalog(), bot.Announcement{Markets: []string{"tiktok-uk"}, Text: flows.Text{EN: "hello"}, CreatedBy: "shell"}, false); err != nil {
		t.Fatal(err)
	}
	if !srv.Wait(timeout, func() bool {
		for i := range n {
			if len(announcementsTo(srv, first+int64(i))) == 0 {
				return false
			}
		}
		return true
	}) {
		t.Fatal("not every seller got the announcement")
	}
	for i := range n {
		if got := len(announcementsTo(srv, first+int64(i))); got != 1 {
			t.Errorf("seller %d got %d copies", first+i, got)
		}
	}
	if srv.Limited() != 0 {
		t.Errorf("the server refused %d messages for going over its limit", srv.Limited())
	}
}

func TestBroadcastResumesAfterStopWithNoSellerSkipped(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	e := start(t, srv, db, "webhook")
	const first, n = 8000, 150
	sellers(t, e, first, n)
	e.stop()
	e = start(t, srv, db, "webhook", options{rate: 100})
	if _, err := e.admin.Announce(context.Background(), e.core.Catalog(), bot.Announcement{Markets: []string{"tiktok-uk"}, Text: flows.Text{EN: "broadcast"}, CreatedBy: "shell"}, false); err != nil {
		t.Fatal(err)
	}
	delivered := func() (got, dup int) {
		for i := range n {
			switch c := len(announcementsTo(srv, first+int64(i))); {
			case c >= 1:
				got++
				dup += c - 1
			}
		}
		return got, dup
	}
	// Stop in the middle of the broadcast, and start again.
	if !srv.Wait(timeout, func() bool { got, _ := delivered(); return got >= 40 }) {
		t.Fatal("the broadcast did not start")
	}
	e.stop()
	before, _ := delivered()
	if before == n {
		t.Fatal("the broadcast finished before the stop: nothing left to resume")
	}
	e = start(t, srv, db, "webhook", options{rate: 1000})
	if !srv.Wait(timeout, func() bool { got, _ := delivered(); return got == n }) {
		got, _ := delivered()
		t.Fatalf("%d of %d sellers got the announcement after the restart", got, n)
	}
	_, dup := delivered()
	// Only messages in flight when the first process stopped may repeat;
	// a graceful stop lets them finish, so there are none.
	if dup != 0 {
		t.Errorf("%d duplicates", dup)
	}
	t.Logf("%d delivered before the stop, all %d after the restart, %d duplicates", before, n, dup)
}
