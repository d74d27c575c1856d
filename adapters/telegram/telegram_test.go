package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/platformtest"
	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/bot/schedule"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

const (
	secret  = "s3cret_token-1"
	timeout = platformtest.Timeout
)

// env is one running bot: store, core, Telegram adapter and dispatcher,
// against the test Bot API server.
type env struct {
	t       testing.TB
	srv     *tgtest.Server
	bot     *platformtest.Bot
	store   *sqlite.Store
	adapter *telegram.Adapter
	core    *bot.Core
	admin   *admin.Admin
	webhook *httptest.Server // nil when polling
}

// options change how start runs the bot.
type options struct {
	admins    []string
	rate      float64 // overall messages per second (default 1000)
	chatRate  float64 // per chat (default 1000)
	groupRate float64 // notices per group (default 1000)
	progress  bool    // run the announcement progress loop
}

func start(t testing.TB, srv *tgtest.Server, db, mode string, opt ...options) *env {
	t.Helper()
	o := options{}
	if len(opt) > 0 {
		o = opt[0]
	}
	for _, r := range []*float64{&o.rate, &o.chatRate, &o.groupRate} {
		if *r == 0 {
			*r = 1000
		}
	}
	b := platformtest.NewBot(t, db)
	adm := admin.New(b.Store, o.admins, admin.WithNotifier(b.Hub))
	core := b.Core(datatest.Rules(t), bot.WithAdmins(adm))
	a, err := telegram.New(b.Ctx, telegram.Config{
		Token: tgtest.Token, ServerURL: srv.URL, WebhookSecret: secret, Rate: o.rate, ChatRate: o.chatRate, GroupRate: o.groupRate,
		PollTimeout: 5 * time.Second, Admins: telegram.AdminIDs(o.admins),
	}, core)
	if err != nil {
		t.Fatal(err)
	}
	b.Dispatch(telegram.Platform, a)
	e := &env{t: t, srv: srv, bot: b, store: b.Store, adapter: a, core: core, admin: adm}
	if o.progress {
		b.Go(func(ctx context.Context) {
			_ = schedule.Run(ctx, slog.New(slog.DiscardHandler), adm.ProgressJob(map[string]bot.Editor{telegram.Platform: a}, 50*time.Millisecond))
		})
	}
	if mode == "poll" {
		b.Go(func(ctx context.Context) { _ = a.Poll(ctx) })
	} else {
		e.webhook = httptest.NewServer(a.WebhookHandler())
		b.OnStop(e.webhook.Close)
	}
	return e
}

// stop shuts the bot down the way SIGTERM does (see platformtest.Bot).
func (e *env) stop() { e.bot.Stop() }

// deliver hands an update to the bot: queued for getUpdates when polling,
// POSTed with the secret in webhook mode (which must answer 200).
// answered runs do (a message from user) and returns the last message of
// the answer, once the store has nothing left to send to the chat.
func (e *env) answered(user int64, do func()) tgtest.Sent {
	e.t.Helper()
	chat := strconv.FormatInt(user, 10)
	settled := func() bool {
		p, err := e.store.Pending(context.Background(), "telegram", chat)
		return err == nil && len(p) == 0
	}
	return platformtest.Answered(e.t, e.srv, user, do, settled)
}

func (e *env) deliver(u *models.Update) {
	e.t.Helper()
	if e.webhook == nil {
		e.srv.AddUpdate(u)
		return
	}
	if u.ID == 0 {
		u.ID = time.Now().UnixNano() % 1e12
	}
	if code := e.post(u, secret); code != http.StatusOK {
		e.t.Fatalf("webhook answered %d", code)
	}
}

