package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
)

var today = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

type harness struct {
	t     *testing.T
	store *sqlite.Store
	core  *bot.Core
	admin *admin.Admin
}

// newHarness is the core on a fresh store, with the admins' side for the
// admins given as "platform:user id" keys.
func newHarness(t *testing.T, admins ...string) *harness {
	t.Helper()
	store := datatest.Store(t)
	catalog := datatest.Rules(t)
	clock := func() time.Time { return today }
	a := admin.New(store, admins, admin.WithClock(clock))
	return &harness{t: t, store: store, admin: a, core: bot.New(store, catalog, bot.WithClock(clock), bot.WithAdmins(a))}
}

// announce queues an announcement as the shell does.
func (h *harness) announce(a bot.Announcement) (admin.AnnounceResult, error) {
	return h.admin.Announce(context.Background(), h.core.Catalog(), a, false)
}

// send delivers a message from user and returns the reply.
func (h *harness) send(user, text string) bot.Reply {
	h.t.Helper()
	return h.deliver(bot.Inbound{Platform: "test", UserID: user, ChatID: "chat-" + user, Text: text})
}

func (h *harness) deliver(in bot.Inbound) bot.Reply {
	h.t.Helper()
	replies, err := h.core.Handle(context.Background(), in)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(replies) == 0 {
		h.t.Fatalf("no reply to %q", in.Text)
	}
	for _, r := range replies {
		if strings.Contains(r.Text, "%!") {
			h.t.Fatalf("a format verb went wrong in the reply:\n%s", r.Text)
		}
		if r.ID == 0 || r.ChatID != in.ChatID || r.Platform != in.Platform || strings.TrimSpace(r.Text) == "" {
			h.t.Fatalf("reply not queued properly: %+v", r)
		}
	}
	return joined(replies)
}

// has checks that a reply to in has every text of wants and none of notWant.
func has(t *testing.T, in, reply string, wants, notWant []string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(reply, w) {
			t.Errorf("%s: reply lacks %q:\n%s", in, w, reply)
		}
	}
	for _, w := range notWant {
		if strings.Contains(reply, w) {
			t.Errorf("%s: reply has %q:\n%s", in, w, reply)
		}
	}
}

// joined is a reply of several messages as one: the texts in order, the
// last one's choices, the first one's notice.
func joined(replies []bot.Reply) bot.Reply {
	r := replies[len(replies)-1]
	texts := make([]string, len(replies))
	for i, m := range replies {
		texts[i] = m.Text
	}
	r.Text, r.Notice, r.Clicked = strings.Join(texts, "\n\n"), replies[0].Notice, replies[0].Clicked
	return r
}

// state returns a seller's saved progress in a market.
func (h *harness) state(user, market string) (bot.Seller, bot.Onboarding) {
	h.t.Helper()
	var s bot.Seller
	var o bot.Onboarding
	err := h.store.Update(context.Background(), func(tx bot.Tx) error {
		var err error
		if s, err = tx.Seller(context.Background(), "test", user); err != nil {
			return err
		}
		o, _ = tx.Onboarding(context.Background(), s.ID, market)
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return s, o
}

// mustOffer checks that a reply offers buttons running these commands.
func mustOffer(t *testing.T, r bot.Reply, commands ...string) {
	t.Helper()
	for _, c := range commands {
		found := false
		for _, ch := range r.Choices {
			found = found || (ch.Ref.Kind == bot.RefCommand && ch.Ref.Choice == c)
		}
		if !found {
			t.Errorf("reply offers no %q button: %+v", c, r.Choices)
		}
	}
}

func mustContain(t *testing.T, r bot.Reply, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.Text, w) {
			t.Errorf("reply lacks %q:\n%s", w, r.Text)
		}
	}
}

