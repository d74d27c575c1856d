package bot_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/adapters/console"
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
	mustContain(t, r, "Which market")
	mustContain(t, h.send("boss", "mars"), "Unknown market: mars")
	// The market by button.
	uk := choiceLabeled(t, r, "TikTok Shop UK (cross-border) · tiktok-uk").Ref
	r = h.deliver(bot.Inbound{Platform: "test", UserID: "boss", ChatID: "chat-boss", Choice: &uk})
	mustContain(t, r, "product category")
	mustContain(t, h.send("boss", "99"), "Pick a category")
	mustContain(t, h.send("boss", "1"), "Narrow by progress") // the first choice: every category
	mustContain(t, h.send("boss", "item nothing"), `No checklist item "nothing" in tiktok-uk`)
	mustContain(t, h.send("boss", "1"), "Write the announcement")
	mustContain(t, h.send("boss", "   "), "empty")
	mustContain(t, h.send("boss", strings.Repeat("长", 3001)), "too long")
	r = h.send("boss", "zh: 英国站新规：化妆品须有 SCPN。\nen: New UK rule: cosmetics need SCPN.")
	mustContain(t, r, "Announcement preview", "Recipients: 2", "test: 2 (Chinese 1, English 1)", "Chinese:\n英国站新规", "English:\nNew UK rule", "Nothing is sent before you confirm")
	if n := len(h.announcements("ann")) + len(h.announcements("bo")); n != 0 {
		t.Fatalf("%d announcements queued before the confirmation", n)
	}
	mustContain(t, h.send("boss", "maybe"), "Pick one below")
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

// choiceLabeled returns the reply's choice with label.
func choiceLabeled(t *testing.T, r bot.Reply, label string) bot.Choice {
	t.Helper()
	for _, c := range r.Choices {
		if c.Label == label {
			return c
		}
	}
	t.Fatalf("no choice %q in %+v", label, r.Choices)
	return bot.Choice{}
}