func (e *env) post(u any, token string) int {
	e.t.Helper()
	body, _ := json.Marshal(u)
	if raw, ok := u.(string); ok {
		body = []byte(raw)
	}
	req, _ := http.NewRequest(http.MethodPost, e.webhook.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The readers of what the bot sent, shared with the Slack tests.
var (
	nth         = platformtest.Nth[int64, tgtest.Sent]
	texts       = platformtest.Texts[tgtest.Sent]
	mustContain = platformtest.MustContain[tgtest.Sent]
)

// click presses button i of message m and returns the update.
func click(t *testing.T, user int64, m tgtest.Sent, i int) *models.Update {
	t.Helper()
	data, _ := m.Buttons()
	if i >= len(data) {
		t.Fatalf("message has %d buttons, want button %d:\n%s", len(data), i, m.Text)
	}
	return tgtest.Click(user, m, data[i])
}

// message returns the current version of a message the bot sent (edits
// included).
func message(t *testing.T, srv *tgtest.Server, chat int64, id int) tgtest.Sent {
	t.Helper()
	return platformtest.Find(t, srv, chat, strconv.Itoa(id), func(m tgtest.Sent) bool { return m.MessageID == id })
}

// A seller goes from the first question to a finished checklist by
// buttons alone, ticking two categories on the way (the question is edited
// in place as they tick, and nothing is answered until they press Done).
func TestFullOnboardingByButtonsAndText(t *testing.T) {
	for _, mode := range []string{"poll", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			srv := tgtest.New()
			defer srv.Close()
			e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), mode)
			const user = 5001

			e.deliver(tgtest.Text(user, "en", "/start"))
			mustContain(t, nth(t, srv, user, 1), "Hello", "/onboard")
			e.deliver(tgtest.Text(user, "en", "/onboard tiktok-uk"))
			q := nth(t, srv, user, 2)
			mustContain(t, q, "Who will open the shop?")
			if data, labels := q.Buttons(); len(data) != 3 || labels[0] != "A company registered in mainland China or Hong Kong" {
				t.Fatalf("keyboard = %v %v", data, labels)
			}
			if !strings.Contains(q.HTML, "<b>TikTok Shop UK") || !strings.Contains(q.HTML, "<i>Source:") {
				t.Errorf("the question is not formatted (bold header, source in italics):\n%s", q.HTML)
			}

			steps := []struct {
				button int    // -1: answer by text
				text   string // the text answer
				next   string // what the next message asks
			}{
				{0, "", "How many TikTok shops"},
				{-1, "0", "company registration certificate"},
				{0, "", "Amazon, Walmart, eBay"},
				{0, "", "UK VAT number?"},
				{0, "", "enter your UK VAT number"},
				{-1, "GB 123 456 789", "Where will your orders ship from?"},
				{1, "", "Which product categories"},
			}
			n := 2
			for _, s := range steps {
				if s.button >= 0 {
					e.deliver(click(t, user, q, s.button))
				} else {
					e.deliver(tgtest.Text(user, "en", s.text))
				}
				n++
				q = nth(t, srv, user, n)
				mustContain(t, q, s.next)
			}

			// Tick beauty and toys: the same message is edited each time.
			for i, category := range []string{"Beauty", "Toys"} {
				e.deliver(click(t, user, message(t, srv, user, q.MessageID), platformtest.Button(t, message(t, srv, user, q.MessageID), category)))
				if !srv.Wait(timeout, func() bool { return message(t, srv, user, q.MessageID).Edits == i+1 }) {
					t.Fatalf("the category question was not edited after ticking %s", category)
				}
				_, labels := message(t, srv, user, q.MessageID).Buttons()
				if !slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, "✅ "+category) }) {
					t.Errorf("after ticking %s: buttons %v", category, labels)
				}
			}
			if got := len(srv.SentTo(user)); got != n {
				t.Fatalf("%d messages after ticking, want %d: ticking must not send new messages", got, n)
			}
			e.deliver(click(t, user, message(t, srv, user, q.MessageID), platformtest.Button(t, message(t, srv, user, q.MessageID), "☑️ Done (2)")))
			n++ // the outcome, then the checklist in a message of its own
			mustContain(t, nth(t, srv, user, n), "✅ You can open a shop")
			n++
			q = nth(t, srv, user, n)
			mustContain(t, q, "UK Responsible Person", "SCPN", "UKCA")

			// Every item by its button: open it, read its source, mark it.
			for round := 0; ; round++ {
				if round > 40 {
					t.Fatal("the checklist never finished")
				}
				if strings.Contains(q.Text, "complete") {
					break
				}
				next := 0 // the outcome's first item button, then each reply's "Next"
				if round > 0 {
					next = platformtest.Button(t, q, "Next:")
				}
				e.deliver(click(t, user, q, next))
				n++
				card := nth(t, srv, user, n)
				mustContain(t, card, "Source:")
				e.deliver(click(t, user, card, platformtest.Button(t, card, "✅ Done")))
				n++
				q = nth(t, srv, user, n)
			}
			mustContain(t, q, "🎉")
			if got := len(srv.SentTo(user)); got != n {
				t.Errorf("%d messages sent, want %d (one per input)", got, n)
			}
			// Each answered click was acknowledged; answered questions show the answer.
			marked := false
			for _, c := range srv.Calls("editMessageText") {
				marked = marked || (strings.Contains(c.Params["text"], "✅ A company registered in mainland China or Hong Kong") && c.Params["reply_markup"] == "")
			}
			if !marked {
				t.Error("the first question was not edited to show the answer")
			}
			if !srv.Wait(timeout, func() bool { return len(srv.Calls("answerCallbackQuery")) >= 8 }) {
				t.Errorf("%d callback answers", len(srv.Calls("answerCallbackQuery")))
			}
		})
	}
}

