package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/flows"
)

// marks adds n marks of scpn, "v1" (oldest) to "vn", to a seller's history.
func (h *harness) marks(user string, n int) {
	h.t.Helper()
	s, _ := h.state(user, "tiktok-uk")
	err := h.store.Update(context.Background(), func(tx bot.Tx) error {
		for i := 1; i <= n; i++ {
			e := bot.HistoryEntry{SellerID: s.ID, Market: "tiktok-uk", Action: bot.ActionMark, Question: "scpn", Value: fmt.Sprintf("v%d", i), At: today}
			if err := tx.AppendHistory(context.Background(), e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

var markLine = regexp.MustCompile(`(?m)[:：] ?v(\d+)$`)

// shown lists the marks a /history reply shows, in its order.
func shown(r bot.Reply) []string {
	var out []string
	for _, m := range markLine.FindAllStringSubmatch(r.Text, -1) {
		out = append(out, m[1])
	}
	return out
}

func span(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

// /history shows the latest 20 entries and says how to see the ones
// before; a page number (or "more", typed without a slash or in Chinese)
// shows them.
func TestHistoryIsPaged(t *testing.T) {
	h := newHarness(t)
	h.send("pam", "/onboard tiktok-uk") // the first entry: started
	h.marks("pam", 44)                  // 45 in all: three pages

	cases := []struct {
		in       string
		marks    []string
		contains []string
		lacks    []string
	}{
		{"/history tiktok-uk", span(25, 44),
			[]string{"entries 26-45 of 45", "The 20 before these: /history tiktok-uk 2", "history tiktok-uk 2"}, []string{"started", "The latest"}},
		{"/history", span(25, 44), []string{"entries 26-45 of 45"}, nil}, // the current market
		{"history tiktok-uk 2", span(5, 24),
			[]string{"entries 6-25 of 45", "The 5 before these: /history tiktok-uk 3", "The latest: /history tiktok-uk"}, nil},
		{"history tiktok-uk more", span(5, 24), []string{"entries 6-25 of 45"}, nil},
		{"/history 2 tiktok-uk", span(5, 24), []string{"entries 6-25 of 45"}, nil},
		{"/history tiktok-uk 3", span(1, 4), []string{"entries 1-5 of 45", "started (rules version", "The latest"}, []string{"before these"}},
		{"/history tiktok-uk 4", nil, []string{"has 3 pages", "/history tiktok-uk 3"}, nil},
		{"/history tiktok-uk 99999999999999999999999", nil, []string{"has 3 pages"}, nil},
		{"/history tiktok-uk 0", nil, []string{"Usage: /history [market] [page]"}, nil},
		{"/history tiktok-uk 2 3", nil, []string{"Usage"}, nil},
		{"/history tiktok-uk nonsense", nil, []string{"Usage"}, nil},
	}
	for _, c := range cases {
		r := h.send("pam", c.in)
		if got := shown(r); !slices.Equal(got, c.marks) {
			t.Errorf("%q shows marks %v, want %v:\n%s", c.in, got, c.marks, r.Text)
		}
		mustContain(t, r, c.contains...)
		for _, l := range c.lacks {
			if strings.Contains(r.Text, l) {
				t.Errorf("%q says %q:\n%s", c.in, l, r.Text)
			}
		}
	}

	h.send("pam", "/lang zh")
	r := h.send("pam", "记录 tiktok-uk 更多")
	if got := shown(r); !slices.Equal(got, span(5, 24)) {
		t.Errorf("记录 tiktok-uk 更多 shows marks %v:\n%s", got, r.Text)
	}
	mustContain(t, r, "第 6-25 条，共 45 条：", "更早的 5 条：/history tiktok-uk 3", "记录 tiktok-uk 3", "最新的记录：/history tiktok-uk")
	mustContain(t, h.send("pam", "记录 tiktok-uk ３"), "第 1-5 条")

	// A short history is one page, as before, with no hint.
	h.send("sol", "/onboard tiktok-uk")
	r = h.send("sol", "/history")
	mustContain(t, r, "Your history for TikTok Shop UK (cross-border) (times in Asia/Shanghai):", "started")
	if strings.Contains(r.Text, "before these") || strings.Contains(r.Text, "entries") {
		t.Errorf("a one-page history is paged:\n%s", r.Text)
	}
	mustContain(t, h.send("sol", "/history more"), "fits on one page")
}

// A long history makes one short reply, not hundreds of kilobytes: 3,000
// entries made a 390 KB /history before it was paged.
func TestLongHistoryStaysOneShortReply(t *testing.T) {
	h := newHarness(t)
	h.send("kai", "/onboard tiktok-uk")
	h.marks("kai", 3000)
	s, _ := h.state("kai", "tiktok-uk")
	long := strings.Repeat("长", 3000) // a value as long as a message can be
	err := h.store.Update(context.Background(), func(tx bot.Tx) error {
		return tx.AppendHistory(context.Background(), bot.HistoryEntry{SellerID: s.ID, Market: "tiktok-uk", Action: bot.ActionMark, Question: "scpn", Value: long, At: today})
	})
	if err != nil {
		t.Fatal(err)
	}
	r := h.send("kai", "/history")
	if len(r.Text) > 4096 {
		t.Errorf("/history of 3,001 entries is %d bytes, over one Telegram message", len(r.Text))
	}
	if got := shown(r); !slices.Equal(got, span(2982, 3000)) {
		t.Errorf("shows marks %v, want the latest", got)
	}
	mustContain(t, r, "entries 2983-3002 of 3002", "…", "/history tiktok-uk 2")
}

// The admin's seller page reads each history entry as cells in the
// admin's language.
func TestHistoryCells(t *testing.T) {
	m, ok := datatest.Rules(t).Market("tiktok-uk")
	if !ok {
		t.Fatal("no tiktok-uk")
	}
	type cells struct{ action, what, value string }
	for _, c := range []struct {
		name string
		m    *flows.Market
		h    bot.HistoryEntry
		lang flows.Lang
		want cells
	}{
		{"a choice by its label", m, bot.HistoryEntry{Action: bot.ActionAnswer, Question: "entity", Value: "uk-company"}, flows.EN,
			cells{"answered", "Who will open the shop?", "A company registered in the UK"}},
		{"a mark in Chinese", m, bot.HistoryEntry{Action: bot.ActionMark, Question: "scpn", Value: "done no. R1, expires 2027-06-30"}, flows.ZH,
			cells{"标记", "完成 SCPN 化妆品通报", "已完成（编号 R1，有效期至 2027-06-30）"}},
		{"an expiry", m, bot.HistoryEntry{Action: bot.ActionExpired, Question: "scpn", Value: "2027-06-30"}, flows.ZH,
			cells{"证书到期", "完成 SCPN 化妆品通报", "2027-06-30"}},
		{"a version", m, bot.HistoryEntry{Action: bot.ActionRules, Value: "2026-11"}, flows.EN, cells{"rules updated", "", "2026-11"}},
		{"an item the rules no longer have", m, bot.HistoryEntry{Action: bot.ActionMark, Question: "gone", Value: "na"}, flows.ZH,
			cells{"标记", "gone", "不适用"}},
		{"a market the rules no longer have", nil, bot.HistoryEntry{Action: bot.ActionAnswer, Question: "entity", Value: "uk-company"}, flows.ZH,
			cells{"回答", "entity", "uk-company"}},
	} {
		var got cells
		got.action, got.what, got.value = bot.HistoryCells(c.m, c.h, c.lang)
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// /history names the question an answer was taken back from, and a mark
// in words, in the seller's language: not the ids the history stores.
func TestHistoryReadsInWords(t *testing.T) {
	for lang, want := range map[string][]string{
		"en": {"took back the answer to “Who will open the shop?”", ": not applicable"},
		"zh": {"撤回了“用什么主体开店？”的回答", "：不适用"},
	} {
		h := newHarness(t)
		h.send("ida", "/lang "+lang)
		h.send("ida", "/onboard tiktok-uk")
		h.send("ida", "1")
		h.send("ida", "/back")
		h.onboardUK("ida", lang, "beauty")
		h.send("ida", "/na uk-rp")
		has(t, lang, h.send("ida", "/history tiktok-uk").Text, want, []string{" entity", ": na"})
	}
}

// /history shows times in the seller's zone, as /reminders does.
func TestHistoryInTheSellersZone(t *testing.T) {
	h := newHarness(t)
	h.send("ivo", "/lang en")
	h.send("ivo", "/onboard tiktok-uk")
	at := today.In(mustZone(t, "Asia/Shanghai")).Format("2006-01-02 15:04")
	has(t, "default", h.send("ivo", "/history").Text, []string{"(times in Asia/Shanghai)", at + "  started"}, nil)
	h.send("ivo", "/tz Europe/London")
	at = today.In(mustZone(t, "Europe/London")).Format("2006-01-02 15:04")
	has(t, "London", h.send("ivo", "/history").Text, []string{"(times in Europe/London)", at + "  started"}, nil)
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}
