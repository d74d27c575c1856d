package bot_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/flows"
)

// onboardUK takes a seller through TikTok Shop UK to the checklist.
func (h *harness) onboardUK(user, lang, categories string) {
	h.t.Helper()
	h.send(user, "/lang "+lang)
	for _, in := range []string{"/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", categories} {
		h.send(user, in)
	}
}

// pending returns the undelivered messages to a seller's chat.
func (h *harness) pending(user string) []bot.Reply {
	h.t.Helper()
	p, err := h.store.Pending(context.Background(), "test", "chat-"+user)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// announcements returns the announcement messages queued to a seller.
func (h *harness) announcements(user string) []bot.Reply {
	var out []bot.Reply
	for _, r := range h.pending(user) {
		if r.Kind == bot.KindAnnouncement {
			out = append(out, r)
		}
	}
	return out
}

func TestAdminAnnouncesFromChat(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.onboardUK("ann", "en", "beauty")
	h.onboardUK("bo", "zh", "toys")
	h.send("cy", "/onboard tiktok-id")

	mustContain(t, h.send("ann", "/announce"), "Only admins")
	mustContain(t, h.send("ann", "help"), "/mute")
	if strings.Contains(h.send("ann", "help").Text, "/announce") {
		t.Error("a seller's help lists admin commands")
	}

	r := h.send("boss", "/announce")
	mustContain(t, r, "Which market", "tiktok-uk")
	mustContain(t, h.send("boss", "mars"), "Unknown market: mars")
	// The market by button.
	r = h.deliver(bot.Inbound{Platform: "test", UserID: "boss", ChatID: "chat-boss", Choice: &bot.ChoiceRef{Kind: bot.RefDraft, Question: "markets", Choice: "tiktok-uk"}})
	mustContain(t, r, "product category", "0)")
	mustContain(t, h.send("boss", "9"), "category number")
	mustContain(t, h.send("boss", "0"), "Narrow by progress")
	mustContain(t, h.send("boss", "item nothing"), `no checklist item "nothing"`)
	mustContain(t, h.send("boss", "1"), "Write the announcement")
	mustContain(t, h.send("boss", "   "), "empty")
	mustContain(t, h.send("boss", strings.Repeat("长", 3001)), "too long")
	r = h.send("boss", "zh: 英国站新规:化妆品须有 SCPN。\nen: New UK rule: cosmetics need SCPN.")
	mustContain(t, r, "Preview", "Recipients: 2 (test 2)", "[zh]", "[en]", "Nothing is sent before you confirm")
	if n := len(h.announcements("ann")) + len(h.announcements("bo")); n != 0 {
		t.Fatalf("%d announcements queued before the confirmation", n)
	}
	mustContain(t, h.send("boss", "maybe"), "confirm")
	r = h.send("boss", "confirm")
	mustContain(t, r, "Announcement #1", "2 recipients", "pending 2")
	if r.StatusOf != 1 {
		t.Errorf("the admin's reply is not the progress message: StatusOf = %d", r.StatusOf)
	}

	en, zh, other := h.announcements("ann"), h.announcements("bo"), h.announcements("cy")
	if len(en) != 1 || len(zh) != 1 || len(other) != 0 {
		t.Fatalf("announcements: ann %d, bo %d, cy %d", len(en), len(zh), len(other))
	}
	if !strings.Contains(en[0].Text, "TikTok Shop UK") || !strings.Contains(en[0].Text, "New UK rule") || strings.Contains(en[0].Text, "英国站") {
		t.Errorf("English seller got:\n%s", en[0].Text)
	}
	if !strings.Contains(zh[0].Text, "英国站新规") || !strings.Contains(zh[0].Text, "/mute tiktok-uk") {
		t.Errorf("Chinese seller got:\n%s", zh[0].Text)
	}
	mustContain(t, h.send("boss", "/announcements"), "#1", "pending 2")
	mustContain(t, h.send("boss", "/cancel"), "nothing to cancel")
}

func TestMuteAndFilters(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.onboardUK("ann", "en", "beauty")
	h.onboardUK("bo", "en", "toys")
	h.send("cy", "/onboard tiktok-uk") // still at eligibility
	mustContain(t, h.send("bo", "/mute tiktok-uk"), "No more announcements")
	mustContain(t, h.send("cy", "/mute tiktok-id"), "not started")

	res, err := h.announce(bot.Announcement{Markets: []string{"tiktok-uk"}, Text: flows.Text{EN: "hello"}, CreatedBy: "shell"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Announcement.Recipients != 2 || len(h.announcements("bo")) != 0 {
		t.Errorf("muted seller: recipients %d, bo got %d", res.Announcement.Recipients, len(h.announcements("bo")))
	}
	mustContain(t, h.send("bo", "/unmute tiktok-uk"), "again")

	tests := []struct {
		a    bot.Announcement
		want []string
	}{
		{bot.Announcement{Category: "toys"}, []string{"bo"}},
		{bot.Announcement{Stage: flows.StageEligibility}, []string{"cy"}},
		{bot.Announcement{OpenItem: "scpn"}, []string{"ann"}},
	}
	for i, tt := range tests {
		before := map[string]int{}
		for _, u := range []string{"ann", "bo", "cy"} {
			before[u] = len(h.announcements(u))
		}
		tt.a.Markets, tt.a.Text, tt.a.CreatedBy = []string{"tiktok-uk"}, flows.Text{EN: fmt.Sprint("filter ", i)}, "shell"
		if _, err := h.announce(tt.a); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range []string{"ann", "bo", "cy"} {
			if len(h.announcements(u)) > before[u] {
				got = append(got, u)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("filter %+v reached %v, want %v", tt.a, got, tt.want)
		}
	}
	if _, err := h.announce(bot.Announcement{Markets: []string{"tiktok-uk"}, Category: "cars", Text: flows.Text{EN: "x"}}); err == nil {
		t.Error("unknown category accepted")
	}
}

// TestRuleChangeReachesExactlyTheAffectedSellers bumps a rule file's version
// with a new toy certificate and a changed cosmetics item, and checks who
// hears about it.
func TestRuleChangeReachesExactlyTheAffectedSellers(t *testing.T) {
	h := newHarness(t, "test:boss")
	ctx := context.Background()
	if _, err := h.core.SyncRules(ctx); err != nil { // the rules the sellers start on are recorded
		t.Fatal(err)
	}
	h.send("boss", "/start")
	h.onboardUK("ann", "en", "beauty")
	h.onboardUK("bo", "zh", "toys")
	h.onboardUK("cy", "en", "apparel")
	h.send("ann", "/done scpn REF-1")
	before := map[string]int{}
	for _, u := range []string{"ann", "bo", "cy", "boss"} {
		before[u] = len(h.pending(u))
	}

	src, err := os.ReadFile(filepath.Join("..", "data", "markets", "tiktok-uk.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	next := strings.Replace(string(src), `version: "2026.11.1"`, `version: "2026.11.2"`, 1)
	next = strings.Replace(next, "up to 3 months in prison.", "up to 3 months in prison. Keep the SCPN reference on file.", 1)
	next = strings.Replace(next, "\n  - id: electronics-marking\n", `
  - id: toy-battery-test
    group: certification
    title:
      zh: 玩具电池安全测试
      en: Battery safety test for toys
    detail:
      zh: 带电池的玩具需要电池安全测试报告。
      en: Toys with batteries need a battery safety test report.
    when:
      categories: [toys]
    source: test rule source
    effective: 2026-11-01

  - id: electronics-marking
`, 1)
	catalog, err := markets.LoadRules(fstest.MapFS{"tiktok-uk.yaml": {Data: []byte(next)}}, "rules")
	if err != nil {
		t.Fatal(err)
	}
	h.core.SetCatalog(catalog)
	changes, err := h.core.SyncRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Sellers != 3 || changes[0].Affected != 2 || changes[0].To != "2026.11.2" {
		t.Fatalf("changes = %+v", changes)
	}
	got := func(u string) []bot.Reply { return h.pending(u)[before[u]:] }
	if r := got("bo"); len(r) != 1 || !strings.Contains(r[0].Text, "toy-battery-test") || !strings.Contains(r[0].Text, "test rule source") || !strings.Contains(r[0].Text, "新增要求") {
		t.Errorf("toy seller got %v", r)
	}
	if r := got("ann"); len(r) != 1 || !strings.Contains(r[0].Text, "scpn") || !strings.Contains(r[0].Text, "open again") {
		t.Errorf("cosmetics seller got %v", r)
	}
	if r := got("cy"); len(r) != 0 {
		t.Errorf("apparel seller, untouched, got %v", r)
	}
	if r := got("boss"); len(r) != 1 || !strings.Contains(r[0].Text, "2 sellers") {
		t.Errorf("admin got %v", r)
	}
	// The checklists follow: the toy item is there, SCPN is open again.
	mustContain(t, h.send("bo", "/checklist"), "玩具电池安全测试")
	if _, o := h.state("ann", "tiktok-uk"); o.RulesVersion != "2026.11.2" || o.State.Items["scpn"].Status != "" {
		t.Errorf("ann: version %s, scpn %+v", o.RulesVersion, o.State.Items["scpn"])
	}
	// Running it again changes nothing and tells nobody.
	if changes, _ := h.core.SyncRules(ctx); len(changes) != 0 {
		t.Errorf("second sync: %+v", changes)
	}
}
