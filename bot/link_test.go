package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// clockHarness is the core with a clock the test moves.
func clockHarness(t *testing.T) (*harness, *time.Time) {
	t.Helper()
	store := datatest.Store(t)
	now := today
	core := bot.New(store, datatest.Rules(t), bot.WithClock(func() time.Time { return now }))
	return &harness{t: t, store: store, core: core}, &now
}

func (h *harness) on(platform, user, text string) string {
	h.t.Helper()
	return h.deliver(bot.Inbound{Platform: platform, UserID: user, ChatID: platform + "-chat-" + user, Text: text, Name: user}).Text
}

var codeRE = regexp.MustCompile(`[2-9A-Z]{4}-[2-9A-Z]{4}`)

func codeIn(t *testing.T, reply string) string {
	t.Helper()
	c := codeRE.FindString(reply)
	if c == "" {
		t.Fatalf("no code in:\n%s", reply)
	}
	return c
}

// A seller starts on one platform, links another, continues there, and
// both see the same progress; announcements reach them once.
func TestLinkContinuesOnTheOtherPlatform(t *testing.T) {
	h, _ := clockHarness(t)
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1", "0"} {
		h.on("telegram", "100", text)
	}
	code := codeIn(t, h.on("telegram", "100", "/link"))
	has(t, "link", h.on("slack", "U1", "link "+code), []string{"Linked"}, nil)
	h.on("slack", "U1", "1") // the next answer, from Slack
	tg, sl := h.on("telegram", "100", "/status"), h.on("slack", "U1", "/status")
	if tg != sl || !strings.Contains(tg, "TikTok") {
		t.Errorf("status differs:\ntelegram: %s\nslack: %s", tg, sl)
	}
	has(t, "whoami", h.on("slack", "U1", "whoami"), []string{"Telegram 100", "Slack U1 (this one)"}, nil)
	subs, err := h.store.Onboardings(context.Background(), 1)
	if err != nil || len(subs) != 1 || len(subs[0].State.Answers) != 3 {
		t.Fatalf("the company's progress: %+v %v", subs, err)
	}
	// Announcements: once, to the account used last (Slack).
	var got []bot.Subscriber
	h.store.Update(context.Background(), func(tx bot.Tx) error {
		got, err = tx.Subscribers(context.Background(), []string{"tiktok-uk"})
		return err
	})
	if len(got) != 1 || got[0].Seller.Platform != "slack" || got[0].Seller.ChatID != "slack-chat-U1" {
		t.Errorf("subscribers: %+v", got)
	}
	// Unlinking leaves the progress with the seller; Slack starts afresh.
	has(t, "unlink", h.on("telegram", "100", "/unlink slack"), []string{"separated"}, nil)
	has(t, "after unlink", h.on("slack", "U1", "/status"), []string{"not started"}, []string{"TikTok Shop UK ·"})
	has(t, "telegram keeps it", h.on("telegram", "100", "/status"), []string{"TikTok"}, nil)
}

func TestLinkBadCodes(t *testing.T) {
	h, now := clockHarness(t)
	h.on("telegram", "100", "/lang en")
	code := codeIn(t, h.on("telegram", "100", "/link"))
	has(t, "itself", h.on("telegram", "100", "link "+code), []string{"already yours"}, []string{"Linked"})
	has(t, "garbage", h.on("slack", "U1", "link hello"), []string{"not right"}, nil)
	wrong := code[:5] + strings.Map(func(r rune) rune {
		if r == 'Z' {
			return 'Y'
		}
		return 'Z'
	}, code[5:])
	for range bot.MaxCodeTries {
		has(t, "wrong secret", h.on("slack", "U2", "link "+wrong), []string{"not right"}, nil)
	}
	has(t, "void", h.on("slack", "U3", "link "+code), []string{"void"}, []string{"Linked"})

	code = codeIn(t, h.on("telegram", "100", "/link"))
	*now = now.Add(bot.CodeTTL)
	has(t, "expired", h.on("slack", "U3", "link "+code), []string{"expired"}, nil)

	code = codeIn(t, h.on("telegram", "100", "/link"))
	has(t, "right", h.on("slack", "U3", "link "+strings.ToLower(code)), []string{"Linked"}, nil)
	has(t, "reused", h.on("console", "me", "link "+code), []string{"used already"}, nil)
	code = codeIn(t, h.on("telegram", "100", "/link"))
	has(t, "same company", h.on("slack", "U3", "link "+code), []string{"already yours"}, nil)

	// Brute force: an account that gave too many wrong codes must wait.
	for range bot.MaxAccountTries {
		h.on("slack", "U9", "link AAAA-AAAA")
	}
	code = codeIn(t, h.on("telegram", "100", "/link"))
	has(t, "rate limited", h.on("slack", "U9", "link "+code), []string{"Too many"}, []string{"Linked"})
	*now = now.Add(bot.CodeTryWindow)
	code = codeIn(t, h.on("telegram", "100", "/link"))
	has(t, "an hour later", h.on("slack", "U9", "link "+code), []string{"Linked"}, nil)
}

