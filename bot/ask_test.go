package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// startButtons returns the markets a reply's start buttons name, and fails
// on any other button.
func startButtons(t *testing.T, r bot.Reply) []string {
	t.Helper()
	var markets []string
	for _, c := range r.Choices {
		if c.Ref.Kind != bot.RefCommand || c.Ref.Choice != "onboard "+c.Ref.Market {
			t.Fatalf("not a start button: %+v", c)
		}
		markets = append(markets, c.Ref.Market)
	}
	return markets
}

func TestAskSearchesEveryMarketWithoutStartingOne(t *testing.T) {
	indonesia := []string{"tiktok-id", "shopee-id", "lazada-id"}
	tests := []struct {
		lang, text string
		wants      []string // in the reply
		markets    []string // every start button is for one of these; nil: no buttons
	}{
		{"zh", "/ask 印尼能卖口红吗", []string{"🔎", "化妆品 BPOM 备案", "来源", "/onboard tiktok-id"}, indonesia},
		{"zh", "问 印尼 化妆品", []string{"BPOM"}, indonesia},
		{"zh", "提问 英国卖玩具需要什么认证", []string{"UKCA", "TikTok Shop 英国跨境店"}, []string{"tiktok-uk", "tiktok-id", "shopee-id", "lazada-id", "shopee-my", "shopee-ph", "lazada-th", "amazon-de", "amazon-us", "tiktok-us"}},
		{"en", "/ask can I sell lipstick in Indonesia?", []string{"What the rules say", "BPOM notification for cosmetics", "Source"}, indonesia},
		{"en", "ask WEEE", []string{"WEEE"}, []string{"amazon-de"}},
		{"zh", "/ask", []string{"用法：/ask", "印尼能卖口红吗"}, nil},
		{"en", "/ask", []string{"Usage: /ask", "lipstick"}, nil},
		{"zh", "/ask 你好吗", []string{"没找到", "/markets"}, nil},
		{"en", "/ask how are you", []string{"found nothing", "/markets"}, nil},
	}
	for _, tt := range tests {
		h := newHarness(t)
		h.send("ann", "/lang "+tt.lang)
		r := h.send("ann", tt.text)
		mustContain(t, r, tt.wants...)
		got := startButtons(t, r)
		if tt.markets == nil && len(got) > 0 || tt.markets != nil && len(got) == 0 {
			t.Errorf("%s %q: start buttons %v", tt.lang, tt.text, got)
		}
		for _, m := range got {
			if !slices.Contains(tt.markets, m) {
				t.Errorf("%s %q: a start button for %s, want one of %v", tt.lang, tt.text, m, tt.markets)
			}
		}
		if n := utf8.RuneCountInString(r.Text); n > 1500 { // the bound for a checklist message
			t.Errorf("%s %q: %d characters, too long for a phone:\n%s", tt.lang, tt.text, n, r.Text)
		}
		if s, _ := h.state("ann", "tiktok-id"); s.Market != "" {
			t.Errorf("%s %q: asking started %s", tt.lang, tt.text, s.Market)
		}
	}
}

// A start button under an answer starts that market, through the stored
// message as a platform's click is.
func TestAskStartButtonStartsTheMarket(t *testing.T) {
	h := newHarness(t)
	h.send("ann", "/lang zh")
	r := h.send("ann", "/ask 印尼能卖口红吗")
	markets := startButtons(t, r)
	if len(markets) == 0 {
		t.Fatalf("no start buttons:\n%s", r.Text)
	}
	click := func(i int) bot.Reply {
		return h.deliver(bot.Inbound{Platform: "test", UserID: "ann", ChatID: "chat-ann",
			Button: &bot.Button{Data: bot.ButtonID(r.ID, i), InChat: func(c string) bool { return c == "chat-ann" }}})
	}
	started := click(0)
	mustContain(t, started, "开始办理", "用什么主体开店")
	if started.Notice != "" || started.Clicked == nil || started.Clicked.Label != r.Choices[0].Label {
		t.Errorf("click not taken: notice %q, clicked %+v", started.Notice, started.Clicked)
	}
	s, o := h.state("ann", markets[0])
	if s.Market != markets[0] || o.Market != markets[0] {
		t.Errorf("after the click: current market %q, onboarding %+v", s.Market, o)
	}
	mustContain(t, click(0), "已经在办理") // a second click continues, as /onboard does
}