func TestRestartMidFlowContinuesAndOldButtonsWork(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	const user = 5002
	e := start(t, srv, db, "poll")
	e.deliver(tgtest.Text(user, "zh-hans", "/onboard tiktok-uk"))
	q := nth(t, srv, user, 1)
	e.deliver(click(t, user, q, 0))
	nth(t, srv, user, 2)
	e.deliver(tgtest.Text(user, "zh-hans", "0"))
	docs := nth(t, srv, user, 3)
	mustContain(t, docs, "营业执照") // the language followed language_code
	e.stop()

	// A new process on the same database and the same Bot API.
	e = start(t, srv, db, "poll")
	e.deliver(tgtest.Text(user, "zh-hans", "/status"))
	mustContain(t, nth(t, srv, user, 4), "TikTok Shop 英国跨境店", "第 3 题")
	e.deliver(click(t, user, docs, 0)) // a button sent before the restart
	mustContain(t, nth(t, srv, user, 5), "亚马逊")
	if got := len(srv.SentTo(user)); got != 5 {
		t.Errorf("%d messages, want 5: %v", got, texts(srv.SentTo(user)))
	}
}

func TestPollingConfirmsOnlyCommittedUpdates(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	const user = 5003
	e := start(t, srv, db, "poll")
	first := tgtest.Text(user, "en", "/start")
	id := srv.AddUpdate(first)
	nth(t, srv, user, 1)
	if !srv.Wait(timeout, func() bool { return srv.Confirmed() > id }) {
		t.Fatalf("offset %d never passed update %d", srv.Confirmed(), id)
	}
	e.stop()

	// The process died after committing but before confirming: Telegram
	// delivers the update again to the next process, which recognises it.
	srv.AddUpdate(first)
	e = start(t, srv, db, "poll")
	e.deliver(tgtest.Text(user, "en", "/markets"))
	mustContain(t, nth(t, srv, user, 2), "tiktok-uk")
	if got := len(srv.SentTo(user)); got != 2 {
		t.Errorf("%d messages, want 2: %v", got, texts(srv.SentTo(user)))
	}
}