// draft returns an admin's announcement draft; ok is false when they have none.
func (h *harness) draft(user string) (d bot.Draft, ok bool) {
	h.t.Helper()
	s, _ := h.state(user, "")
	err := h.store.Update(context.Background(), func(tx bot.Tx) error {
		var err error
		d, err = tx.Draft(context.Background(), s.ID)
		ok = err == nil
		if errors.Is(err, bot.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return d, ok
}

// numberedLine is a line of a numbered list: "1) ...", "  12) ...".
var numberedLine = regexp.MustCompile(`(?m)^\s*\d+\) `)

// TestAnnounceNumbersAreTheChoices: each step of /announce lists its
// choices once, as the reply's choices (the terminal numbers them, Telegram
// and Slack show them as buttons in that order), and a typed number n
// picks the n-th, the same as clicking it.
func TestAnnounceNumbersAreTheChoices(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.onboardUK("ann", "en", "beauty")
	// Each step: what to type to get there, then the number typed and what
	// the draft must hold after it.
	tests := []struct {
		name   string
		before []string
		number string
		check  func(t *testing.T, chosen bot.Choice, d bot.Draft, ok bool)
	}{
		{"market", nil, "9", func(t *testing.T, c bot.Choice, d bot.Draft, ok bool) {
			if !ok || len(d.Announcement.Markets) != 1 || !strings.Contains(c.Label, d.Announcement.Markets[0]) {
				t.Errorf("picked %q, the draft has markets %v", c.Label, d.Announcement.Markets)
			}
		}},
		{"several markets", nil, "9,10", func(t *testing.T, c bot.Choice, d bot.Draft, ok bool) {
			if strings.Join(d.Announcement.Markets, " ") != "tiktok-uk tiktok-us" {
				t.Errorf("9,10 picked %v", d.Announcement.Markets)
			}
		}},
		{"every category", []string{"tiktok-uk"}, "1", func(t *testing.T, c bot.Choice, d bot.Draft, ok bool) {
			if c.Label != "Every category" || d.Announcement.Category != "" || d.Step != "filter" {
				t.Errorf("picked %q: category %q, step %s", c.Label, d.Announcement.Category, d.Step)
			}
		}},
		{"a category", []string{"tiktok-uk"}, "3", func(t *testing.T, c bot.Choice, d bot.Draft, ok bool) {
			if d.Announcement.Category == "" || !strings.Contains(c.Label, "("+d.Announcement.Category+")") {
				t.Errorf("picked %q: category %q", c.Label, d.Announcement.Category)
			}
		}},
		{"a stage", []string{"tiktok-uk", "1"}, "2", func(t *testing.T, c bot.Choice, d bot.Draft, ok bool) {
			if c.Label != "eligibility" || d.Announcement.Stage != flows.StageEligibility {
				t.Errorf("picked %q: stage %q", c.Label, d.Announcement.Stage)
			}
		}},
		{"confirm", []string{"tiktok-uk", "1", "1", "hello"}, "1", func(t *testing.T, c bot.Choice, d bot.Draft, ok bool) {
			if c.Label != "Confirm and send" || ok {
				t.Errorf("picked %q, draft left: %v", c.Label, ok)
			}
		}},
		{"start over", []string{"tiktok-uk", "1", "1", "hello"}, "2", func(t *testing.T, c bot.Choice, d bot.Draft, ok bool) {
			if c.Label != "Start over" || !ok || d.Step != "markets" || len(d.Announcement.Markets) != 0 {
				t.Errorf("picked %q: draft %+v", c.Label, d)
			}
		}},
		{"cancel, offered last", []string{"tiktok-uk", "1", "1", "hello"}, "3", func(t *testing.T, c bot.Choice, d bot.Draft, ok bool) {
			if c.Label != "Cancel" || ok {
				t.Errorf("picked %q, draft left: %v", c.Label, ok)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.send("boss", "/cancel")
			r := h.send("boss", "/announce")
			for _, in := range tt.before {
				r = h.send("boss", in)
			}
			// The terminal shows the choices numbered, once.
			if shown, n := console.Render(r), len(numberedLine.FindAllString(console.Render(r), -1)); n != len(r.Choices) {
				t.Fatalf("%d numbered lines for %d choices:\n%s", n, len(r.Choices), shown)
			}
			first, _, _ := strings.Cut(tt.number, ",")
			n, _ := strconv.Atoi(first)
			if n > len(r.Choices) {
				t.Fatalf("%d choices, want at least %d: %+v", len(r.Choices), n, r.Choices)
			}
			chosen := r.Choices[n-1]
			h.send("boss", tt.number)
			d, ok := h.draft("boss")
			tt.check(t, chosen, d, ok)
		})
	}
}

// TestAnnounceButtonOfAnEarlierStep: a click on an earlier step's button
// is not taken for the current step's choice in the same place.
func TestAnnounceButtonOfAnEarlierStep(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.onboardUK("ann", "en", "beauty")
	var r bot.Reply
	for _, in := range []string{"/announce", "tiktok-uk", "1"} {
		r = h.send("boss", in)
	}
	everyStage := r.Choices[0].Ref // the filter step's first button, in the place of the confirm step's Confirm
	h.send("boss", "1")
	mustContain(t, h.send("boss", "hello"), "Recipients: 1")
	r = h.deliver(bot.Inbound{Platform: "test", UserID: "boss", ChatID: "chat-boss", Choice: &everyStage})
	mustContain(t, r, "earlier step", "Announcement preview")
	if a := h.announcements("ann"); len(a) != 0 {
		t.Errorf("an earlier step's button sent the announcement: %+v", a)
	}
	if d, ok := h.draft("boss"); !ok || d.Step != "confirm" {
		t.Errorf("draft %+v, %v", d, ok)
	}
}

// TestAnnounceTextInOneLine: the terminal sends one line per message, so
// both languages fit on one, and the prompt says how.
func TestAnnounceTextInOneLine(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.onboardUK("ann", "en", "beauty")
	h.onboardUK("bo", "zh", "beauty")
	for _, in := range []string{"/announce", "tiktok-uk", "1"} {
		h.send("boss", in)
	}
	mustContain(t, h.send("boss", "1"), "zh: 中文内容 en: English text")
	mustContain(t, h.send("boss", "zh: 英国站新规。en: New UK rule."), "Chinese:\n英国站新规。\n", "English:\nNew UK rule.")
	h.send("boss", "confirm")
	if a := h.announcements("bo"); len(a) != 1 || !strings.Contains(a[0].Text, "英国站新规。") || strings.Contains(a[0].Text, "New UK") {
		t.Errorf("the Chinese seller got %+v", a)
	}
	if a := h.announcements("ann"); len(a) != 1 || !strings.Contains(a[0].Text, "New UK rule.") || strings.Contains(a[0].Text, "英国站") {
		t.Errorf("the English seller got %+v", a)
	}
}

// TestAnnouncePreviewCounts: the preview counts the recipients per
// platform and by the language they get, and the muted sellers skipped.
func TestAnnouncePreviewCounts(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.onboardUK("ann", "en", "beauty")
	h.onboardUK("bo", "zh", "toys")
	h.onboardUK("dee", "en", "beauty")
	h.send("dee", "/mute tiktok-uk")
	h.deliver(bot.Inbound{Platform: "other", UserID: "cy", ChatID: "chat-cy", Text: "/lang zh"})
	h.deliver(bot.Inbound{Platform: "other", UserID: "cy", ChatID: "chat-cy", Text: "/onboard tiktok-uk"})
	tests := []struct {
		name, text string
		want       []string
	}{
		{"both languages", "zh: 中文 en: English", []string{"Recipients: 3", "  other: 1 (Chinese 1, English 0)", "  test: 2 (Chinese 1, English 1)",
			"In Chinese: 2 · in English: 1", "Muted, skipped: 1"}},
		{"Chinese only: everyone reads it", "zh: 只有中文", []string{"Recipients: 3", "  test: 2 (Chinese 2, English 0)", "In Chinese: 3 · in English: 0",
			"English-speaking sellers get the Chinese"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.send("boss", "/cancel")
			for _, in := range []string{"/announce", "tiktok-uk", "1", "1"} {
				h.send("boss", in)
			}
			mustContain(t, h.send("boss", tt.text), tt.want...)
		})
	}
	// The muted seller who would not match anyway is not counted.
	h.send("boss", "/cancel")
	for _, in := range []string{"/announce", "tiktok-uk", "toys", "1"} {
		h.send("boss", in)
	}
	mustContain(t, h.send("boss", "hello"), "Recipients: 1", "Muted, skipped: 0")
}

// TestAnnounceToNobody: a preview nobody would get offers no Confirm, says
// why nobody matches, and a typed confirm sends nothing.
func TestAnnounceToNobody(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.onboardUK("ann", "en", "beauty")
	h.send("ann", "/done scpn REF-1")
	h.onboardUK("bo", "en", "toys")
	h.send("bo", "/mute tiktok-uk")
	tests := []struct {
		name  string
		steps []string
		why   string
	}{
		{"nobody onboarding", []string{"tiktok-us", "1", "1"}, "No seller is onboarding tiktok-us"},
		{"nobody of the category", []string{"tiktok-uk", "food", "1"}, "None of the 1 sellers onboarding tiktok-uk sells Food (food)"},
		{"nobody at the stage", []string{"tiktok-uk", "1", "eligibility"}, "None of the 1 sellers onboarding tiktok-uk is at the eligibility stage"},
		{"nobody with the item open", []string{"tiktok-uk", "beauty", "item scpn"}, "All of the 1 sellers onboarding tiktok-uk who sell Beauty and cosmetics (beauty) have done"},
		{"only a muted seller", []string{"tiktok-uk", "toys", "1"}, "Muted, skipped: 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.send("boss", "/cancel")
			for _, in := range append([]string{"/announce"}, tt.steps...) {
				h.send("boss", in)
			}
			r := h.send("boss", "hello")
			mustContain(t, r, "Recipients: 0", tt.why, "cannot be sent")
			var labels []string
			for _, c := range r.Choices {
				labels = append(labels, c.Label)
			}
			if strings.Join(labels, ", ") != "Start over, Cancel" {
				t.Errorf("choices %v, want Start over, Cancel", labels)
			}
			mustContain(t, h.send("boss", "confirm"), "cannot be sent")
			if _, ok := h.draft("boss"); !ok {
				t.Error("the draft is gone")
			}
			if r := h.send("boss", "/announcements"); !strings.Contains(r.Text, "No announcements yet") {
				t.Errorf("an announcement was stored:\n%s", r.Text)
			}
		})
	}
}

// TestAnnounceItemInEveryMarket: "item <id>" names an item every chosen
// market has; otherwise the markets without it are named.
func TestAnnounceItemInEveryMarket(t *testing.T) {
	h := newHarness(t, "test:boss")
	tests := []struct {
		markets, item, want string
	}{
		{"amazon-de", "item scpn", `No checklist item "scpn" in amazon-de.`},
		{"tiktok-uk tiktok-id", "item scpn", `No checklist item "scpn" in tiktok-id (only in tiktok-uk)`},
		{"tiktok-uk", "item SCPN", "Write the announcement"},
	}
	for _, tt := range tests {
		t.Run(tt.markets, func(t *testing.T) {
			h.send("boss", "/cancel")
			for _, in := range []string{"/announce", tt.markets, "1"} {
				h.send("boss", in)
			}
			mustContain(t, h.send("boss", tt.item), tt.want)
		})
	}
	if d, _ := h.draft("boss"); d.Announcement.OpenItem != "scpn" {
		t.Errorf("item = %q", d.Announcement.OpenItem)
	}
}

// TestAnnounceInChinese: a Chinese admin reads every step in Chinese,
// with full-width punctuation, and nothing in English but ids and what
// they type.
func TestAnnounceInChinese(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.onboardUK("bo", "zh", "beauty")
	h.send("boss", "/lang zh")
	// Ids, what the admin typed, and the example of the two languages.
	allowed := map[string]bool{"zh": true, "en": true, "ID": true, "English": true, "text": true, "test": true, "boss": true, "mars": true, "nothing": true}
	for _, m := range h.core.Catalog().Markets() {
		allowed[m.ID] = true
		for _, w := range asciiWord.FindAllString(m.Name.ZH, -1) {
			allowed[w] = true
		}
		for _, c := range m.Categories {
			allowed[c.ID] = true
		}
		for _, it := range m.Items {
			allowed[it.ID] = true
		}
	}
	check := func(in string, r bot.Reply) {
		t.Helper()
		texts := []string{r.Text}
		for _, c := range r.Choices {
			texts = append(texts, c.Label)
		}
		for _, text := range texts {
			text = strings.NewReplacer("英国站新规：化妆品须有 SCPN。", "", "/cancel", "", "1,3", "", "zh:", "", "en:", "").Replace(text)
			for _, w := range asciiWord.FindAllString(text, -1) {
				if !allowed[w] {
					t.Errorf("after %q, English %q in:\n%s", in, w, r.Text)
				}
			}
			if p := halfWidth(text); p != "" {
				t.Errorf("after %q, half-width punctuation in %q:\n%s", in, p, r.Text)
			}
		}
	}
	for _, in := range []string{"/announce", "mars", "9", "99", "1", "item nothing", "1", "zh: 英国站新规：化妆品须有 SCPN。", "maybe", "2", "9", "1", "1", "zh: 英国站新规：化妆品须有 SCPN。", "确认"} {
		check(in, h.send("boss", in))
	}
	check("/announcements", h.send("boss", "/announcements"))
	for _, in := range []string{"/announce", "tiktok-us", "1", "1", "zh: 英国站新规：化妆品须有 SCPN。"} {
		check(in, h.send("boss", in))
	}
}

var asciiWord = regexp.MustCompile(`[A-Za-z][A-Za-z0-9.-]*`)

// halfWidth finds half-width punctuation in Chinese text, with the
// characters around it, unless it sits between two Latin letters or digits
// (09:00, test:boss, 1,3).
func halfWidth(text string) string {
	rs := []rune(text)
	code := func(i int) bool {
		return i >= 0 && i < len(rs) && rs[i] < utf8.RuneSelf && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]))
	}
	for i, r := range rs {
		if strings.ContainsRune(":;,?!()", r) && !(code(i-1) && code(i+1)) {
			return string(rs[max(i-3, 0):min(i+4, len(rs))])
		}
	}
	return ""
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
	next := versionLine.ReplaceAllString(string(src), `version: "2099.1.1"`) // a version the file never had
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
	if len(changes) != 1 || changes[0].Sellers != 3 || changes[0].Affected != 2 || changes[0].To != "2099.1.1" {
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
	if _, o := h.state("ann", "tiktok-uk"); o.RulesVersion != "2099.1.1" || o.State.Items["scpn"].Status != "" {
		t.Errorf("ann: version %s, scpn %+v", o.RulesVersion, o.State.Items["scpn"])
	}
	// Running it again changes nothing and tells nobody.
	if changes, _ := h.core.SyncRules(ctx); len(changes) != 0 {
		t.Errorf("second sync: %+v", changes)
	}
}