// Both had started the same market: the seller picks which to keep.
func TestLinkAsksWhichProgressToKeep(t *testing.T) {
	h, _ := clockHarness(t)
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1", "0"} {
		h.on("telegram", "100", text)
	}
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1"} {
		h.on("slack", "U1", text)
	}
	code := codeIn(t, h.on("telegram", "100", "/link"))
	replies, err := h.core.Handle(context.Background(), bot.Inbound{Platform: "slack", UserID: "U1", ChatID: "c", Text: "link " + code})
	if err != nil {
		t.Fatal(err)
	}
	last := replies[len(replies)-1]
	has(t, "conflict", last.Text, []string{"Both sides", "2 answers", "1 answers"}, nil)
	if len(last.Choices) != 2 {
		t.Fatalf("choices: %+v", last.Choices)
	}
	// Keep the Slack account's progress (one answer).
	keep := last.Choices[1].Ref.Choice
	has(t, "keep", h.on("slack", "U1", keep), []string{"Kept"}, nil)
	has(t, "again", h.on("slack", "U1", keep), []string{"no progress left"}, nil)
	os, err := h.store.Onboardings(context.Background(), 1)
	if err != nil || len(os) != 1 || len(os[0].State.Answers) != 1 {
		t.Fatalf("kept progress: %+v %v", os, err)
	}
	hist, _, err := h.store.History(context.Background(), 1, "tiktok-uk", 0, 50)
	var setAside bool
	for _, e := range hist {
		setAside = setAside || (e.Action == bot.ActionLink && strings.Contains(e.Value, `"Market":"tiktok-uk"`))
	}
	if err != nil || !setAside {
		t.Errorf("the other progress is not in the history: %+v %v", hist, err)
	}
}

// An invited colleague marks an item and the owner is told, once their
// burst is over, in one message.
func TestTeam(t *testing.T) {
	h, now := clockHarness(t)
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty"} {
		h.on("telegram", "100", text)
	}
	code := codeIn(t, h.on("telegram", "100", "/invite"))
	has(t, "member cannot invite", h.on("slack", "U1", "/invite"), nil, nil)
	has(t, "join", h.on("slack", "U1", "join "+code), []string{"joined the company"}, nil)
	h.on("slack", "U1", "/lang zh")
	has(t, "colleague marks", h.on("slack", "U1", "done scpn REF1"), []string{"已完成"}, nil)
	h.on("slack", "U1", "na uk-rp")
	has(t, "member cannot invite", h.on("slack", "U1", "/invite"), []string{"创建者"}, nil)
	ctx := context.Background()
	if _, err := h.core.FlushTeamNotes(ctx, bot.TeamNoteQuiet); err != nil {
		t.Fatal(err)
	}
	if p, _ := h.store.Pending(ctx, "telegram", "telegram-chat-100"); countNotes(p) != 0 {
		t.Fatalf("notes sent during the burst: %+v", p)
	}
	*now = now.Add(bot.TeamNoteQuiet)
	if _, err := h.core.FlushTeamNotes(ctx, bot.TeamNoteQuiet); err != nil {
		t.Fatal(err)
	}
	p, _ := h.store.Pending(ctx, "telegram", "telegram-chat-100")
	if countNotes(p) != 1 || !strings.Contains(p[len(p)-1].Text, "U1 marked SCPN done") || !strings.Contains(p[len(p)-1].Text, "U1 marked UK-RP not applicable") {
		t.Fatalf("the owner's note: %+v", p)
	}
	has(t, "team", h.on("telegram", "100", "/team"), []string{"1. 100 (owner) (you) · Telegram", "2. U1 · Slack · last: marked UK-RP"}, nil)
	has(t, "remove", h.on("telegram", "100", "/team remove 2"), []string{"removed"}, nil)
	has(t, "removed sees nothing", h.on("slack", "U1", "/status"), []string{"not started"}, []string{"TikTok Shop UK ·"})
}