func TestWebhookRedeliveryAndBadRequests(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const user = 5004

	u := tgtest.Text(user, "en", "/onboard tiktok-uk")
	u.ID = 77
	e.deliver(u)
	e.deliver(u) // Telegram retried: the same update_id
	e.deliver(tgtest.Text(user, "en", "1"))
	mustContain(t, nth(t, srv, user, 2), "How many TikTok shops")

	intruder := tgtest.Text(5999, "en", "/start")
	intruder.ID = 78
	for _, token := range []string{"", "wrong", secret + "x"} {
		if code := e.post(intruder, token); code != http.StatusUnauthorized {
			t.Errorf("secret %q: %d, want 401", token, code)
		}
	}
	if code := e.post("{not json", secret); code != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d, want 400", code)
	}
	// Nothing happened for the rejected requests: no seller, no message.
	err := e.store.Update(context.Background(), func(tx bot.Tx) error {
		if _, err := tx.Seller(context.Background(), telegram.Platform, "5999"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("a rejected request created a seller: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(tgtest.Text(user, "en", "/status"))
	nth(t, srv, user, 3)
	if got := len(srv.Sent()); got != 3 {
		t.Errorf("%d messages in all, want 3: %v", got, texts(srv.Sent()))
	}
}

func TestRateLimitedSendWaitsAndDeliversOnce(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const user = 5005
	srv.FailNext(user, tgtest.Failure{Code: 429, RetryAfter: 1})
	e.deliver(tgtest.Text(user, "en", "/start"))
	m := nth(t, srv, user, 1)
	mustContain(t, m, "Hello")
	calls := srv.Calls("sendMessage")
	if len(calls) != 2 {
		t.Fatalf("%d sendMessage calls, want 2 (the 429, then the same message)", len(calls))
	}
	if calls[0].Params["text"] != calls[1].Params["text"] {
		t.Error("the retry sent a different message")
	}
	if wait := calls[1].At.Sub(calls[0].At); wait < time.Second {
		t.Errorf("retried after %s, before retry_after (1s)", wait)
	}
	e.deliver(tgtest.Text(user, "en", "/help"))
	nth(t, srv, user, 2)
	if got := len(srv.SentTo(user)); got != 2 {
		t.Errorf("%d messages, want 2", got)
	}
}

func TestBlockedSellerIsMarkedUnreachable(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const user = 5006
	e.deliver(tgtest.Text(user, "en", "/start"))
	nth(t, srv, user, 1)
	srv.Block(user)
	e.deliver(tgtest.Text(user, "en", "/help"))
	unreachable := func() bool {
		var s bot.Seller
		_ = e.store.Update(context.Background(), func(tx bot.Tx) error {
			var err error
			s, err = tx.Seller(context.Background(), telegram.Platform, "5006")
			return err
		})
		return s.Unreachable
	}
	if !srv.Wait(timeout, func() bool { return len(srv.Calls("sendMessage")) >= 2 && unreachable() }) {
		t.Fatal("the seller was not marked unreachable")
	}
	if pending, _ := e.store.Pending(context.Background(), telegram.Platform, "5006"); len(pending) != 0 {
		t.Errorf("%d messages still pending for an unreachable seller", len(pending))
	}
	if got := len(srv.SentTo(user)); got != 1 {
		t.Errorf("%d messages delivered, want 1", got)
	}
}

func TestUpdatesTheBotDoesNotHandle(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const user = 5007

	sticker := tgtest.Text(user, "en", "")
	sticker.Message.Sticker = &models.Sticker{FileID: "x"}
	e.deliver(sticker)
	mustContain(t, nth(t, srv, user, 1), "only read text")

	edited := tgtest.Text(user, "en", "edited")
	edited.EditedMessage, edited.Message = edited.Message, nil
	e.deliver(edited)
	e.deliver(&models.Update{ChannelPost: &models.Message{ID: 1, Chat: models.Chat{ID: -100, Type: models.ChatTypeChannel}, Text: "news"}})

	e.deliver(tgtest.Click(user, tgtest.Sent{ChatID: user, MessageID: 1, Text: "old", At: time.Now()}, "zzz"))
	mustContain(t, nth(t, srv, user, 2), "not started onboarding")
	// Acknowledged after the commit, on its own.
	srv.Wait(timeout, func() bool { return len(srv.Calls("answerCallbackQuery")) > 0 })
	answers := srv.Calls("answerCallbackQuery")
	if len(answers) != 1 || answers[0].Params["text"] == "" {
		t.Errorf("unknown callback data not acknowledged with a notice: %v", answers)
	}

	// Group chats: only commands addressed to this bot, answered privately.
	group := func(text string) *models.Update {
		u := tgtest.Text(user, "en", text)
		u.Message.Chat = models.Chat{ID: -4242, Type: models.ChatTypeGroup}
		return u
	}
	e.deliver(group("hello everyone"))
	e.deliver(group("/status"))
	e.deliver(group("/status@" + tgtest.Username))
	mustContain(t, nth(t, srv, user, 3), "not started onboarding")
	if !srv.Wait(timeout, func() bool { return len(srv.SentTo(-4242)) == 1 }) {
		t.Fatalf("group got %v", texts(srv.SentTo(-4242)))
	}
	mustContain(t, srv.SentTo(-4242)[0], "private chat")
	if got := len(srv.Sent()); got != 4 {
		t.Errorf("%d messages in all, want 4: %v", got, texts(srv.Sent()))
	}
}

func TestLongRepliesAreSplitAndCommandsRegistered(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	long := strings.Repeat("一行中文说明,用来把消息撑长。\n", 700) // about 11,000 characters
	r := bot.Reply{ID: 99, Platform: telegram.Platform, ChatID: "5008", Text: long,
		Choices: []bot.Choice{{Label: "OK", Ref: bot.ChoiceRef{Market: "m", Question: "q", Choice: "c"}}}}
	if _, err := e.adapter.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	parts := srv.SentTo(5008)
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3", len(parts))
	}
	var joined strings.Builder
	for i, p := range parts {
		if !strings.HasSuffix(p.Text, "。") {
			t.Errorf("part %d was not cut at a line end", i)
		}
		if _, labels := p.Buttons(); (len(labels) > 0) != (i == 2) {
			t.Errorf("part %d: keyboard %v, want it on the last part only", i, labels)
		}
		joined.WriteString(p.Text + "\n")
	}
	if joined.String() != long {
		t.Error("the parts do not add up to the reply")
	}

	if err := e.adapter.RegisterCommands(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls("setMyCommands")
	if len(calls) != 2 || calls[1].Params["language_code"] != "zh" || !strings.Contains(calls[1].Params["commands"], "开始或继续") ||
		!strings.Contains(calls[0].Params["commands"], `"command":"onboard"`) {
		t.Errorf("setMyCommands calls = %v", calls)
	}
}

// Sellers' menu has the sellers' commands; an admin's chat has the admins'
// commands too.
func TestAdminCommandsOnlyInAdminsMenus(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook", options{admins: []string{"telegram:4242"}})
	if err := e.adapter.RegisterCommands(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls("setMyCommands")
	if len(calls) != 4 {
		t.Fatalf("%d setMyCommands calls, want 4 (sellers and the admin, in English and Chinese)", len(calls))
	}
	for _, c := range calls {
		admin := strings.Contains(c.Params["scope"], `"chat_id":4242`)
		if has := strings.Contains(c.Params["commands"], `"command":"announce"`); has != admin {
			t.Errorf("menu for scope %q lists announce: %v", c.Params["scope"], has)
		}
		if !strings.Contains(c.Params["commands"], `"command":"status"`) {
			t.Errorf("menu for scope %q lacks status", c.Params["scope"])
		}
	}
}

// Where a text is cut is tested in textcut; here, how the platform counts.
func TestSplit(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"emoji count twice", "😀😀😀", 4, []string{"😀😀", "😀"}},
		{"a limit too small for any rune", "😀😀😀", 1, []string{"😀😀", "😀"}},
		{"only blank lines", strings.Repeat("\n", 10), 4, []string{"…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := telegram.Split(tt.text, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Split = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAButtonOfAnotherChatIsRefused: an update claiming that one user
// pressed a button under another user's message (which real Telegram never
// sends) must not answer for either of them.
func TestAButtonOfAnotherChatIsRefused(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const owner, intruder = 5201, 5202
	e.deliver(tgtest.Text(owner, "en", "/onboard tiktok-uk"))
	q := nth(t, srv, owner, 1)
	e.deliver(tgtest.Text(intruder, "en", "/onboard tiktok-uk"))
	nth(t, srv, intruder, 1)

	forged := click(t, intruder, q, 2) // "An individual": would stop the owner's onboarding
	e.deliver(forged)
	mustContain(t, nth(t, srv, intruder, 2), "no longer current")
	var o bot.Onboarding
	_ = e.store.Update(context.Background(), func(tx bot.Tx) error {
		s, err := tx.Seller(context.Background(), telegram.Platform, "5201")
		if err != nil {
			return err
		}
		o, err = tx.Onboarding(context.Background(), s.ID, "tiktok-uk")
		return err
	})
	if len(o.State.Answers) != 0 {
		t.Errorf("the owner's onboarding took a forged answer: %+v", o.State.Answers)
	}
	if got := len(srv.SentTo(owner)); got != 1 {
		t.Errorf("the owner got %d messages, want 1", got)
	}
}

// TestFastMessagesOfOneChatAreHandledInOrder queues a seller's answers all
// at once, as a fast typist would, while another seller writes too: each
// chat's updates are handled in the order sent.
func TestFastMessagesOfOneChatAreHandledInOrder(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "poll")
	const fast, other = 5301, 5302
	script := []string{"/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty"}
	for i, text := range script {
		srv.AddUpdate(tgtest.Text(fast, "en", text))
		srv.AddUpdate(tgtest.Text(other, "en", []string{"/onboard tiktok-id", "/status", "/help", "/markets", "/status", "/help", "/markets", "/status"}[i]))
	}
	if !srv.Wait(timeout, func() bool {
		sent := srv.SentTo(fast)
		return len(sent) > 0 && strings.Contains(sent[len(sent)-1].Text, "UK Responsible Person")
	}) {
		t.Fatalf("the fast seller never got the checklist: %d messages", srv.CountTo(fast))
	}
	nth(t, srv, other, len(script))
	var o bot.Onboarding
	_ = e.store.Update(context.Background(), func(tx bot.Tx) error {
		s, err := tx.Seller(context.Background(), telegram.Platform, "5301")
		if err != nil {
			return err
		}
		o, err = tx.Onboarding(context.Background(), s.ID, "tiktok-uk")
		return err
	})
	var got []string
	for _, a := range o.State.Answers {
		got = append(got, a.Question)
	}
	want := []string{"entity", "shops", "documents", "marketplace", "vat", "stock", "categories"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("answers recorded as %v, want %v", got, want)
	}
}

// Day-one breakages, through Telegram: a certificate number with a space
// is taken, marking the item done again keeps its number and expiry, and
// a stray text after the questions gets one short line, not the checklist.
func TestDayOneBreakagesThroughTelegram(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const user = 5601
	for _, in := range []string{"/onboard amazon-de", "1", "2099-12-31", "1", "1", "1", "electronics"} {
		e.answered(user, func() { e.deliver(tgtest.Text(user, "en", in)) })
	}
	mustContain(t, e.answered(user, func() { e.deliver(tgtest.Text(user, "en", "/done weee DE 12345678 2027-06-30")) }), "DE 12345678", "2027-06-30")
	mustContain(t, e.answered(user, func() { e.deliver(tgtest.Text(user, "en", "/done weee")) }), "DE 12345678", "2027-06-30")
	stray := e.answered(user, func() { e.deliver(tgtest.Text(user, "en", "ok thanks")) })
	mustContain(t, stray, "answered every question")
	if n := len([]rune(stray.Text)); n > 300 {
		t.Errorf("a stray text got %d characters back:\n%s", n, stray.Text)
	}
	if _, labels := stray.Buttons(); !slices.ContainsFunc(labels, func(l string) bool { return strings.Contains(l, "Checklist") }) {
		t.Errorf("the short line offers no checklist button: %v", labels)
	}
}