func TestPlainQuestionIsSearchedWhenNoQuestionIsOpen(t *testing.T) {
	tests := []struct {
		name   string
		before []string // sent first
		text   string
		search bool   // answered from the rules
		want   string // in the reply otherwise
	}{
		{name: "no market, question mark", text: "can I sell lipstick in Indonesia?", search: true},
		{name: "no market, 吗", text: "印尼能卖口红吗", search: true},
		{name: "no market, question word", text: "需要 UKCA 认证", search: true},
		{name: "no market, full-width mark", text: "英国玩具？", search: true},
		{name: "no market, not a question", text: "hello", want: "Pick one"},
		{name: "no market, a question about nothing", text: "how are you?", want: "Pick one"},
		{name: "open question", before: []string{"/onboard tiktok-uk"}, text: "can I sell lipstick in Indonesia?", want: "Who will open the shop"},
		{name: "stopped at eligibility", before: []string{"/onboard tiktok-id", "cn-company"}, text: "印尼能卖口红吗", search: true},
		{name: "at the checklist", before: []string{"/onboard tiktok-uk", "1", "0", "1", "1", "1", "GB123456789", "2", "1"}, text: "do I need UKCA for toys?", search: true},
		{name: "stopped, not a question", before: []string{"/onboard tiktok-id", "cn-company"}, text: "1", want: "stopped at eligibility"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			for _, text := range tt.before {
				h.send("ann", text)
			}
			h.send("ann", "/lang en")
			_, before := h.state("ann", "tiktok-uk")
			r := h.send("ann", tt.text)
			searched := strings.Contains(r.Text, "🔎")
			if searched != tt.search {
				t.Fatalf("searched %v, want %v:\n%s", searched, tt.search, r.Text)
			}
			if tt.search && len(startButtons(t, r)) == 0 {
				t.Errorf("no start buttons:\n%s", r.Text)
			}
			if !tt.search {
				mustContain(t, r, tt.want)
			}
			if _, after := h.state("ann", "tiktok-uk"); len(after.State.Answers) != len(before.State.Answers) {
				t.Errorf("answers %d -> %d", len(before.State.Answers), len(after.State.Answers))
			}
		})
	}
}

// Whatever is asked, an answer stays short enough for a phone: every item
// title and question of every market, asked in both languages.
func TestAskAnswersStayShort(t *testing.T) {
	h := newHarness(t)
	for _, lang := range []string{"zh", "en"} {
		h.send("ann", "/lang "+lang)
		for _, m := range h.core.Catalog().Markets() {
			var asks []string
			for _, it := range m.Items {
				asks = append(asks, it.Title.ZH, it.Title.EN)
			}
			for _, q := range m.Questions {
				asks = append(asks, q.Text.ZH, q.Text.EN)
			}
			for _, q := range asks {
				r := h.send("ann", "/ask "+q)
				if n := utf8.RuneCountInString(r.Text); n > 1500 {
					t.Errorf("%s /ask %s: %d characters:\n%s", lang, q, n, r.Text)
				}
				if !strings.Contains(r.Text, "🔎") {
					t.Errorf("%s /ask %s: nothing found:\n%s", lang, q, r.Text)
				}
			}
		}
	}
}

// Sellers asking at once share the index the first of them built, and a
// reload of the rules gives the next question a new one.
func TestAskAtOnceAndAfterAReload(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			replies, err := h.core.Handle(context.Background(), bot.Inbound{Platform: "test", UserID: fmt.Sprint("s", i), ChatID: fmt.Sprint("c", i), Text: "/ask UKCA"})
			if err != nil || len(replies) != 1 || !strings.Contains(replies[0].Text, "UKCA") {
				t.Errorf("seller %d: %v %+v", i, err, replies)
			}
		})
	}
	wg.Wait()
	mustContain(t, h.send("ann", "/ask SCPN"), "tiktok-uk")
	h.core.SetCatalog(flows.NewCatalog(nil))
	if r := h.send("ann", "/ask SCPN"); strings.Contains(r.Text, "tiktok-uk") || len(r.Choices) > 0 {
		t.Errorf("the old rules were searched after a reload:\n%s", r.Text)
	}
}

// Asking how the bot works gets the help, not a search of the rules: with
// no market, at the checklist, and at an open question (then the question
// again).
func TestAskingHowToUseGetsHelp(t *testing.T) {
	h := newHarness(t)
	for _, in := range []string{"怎么用", "怎么开始？", "how do I start?", "How does this work"} {
		r := h.send("hal", in)
		if !strings.Contains(r.Text, "/onboard") || strings.Contains(r.Text, "🔎") {
			t.Errorf("%q: no help:\n%s", in, r.Text)
		}
	}
	h.onboardUK("hal", "zh", "beauty")
	if r := h.send("hal", "怎么用"); !strings.Contains(r.Text, "/done") || strings.Contains(r.Text, "🔎") {
		t.Errorf("at the checklist: no help:\n%s", r.Text)
	}
	h.send("ora", "/lang en")
	h.send("ora", "/onboard tiktok-uk")
	r := h.send("ora", "how do I use this?")
	if help, q := strings.Index(r.Text, "/onboard"), strings.Index(r.Text, "Who will open the shop?"); help < 0 || q < help {
		t.Errorf("at a question: want the help, then the question:\n%s", r.Text)
	}
	// A rules question is still searched.
	mustContain(t, h.send("hal", "印尼能卖口红吗"), "🔎")
}