func countNotes(rs []bot.Reply) int {
	n := 0
	for _, r := range rs {
		if strings.Contains(r.Text, "From your team") {
			n++
		}
	}
	return n
}

// Two members answer the same question at once: the first is taken, the
// second is told the question moved on.
func TestTeamAnswersTheSameQuestion(t *testing.T) {
	h, _ := clockHarness(t)
	for _, text := range []string{"/lang en", "/onboard tiktok-uk"} {
		h.on("telegram", "100", text)
	}
	code := codeIn(t, h.on("telegram", "100", "/invite"))
	h.on("slack", "U1", "join "+code)
	h.on("slack", "U1", "/lang en")
	h.on("slack", "U1", "/onboard tiktok-uk") // both see the first question
	h.on("telegram", "100", "/onboard tiktok-uk")
	has(t, "first", h.on("telegram", "100", "1"), []string{"question 2"}, nil)
	has(t, "second", h.on("slack", "U1", "2"), []string{"colleague answered", "question 2"}, nil)
	os, _ := h.store.Onboardings(context.Background(), 1)
	if len(os[0].State.Answers) != 1 {
		t.Errorf("answers: %+v", os[0].State.Answers)
	}
	has(t, "now current", h.on("slack", "U1", "0"), []string{"question 3"}, nil)
}