func TestUKCosmeticsSellerGetsResponsiblePersonAndSCPN(t *testing.T) {
	h := newHarness(t)
	mustContain(t, h.send("ann", "/start"), "/onboard")
	r := h.send("ann", "/onboard tiktok-uk")
	mustContain(t, r, "TikTok Shop UK", "Who will open the shop?")
	if len(r.Choices) != 3 || r.Choices[0].Ref != (bot.ChoiceRef{Market: "tiktok-uk", Question: "entity", Choice: "cn-company"}) {
		t.Fatalf("choices = %+v", r.Choices)
	}
	for _, in := range []string{"1", "0", "1", "1", "1", "GB123456789", "2"} {
		r = h.send("ann", in)
	}
	mustContain(t, r, "Which product categories")
	if !r.Multi {
		t.Error("category question not marked multi-choice")
	}
	r = h.send("ann", "1")
	// The checklist names the items; each has a button to its rule and source.
	mustContain(t, r, "You can open a shop", "checklist", "UK Responsible Person", "SCPN")
	mustOffer(t, r, "why tiktok-uk:uk-rp", "why tiktok-uk:scpn")
	mustContain(t, h.send("ann", "why scpn"), "SCPN", "legislation.gov.uk")
	_, o := h.state("ann", "tiktok-uk")
	if o.Stage != flows.StageChecklist || len(o.State.Answers) != 8 {
		t.Errorf("saved stage %s with %d answers", o.Stage, len(o.State.Answers))
	}
	mustContain(t, h.send("ann", "status"), "TikTok Shop UK", "0 of 12 done")
	mustContain(t, h.send("ann", "/done scpn REF-9 2027-06-30"), "Done", "REF-9", "1 of 12 done")
	mustContain(t, h.send("ann", "history"), "Who will open the shop? → A company registered", "SCPN: done no. REF-9, expires 2027-06-30")
}

func TestIndonesiaWithoutLocalCompanyExplainsTheWayForward(t *testing.T) {
	h := newHarness(t)
	h.send("budi", "/lang zh")
	h.send("budi", "/onboard tiktok-id")
	r := h.send("budi", "cn-company")
	mustContain(t, r, "❌", "原因", "Permendag 31/2023", "PT PMA", "来源")
	mustOffer(t, r, "back")
	for _, c := range r.Choices {
		if c.Ref.Kind != bot.RefCommand {
			t.Errorf("a verdict offered an answer: %+v", c)
		}
	}
	mustContain(t, h.send("budi", "1"), "停在资质审核") // more text after a verdict is not an answer
	r = h.send("budi", "/back")
	mustContain(t, r, "用什么主体开店")
	if len(r.Choices) == 0 {
		t.Error("the question after /back has no choices")
	}
}

func TestRedeliveredUpdateChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.send("cai", "/onboard tiktok-uk")
	in := bot.Inbound{Platform: "test", UserID: "cai", ChatID: "chat-cai", UpdateID: "u-100", Text: "1"}
	h.deliver(in)
	_, before := h.state("cai", "tiktok-uk")
	replies, err := h.core.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 0 {
		t.Errorf("redelivery replied: %+v", replies)
	}
	_, after := h.state("cai", "tiktok-uk")
	if len(after.State.Answers) != len(before.State.Answers) {
		t.Errorf("redelivery changed answers: %d -> %d", len(before.State.Answers), len(after.State.Answers))
	}
	pending, _ := h.store.Pending(context.Background(), "test", "chat-cai")
	if len(pending) != 2 {
		t.Errorf("%d messages queued, want 2 (onboard, answer, nothing for the redelivery)", len(pending))
	}
}

func TestBadInputGetsAClearAnswerAndChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		in    bot.Inbound
		zh    string // for a Chinese seller
		en    string // for an English seller
		other bool   // the input is an answer attempt that must re-ask the question
	}{
		{name: "empty line", in: bot.Inbound{Text: "   "}, zh: "空消息", en: "empty"},
		{name: "100 KB line", in: bot.Inbound{Text: strings.Repeat("长", 100<<10/3)}, zh: "太长", en: "too long"},
		{name: "invalid UTF-8", in: bot.Inbound{Text: "abc\xff\xfe"}, zh: "无法识别", en: "invalid characters"},
		{name: "unknown market", in: bot.Inbound{Text: "/onboard mars"}, zh: "没有这个市场", en: `no market "mars"`},
		{name: "done on a missing item", in: bot.Inbound{Text: "/done nothing"}, zh: "找不到清单项", en: `no checklist item "nothing"`},
		{name: "unknown command", in: bot.Inbound{Text: "/frobnicate"}, zh: "不认识这个命令", en: "don't know the command"},
		{name: "restart without a market", in: bot.Inbound{Text: "restart"}, zh: "确认", en: "To confirm"},
		{name: "lang without a language", in: bot.Inbound{Text: "/lang fr"}, zh: "用法", en: "Usage"},
		{name: "invalid answer", in: bot.Inbound{Text: "maybe"}, zh: "0 到 1000 之间的数字", en: "number from 0 to 1000", other: true},
		{name: "stale button", in: bot.Inbound{Choice: &bot.ChoiceRef{Market: "tiktok-uk", Question: "entity", Choice: "individual"}},
			zh: "已经过去的问题", en: "no longer current", other: true},
		{name: "button of another market", in: bot.Inbound{Choice: &bot.ChoiceRef{Market: "tiktok-id", Question: "entity", Choice: "cn-company"}},
			zh: "已经过去的问题", en: "no longer current", other: true},
	}
	for _, lang := range []string{"zh", "en"} {
		for _, tt := range tests {
			t.Run(lang+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t)
				h.send("dee", "/lang "+lang)
				h.send("dee", "/onboard tiktok-uk")
				h.send("dee", "1") // now at question 2, the number of shops
				h.send("eve", "/onboard tiktok-uk")
				_, before := h.state("dee", "tiktok-uk")
				_, otherBefore := h.state("eve", "tiktok-uk")

				in := tt.in
				in.Platform, in.UserID, in.ChatID = "test", "dee", "chat-dee"
				r := h.deliver(in)
				want := tt.en
				if lang == "zh" {
					want = tt.zh
				}
				mustContain(t, r, want)
				if tt.other {
					mustContain(t, r, map[string]string{"zh": "已经开了几个", "en": "How many TikTok shops"}[lang])
				}

				_, after := h.state("dee", "tiktok-uk")
				if len(after.State.Answers) != len(before.State.Answers) || after.Stage != before.Stage {
					t.Errorf("state changed: %d answers at %s -> %d at %s", len(before.State.Answers), before.Stage, len(after.State.Answers), after.Stage)
				}
				if _, otherAfter := h.state("eve", "tiktok-uk"); !otherAfter.UpdatedAt.Equal(otherBefore.UpdatedAt) {
					t.Error("another seller's state changed")
				}
				// The next valid input works.
				mustContain(t, h.send("dee", "0"), map[string]string{"zh": "最终受益人", "en": "beneficial owners"}[lang])
			})
		}
	}
}

func TestCommandsWithoutSlashAndAliases(t *testing.T) {
	h := newHarness(t)
	mustContain(t, h.send("fay", "help"), "/onboard", "/checklist", "/done")
	mustContain(t, h.send("fay", "Markets"), "tiktok-uk", "tiktok-id", "TikTok Shop")
	mustContain(t, h.send("fay", "入驻 tiktok-uk"), "Who will open the shop?")
	mustContain(t, h.send("fay", "/status@OnboardBot"), "TikTok Shop UK", "question 1")
	mustContain(t, h.send("fay", "帮助"), "/back")
	mustContain(t, h.send("fay", "状态"), "TikTok Shop UK", "question 1") // while a question is open
	// As a Chinese keyboard types them: a full-width question mark, a
	// sentence's end, no space after the command.
	for _, help := range []string{"？", "帮助？", "help?", "Help!"} {
		mustContain(t, h.send("fay", help), "/back", "/checklist")
	}
	mustContain(t, h.send("fay", "状态。"), "TikTok Shop UK", "question 1")
	mustContain(t, h.send("fay", "问：Do I need UKCA for toys?"), "🔎")
}

// "完成5", "完成：5" and "完成 5" mark the same item; a Chinese sentence that
// begins with a command's alias is not taken for the command.
func TestChineseCommandsWithoutASpace(t *testing.T) {
	h := newHarness(t)
	h.onboardUK("gia", "zh", "beauty")
	for _, in := range []string{"完成5", "完成：5 REF-1", "完成:5"} {
		mustContain(t, h.send("gia", in), "已完成")
	}
	if _, o := h.state("gia", "tiktok-uk"); len(doneItems(o)) != 1 {
		t.Errorf("items done: %v, want one", doneItems(o))
	}
	if r := h.send("gia", "问题都答完了吗"); strings.Contains(r.Text, "🔎") {
		t.Errorf("a sentence beginning with 问 was taken for /ask:\n%s", r.Text)
	}
}

func doneItems(o bot.Onboarding) []string {
	var out []string
	for id, st := range o.State.Items {
		if st.Status == flows.ItemDone {
			out = append(out, id)
		}
	}
	return out
}

func TestOnboardInProgressContinuesAndRestartClears(t *testing.T) {
	h := newHarness(t)
	h.send("gus", "/onboard tiktok-uk")
	h.send("gus", "1")
	h.send("gus", "0")
	h.send("gus", "/onboard tiktok-id")
	r := h.send("gus", "/onboard tiktok-uk")
	mustContain(t, r, "already onboarding", "2 answers", "/restart tiktok-uk", "question 3", "company registration certificate")
	r = h.send("gus", "/status")
	mustContain(t, r, "TikTok Shop UK (cross-border) (tiktok-uk): eligibility, question 3", "TikTok Shop Indonesia (Tokopedia) (tiktok-id): eligibility, question 1")
	mustContain(t, h.send("gus", "/restart tiktok-uk"), "starts over", "Who will open the shop?")
	if _, o := h.state("gus", "tiktok-uk"); len(o.State.Answers) != 0 || o.Stage != flows.StageEligibility {
		t.Errorf("after restart: %d answers, stage %s", len(o.State.Answers), o.Stage)
	}
	mustContain(t, h.send("gus", "history tiktok-uk"), "→ 0", "started over")
}

func TestLanguageFollowsHintUntilChosen(t *testing.T) {
	h := newHarness(t)
	r := h.deliver(bot.Inbound{Platform: "test", UserID: "hu", ChatID: "chat-hu", Text: "/start", LangHint: "zh-hans"})
	mustContain(t, r, "你好")
	h.send("hu", "/lang en")
	r = h.deliver(bot.Inbound{Platform: "test", UserID: "hu", ChatID: "chat-hu", Text: "/start", LangHint: "zh-hans"})
	mustContain(t, r, "Hello")
	if s, _ := h.state("hu", ""); s.Lang != flows.EN || !s.LangSet {
		t.Errorf("seller = %+v", s)
	}
}

func TestFreeTextWithoutAMarketGetsHelp(t *testing.T) {
	h := newHarness(t)
	mustContain(t, h.send("ivy", "hi there"), "not started onboarding", "/onboard")
	mustContain(t, h.send("ivy", "/checklist"), "name a market")
	mustContain(t, h.send("ivy", "/back"), "nothing to go back to")
	mustContain(t, h.send("ivy", "/checklist tiktok-uk"), "not started", "/onboard tiktok-uk")
}

func TestPublicMentionInvitesToDirectMessage(t *testing.T) {
	h := newHarness(t)
	h.send("pat", "/start")
	r := h.deliver(bot.Inbound{Platform: "test", UserID: "pat", ChatID: "C1/171.1", UpdateID: "ev1", Text: "status", Public: true})
	mustContain(t, r, "direct message")
	if r.ChatID != "C1/171.1" {
		t.Errorf("answered in %q, not where asked", r.ChatID)
	}
	if r := h.send("pat", "/help"); r.ChatID != "chat-pat" {
		t.Errorf("the private chat became %q", r.ChatID)
	}
	// A seller whose first contact is a public mention has no private chat yet.
	h.deliver(bot.Inbound{Platform: "test", UserID: "quinn", ChatID: "C1/172.1", UpdateID: "ev2", Text: "hi", Public: true})
	if s, _ := h.state("quinn", ""); s.ChatID != "" {
		t.Errorf("the public thread became the seller's chat: %q", s.ChatID)
	}
	if s, o := h.state("pat", ""); s.Market != "" || o.Market != "" {
		t.Error("a public mention started onboarding")
	}
}

func TestItemIDsAreCaseInsensitiveAndMayNameTheMarket(t *testing.T) {
	h := newHarness(t)
	h.onboardUK("ann", "en", "beauty")
	mustContain(t, h.send("ann", "/done SCPN"), "Done")
	mustContain(t, h.send("ann", "/why tiktok-uk:UK-RP"), "Responsible Person", "legislation.gov.uk")
	mustContain(t, h.send("ann", "/na tiktok-id:bpom-food"), `no checklist item "tiktok-id:bpom-food"`)
}

// A market can be named as a seller would, in Chinese or English: one
// match starts it, several are offered to pick from.
func TestMarketsNamedByRegionOrPlatform(t *testing.T) {
	h := newHarness(t)
	h.send("ren", "/lang zh")
	mustContain(t, h.send("ren", "/onboard 英国"), "TikTok Shop 英国跨境店", "第 1 题")
	r := h.send("ren", "入驻 印尼")
	mustContain(t, r, "选一个")
	mustOffer(t, r, "onboard lazada-id", "onboard shopee-id", "onboard tiktok-id")
	mustContain(t, h.send("ren", "/onboard shopee 印尼"), "Shopee", "第 1 题")
	mustContain(t, h.send("ren", "/onboard 火星"), "没有这个市场")
}