// A code survives a restart, and a redelivered /link or link <code>
// changes nothing and answers nothing: each is claimed with its update.
func TestLinkAcrossARestartAndRedelivered(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onboard.db")
	open := func() (*sqlite.Store, *bot.Core) {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return s, bot.New(s, datatest.Rules(t))
	}
	handle := func(core *bot.Core, platform, user, update, text string) []bot.Reply {
		t.Helper()
		out, err := core.Handle(ctx, bot.Inbound{Platform: platform, UserID: user, ChatID: platform + "-" + user, UpdateID: update, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	store, core := open()
	handle(core, "telegram", "100", "t1", "/lang en")
	handle(core, "telegram", "100", "t2", "/onboard tiktok-uk")
	asked := handle(core, "telegram", "100", "t3", "/link")
	code := codeIn(t, asked[0].Text)
	if again := handle(core, "telegram", "100", "t3", "/link"); len(again) != 0 {
		t.Errorf("a redelivered /link answered: %+v", again)
	}
	store.Close()

	store, core = open() // the process restarted: the code is still good
	defer store.Close()
	if linked := handle(core, "slack", "U1", "s1", "link "+code); len(linked) == 0 || !strings.Contains(linked[0].Text, "Linked") {
		t.Fatalf("link after a restart: %+v", linked)
	}
	if again := handle(core, "slack", "U1", "s1", "link "+code); len(again) != 0 {
		t.Errorf("a redelivered link answered: %+v", again)
	}
	who := handle(core, "slack", "U1", "s2", "whoami")
	if len(who) == 0 || strings.Count(who[0].Text, "Telegram 100")+strings.Count(who[0].Text, "Slack U1") != 2 {
		t.Errorf("whoami after a redelivered link: %+v", who)
	}
	// The code was used once: a third account cannot use it.
	if third := handle(core, "slack", "U2", "s3", "link "+code); len(third) == 0 || strings.Contains(third[0].Text, "Linked") {
		t.Errorf("a used code linked again: %+v", third)
	}
}

// companyState is what a refused command must leave as it was: the
// company's accounts, members and history (of every market and of none).
func (h *harness) companyState(seller int64) string {
	h.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := h.store.Update(ctx, func(tx bot.Tx) error {
		accts, err := tx.SellerAccounts(ctx, seller)
		if err != nil {
			return err
		}
		members, err := tx.Members(ctx, seller)
		for _, a := range accts {
			fmt.Fprintf(&b, "account %s member %d\n", a.Key(), a.MemberID)
		}
		for _, m := range members {
			fmt.Fprintf(&b, "member %d %s %s\n", m.ID, m.Name, m.Role)
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, market := range []string{"", "tiktok-uk"} {
		_, n, err := h.store.History(ctx, seller, market, 0, 1)
		if err != nil {
			h.t.Fatal(err)
		}
		fmt.Fprintf(&b, "history %q: %d\n", market, n)
	}
	return b.String()
}

// /unlink never separates the account it is sent from: the seller is told
// to send it from their other account, in their language, and nothing
// changes.
func TestUnlinkRefusesTheAccountWritingFrom(t *testing.T) {
	h, _ := clockHarness(t)
	h.on("telegram", "100", "/lang en")
	h.on("telegram", "100", "/onboard tiktok-uk")
	has(t, "link", h.on("slack", "U1", "link "+codeIn(t, h.on("telegram", "100", "/link"))), []string{"Linked"}, nil)
	h.on("slack", "U1", "/lang en")
	before := h.companyState(1)
	has(t, "en", h.on("slack", "U1", "/unlink slack"),
		[]string{"cannot separate the Slack account you are writing from", "/unlink slack from your other account", "Nothing was changed"}, []string{"separated."})
	h.on("slack", "U1", "/lang zh")
	has(t, "zh", h.on("slack", "U1", "解绑 Slack"), []string{"不能解除你正在用的这个 Slack 账号", "另一个账号里发 /unlink slack"}, []string{"已解除"})
	h.on("slack", "U1", "/lang en")
	if after := h.companyState(1); after != before {
		t.Errorf("a refused /unlink changed the company:\nbefore %s\nafter  %s", before, after)
	}
	has(t, "still linked", h.on("slack", "U1", "whoami"), []string{"Telegram 100", "Slack U1 (this one)"}, nil)

	// Alone, there is nothing to separate.
	h.on("telegram", "200", "/lang en")
	has(t, "alone", h.on("telegram", "200", "/unlink telegram"), []string{"your only one", "nothing to separate"}, []string{"separated."})
	// The terminal is named as sellers see it.
	has(t, "link the terminal", h.on("console", "me", "link "+codeIn(t, h.on("telegram", "100", "/link"))), []string{"Linked"}, nil)
	has(t, "unlink the terminal", h.on("telegram", "100", "/unlink terminal"), []string{"terminal account is separated"}, nil)
}

// A code whose giver left the company before it was used (removed by the
// owner, or gone to another company) is refused as void, changes nothing,
// and is not counted as a wrong try.
func TestCodeOfAMemberGoneMeanwhile(t *testing.T) {
	h, _ := clockHarness(t)
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1"} {
		h.on("telegram", "100", text)
	}
	has(t, "join", h.on("slack", "U1", "join "+codeIn(t, h.on("telegram", "100", "/invite"))), []string{"joined the company"}, nil)
	h.on("slack", "U1", "/lang en")
	linkCode := codeIn(t, h.on("slack", "U1", "/link")) // U1 means to add their terminal
	has(t, "remove", h.on("telegram", "100", "/team remove 2"), []string{"removed"}, nil)
	company := h.companyState(1)

	for _, user := range []string{"me", "U1"} {
		platform := map[string]string{"me": "console", "U1": "slack"}[user]
		has(t, "the removed member's link code", h.on(platform, user, "/lang en"), nil, nil)
		has(t, "the removed member's link code", h.on(platform, user, "link "+linkCode),
			[]string{"no longer valid", "no longer in that company", "Nothing was changed"}, []string{"Linked", "not right"})
		has(t, "not linked", h.on(platform, user, "/status"), []string{"not started"}, []string{"TikTok Shop UK ·"})
	}
	if after := h.companyState(1); after != company {
		t.Errorf("a void code changed the company:\nbefore %s\nafter  %s", company, after)
	}
	has(t, "the team", h.on("telegram", "100", "/team"), []string{"1. 100 (owner) (you)"}, []string{"2."})
	ctx := context.Background()
	h.store.Update(ctx, func(tx bot.Tx) error {
		if n, err := tx.CodeTries(ctx, "console", "me", today.Add(-time.Hour)); n != 0 || err != nil {
			t.Errorf("a void code counted as a wrong try: %d %v", n, err)
		}
		return nil
	})

	// An invitation whose owner has since joined another company.
	h.on("telegram", "300", "/lang zh")
	invite := codeIn(t, h.on("telegram", "300", "/invite"))
	has(t, "300 joins 100", h.on("telegram", "300", "join "+codeIn(t, h.on("telegram", "100", "/invite"))), []string{"加入"}, nil)
	h.on("slack", "U5", "/lang zh")
	has(t, "the invitation of an owner gone", h.on("slack", "U5", "join "+invite), []string{"已经失效", "已经不在那个公司", "什么都没有改"}, []string{"加入了"})
	has(t, "U5 alone", h.on("slack", "U5", "/team"), []string{"1. U5"}, []string{"2."})
}

// The name a platform gives a member (Telegram's first and last name,
// Slack's profile, the terminal's OS user) is how the others see them: in
// the lines they get and in /team, kept up to date, as one short line;
// without one, the account's key.
func TestMemberNamesFromThePlatform(t *testing.T) {
	h, now := clockHarness(t)
	say := func(platform, user, name, text string) string {
		t.Helper()
		return h.deliver(bot.Inbound{Platform: platform, UserID: user, ChatID: platform + "-chat-" + user, Text: text, Name: name}).Text
	}
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty"} {
		say("telegram", "100", "王芳", text)
	}
	has(t, "join", say("slack", "U1", "李雷", "join "+codeIn(t, say("telegram", "100", "王芳", "/invite"))), []string{"joined"}, nil)
	has(t, "join", say("console", "me", "", "join "+codeIn(t, say("telegram", "100", "王芳", "/invite"))), []string{"joined"}, nil)
	say("slack", "U1", "李雷", "/lang en")
	say("slack", "U1", "李雷", "done scpn REF1")
	say("console", "me", "", "/lang en")
	say("console", "me", "", "na uk-rp")
	*now = now.Add(bot.TeamNoteQuiet)
	ctx := context.Background()
	if _, err := h.core.FlushTeamNotes(ctx, bot.TeamNoteQuiet); err != nil {
		t.Fatal(err)
	}
	p, _ := h.store.Pending(ctx, "telegram", "telegram-chat-100")
	has(t, "the owner's note", p[len(p)-1].Text, []string{"李雷 marked SCPN done", "console:me marked UK-RP not applicable"}, nil)
	has(t, "team", say("telegram", "100", "王芳", "/team"), []string{"1. 王芳 (owner) (you) · Telegram", "2. 李雷 · Slack", "3. console:me · terminal"}, nil)
	// In a team, /history says who did what.
	history := []string{"→ Beauty and cosmetics · 王芳", "done no. REF1 · 李雷", "not applicable · console:me"}
	has(t, "history", say("telegram", "100", "王芳", "/history tiktok-uk"), history, nil)
	// A name changed on the platform, and one that is not one short line.
	say("slack", "U1", "Lei  Li", "/status")
	long := strings.Repeat("长", bot.MaxNameRunes+10)
	say("console", "me", "Han\n\tMeimei\x00 "+long, "/status")
	has(t, "renamed", say("telegram", "100", "王芳", "/team"), []string{"2. Lei Li · Slack", "3. Han Meimei " + strings.Repeat("长", bot.MaxNameRunes-len("Han Meimei ")-1) + "… · terminal"}, nil)
	// A message without a name keeps the one known.
	say("slack", "U1", "", "/status")
	has(t, "kept", say("telegram", "100", "王芳", "/team"), []string{"2. Lei Li · Slack"}, nil)
	// An entry keeps the name its member had then; once removed, their
	// entries still say who, the owner's own no longer need to.
	has(t, "history after the rename", say("slack", "U1", "Lei Li", "/history tiktok-uk"), history, nil)
	say("telegram", "100", "王芳", "/team remove 3")
	say("telegram", "100", "王芳", "/team remove 2")
	has(t, "history alone", say("telegram", "100", "王芳", "/history tiktok-uk"), history[1:], []string{"· 王芳"})
	has(t, "account history alone", say("telegram", "100", "王芳", "/history account"), []string{"李雷 joined the team", "Lei Li was removed from the team"}, []string{"· 王芳", "joined the team · 李雷"})
	// A seller on their own reads no names.
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1"} {
		say("telegram", "300", "韩梅梅", text)
	}
	has(t, "alone", say("telegram", "300", "韩梅梅", "/history tiktok-uk"), []string{"started"}, []string{" · "})
}

// Linking, joining, a merge, removing a member and unlinking appear in
// /history, in the reader's language: the company's accounts and team
// under /history account (or team), what a merge did to a market in that
// market's history, beside its answers.
func TestLinksInTheHistory(t *testing.T) {
	h, _ := clockHarness(t)
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1", "0"} {
		h.on("telegram", "100", text)
	}
	for _, text := range []string{"/lang en", "/onboard tiktok-uk", "1", "/onboard shopee-my", "1"} {
		h.on("slack", "U1", text)
	}
	has(t, "nothing yet", h.on("telegram", "100", "/history account"), []string{"Nothing recorded for your accounts and team yet."}, nil)
	replies, err := h.core.Handle(context.Background(), bot.Inbound{Platform: "slack", UserID: "U1", ChatID: "c", Text: "link " + codeIn(t, h.on("telegram", "100", "/link"))})
	if err != nil {
		t.Fatal(err)
	}
	keep := replies[len(replies)-1].Choices[1].Ref.Choice // the Slack account's progress
	has(t, "keep", h.on("slack", "U1", keep), []string{"Kept"}, nil)
	invite := codeIn(t, h.on("telegram", "100", "/invite"))
	h.deliver(bot.Inbound{Platform: "slack", UserID: "U2", ChatID: "slack-chat-U2", Name: "李雷", Text: "join " + invite})
	has(t, "remove", h.on("telegram", "100", "/team remove 2"), []string{"李雷 is removed"}, nil)
	has(t, "unlink", h.on("telegram", "100", "/unlink slack"), []string{"separated"}, nil)

	account := []string{"Your history for your accounts and team (times in Asia/Shanghai):", "🔗 linked the Slack U1 account", "the progress the Slack U1 account had joined the company's",
		"👥 李雷 joined the team", "李雷 was removed from the team", "separated the Slack U1 account"}
	got := h.on("telegram", "100", "/history account")
	has(t, "account", got, account, []string{"link ", "unlinked", "removed\n"})
	for i := 1; i < len(account); i++ {
		if strings.Index(got, account[i-1]) > strings.Index(got, account[i]) {
			t.Errorf("%q is not before %q:\n%s", account[i-1], account[i], got)
		}
	}
	has(t, "team", h.on("telegram", "100", "/history team"), account, nil)
	has(t, "market both had", h.on("telegram", "100", "/history tiktok-uk"),
		[]string{"the Slack U1 account had progress here too", "a progress was kept; the other (eligibility stage, 2 answers) is set aside here", "→"}, []string{`{"`})
	has(t, "market moved in", h.on("telegram", "100", "/history shopee-my"), []string{"started", "→", "this progress came with the Slack U1 account"}, nil)
	has(t, "whoami says where", h.on("telegram", "100", "/whoami"), []string{"/history account"}, nil)

	h.on("telegram", "100", "/lang zh")
	has(t, "zh", h.on("telegram", "100", "记录 团队"), []string{"账号和团队 的记录（时间按 Asia/Shanghai）", "🔗 绑定了 Slack U1 账号", "Slack U1 账号原有的进度并入了公司",
		"👥 李雷 加入了团队", "李雷 被移出了团队", "解除了 Slack U1 账号"}, []string{"linked", "joined"})
	has(t, "zh market", h.on("telegram", "100", "/history tiktok-uk"), []string{"选择了保留的进度；另一份（「", "个回答）记在这里", "也有这个市场的进度"}, []string{"set aside"})
}
