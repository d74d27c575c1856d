package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/platformtest"
	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

const (
	timeout    = platformtest.Timeout
	retryAfter = 300 * time.Millisecond // the adapter's wait after a 429 without Retry-After
)

// env is one running bot: store, core, Slack adapter and dispatcher,
// against the test Slack; intake by signed HTTP requests or Socket Mode.
type env struct {
	t       *testing.T
	srv     *slacktest.Server
	bot     *platformtest.Bot
	store   *sqlite.Store
	adapter *slack.Adapter
	web     *httptest.Server // nil in Socket Mode
}

// answered runs do (a message in the channel dm) and returns the last
// message of the answer, once the store has nothing left to send there.
func (e *env) answered(dm string, do func()) slacktest.Sent {
	e.t.Helper()
	settled := func() bool {
		p, err := e.store.Pending(context.Background(), "slack", dm)
		return err == nil && len(p) == 0
	}
	return platformtest.Answered(e.t, e.srv, dm, do, settled)
}

func start(t *testing.T, srv *slacktest.Server, db, mode string, opts ...func(*slack.Config)) *env {
	t.Helper()
	b := platformtest.NewBot(t, db)
	core := b.Core(datatest.Rules(t))
	cfg := slack.Config{
		BotToken: slacktest.BotToken, APIURL: srv.URL + "/", SigningSecret: slacktest.SigningSecret,
		Rate: 1000, ChatRate: 1000, RetryAfter: retryAfter,
	}
	if mode == "socket" {
		cfg.AppToken, cfg.SigningSecret = slacktest.AppToken, ""
	}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := slack.New(b.Ctx, cfg, core)
	if err != nil {
		t.Fatal(err)
	}
	b.Dispatch(slack.Platform, a)
	e := &env{t: t, srv: srv, bot: b, store: b.Store, adapter: a}
	if mode == "socket" {
		b.Go(func(ctx context.Context) {
			if err := a.RunSocketMode(ctx); err != nil {
				t.Errorf("RunSocketMode: %v", err)
			}
		})
	} else {
		mux := http.NewServeMux()
		mux.Handle("POST /slack/events", a.EventsHandler())
		mux.Handle("POST /slack/interactive", a.InteractiveHandler())
		mux.Handle("POST /slack/commands", a.CommandsHandler())
		e.web = httptest.NewServer(mux)
		b.OnStop(e.web.Close)
	}
	return e
}

// stop shuts the bot down the way SIGTERM does (see platformtest.Bot).
func (e *env) stop() { e.bot.Stop() }

// request is a signed POST to one of the adapter's handlers.
type request struct {
	path, contentType string
	body              []byte
	header            http.Header
	secret            string    // "" leaves the request unsigned
	at                time.Time // when it was signed (zero: now)
}

func (e *env) do(rq request) (int, string) {
	e.t.Helper()
	code, body, err := e.post(rq)
	if err != nil {
		e.t.Fatal(err)
	}
	return code, body
}

// post is do for goroutines other than the test's.
func (e *env) post(rq request) (int, string, error) {
	req, _ := http.NewRequest(http.MethodPost, e.web.URL+rq.path, bytes.NewReader(rq.body))
	req.Header.Set("Content-Type", rq.contentType)
	for k, v := range rq.header {
		req.Header[k] = v
	}
	if rq.secret != "" {
		if rq.at.IsZero() {
			rq.at = time.Now()
		}
		slacktest.Sign(req.Header, rq.body, rq.secret, rq.at)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}

func eventRequest(payload any) request {
	body, _ := json.Marshal(payload)
	if raw, ok := payload.(string); ok {
		body = []byte(raw)
	}
	return request{path: "/slack/events", contentType: "application/json", body: body, secret: slacktest.SigningSecret}
}

func clickRequest(payload any) request {
	js, _ := json.Marshal(payload)
	body := []byte(url.Values{"payload": {string(js)}}.Encode())
	return request{path: "/slack/interactive", contentType: "application/x-www-form-urlencoded", body: body, secret: slacktest.SigningSecret}
}

func slashRequest(fields map[string]string) request {
	v := url.Values{}
	for k, x := range fields {
		v.Set(k, x)
	}
	return request{path: "/slack/commands", contentType: "application/x-www-form-urlencoded", body: []byte(v.Encode()), secret: slacktest.SigningSecret}
}

// push sends a Socket Mode envelope and waits for its acknowledgement.
func (e *env) push(typ string, payload any) slacktest.Ack {
	e.t.Helper()
	id, err := e.srv.Push(typ, payload, timeout)
	if err != nil {
		e.t.Fatal(err)
	}
	var ack slacktest.Ack
	if !e.srv.Wait(timeout, func() bool { var ok bool; ack, ok = e.srv.AckOf(id); return ok }) {
		e.t.Fatalf("envelope %s (%s) was not acknowledged", id, typ)
	}
	return ack
}

// event delivers an Events API event, which must be accepted.
func (e *env) event(eventID string, ev map[string]any) {
	e.t.Helper()
	if e.web == nil {
		e.push("events_api", slacktest.Callback(eventID, ev))
		return
	}
	if code, body := e.do(eventRequest(slacktest.Callback(eventID, ev))); code != http.StatusOK {
		e.t.Fatalf("event answered %d %s", code, body)
	}
}

// dm delivers a direct message from user.
func (e *env) dm(user, text string) {
	e.t.Helper()
	e.event(slacktest.EventID(), slacktest.DM(user, text))
}

// click presses button i of message m as user.
func (e *env) click(user string, m slacktest.Sent, i int) {
	e.t.Helper()
	ids, _ := m.Buttons()
	if i >= len(ids) {
		e.t.Fatalf("message has %d buttons, want button %d:\n%s", len(ids), i, m.Plain())
	}
	e.clickID(user, m, ids[i])
}

func (e *env) clickID(user string, m slacktest.Sent, actionID string) {
	e.t.Helper()
	if e.web == nil {
		e.push("interactive", slacktest.Click(user, m, actionID))
		return
	}
	if code, body := e.do(clickRequest(slacktest.Click(user, m, actionID))); code != http.StatusOK {
		e.t.Fatalf("interaction answered %d %s", code, body)
	}
}

// The readers of what the bot sent, shared with the Telegram tests.
var (
	nth         = platformtest.Nth[string, slacktest.Sent]
	texts       = platformtest.Texts[slacktest.Sent]
	mustContain = platformtest.MustContain[slacktest.Sent]
)

func seller(t *testing.T, store *sqlite.Store, user string) (bot.Seller, error) {
	t.Helper()
	var s bot.Seller
	err := store.Update(context.Background(), func(tx bot.Tx) error {
		var err error
		s, err = tx.Seller(context.Background(), slack.Platform, user)
		return err
	})
	return s, err
}

// message returns the current version of a message the bot posted.
func message(t *testing.T, srv *slacktest.Server, channel, ts string) slacktest.Sent {
	t.Helper()
	return platformtest.Find(t, srv, channel, ts, func(m slacktest.Sent) bool { return m.TS == ts })
}

// A seller goes from the first question to a finished checklist by
// buttons alone, ticking two categories on the way (the question is
// updated in place as they tick, and nothing is answered until Done).
func TestFullOnboardingByButtonsAndText(t *testing.T) {
	for _, mode := range []string{"http", "socket"} {
		t.Run(mode, func(t *testing.T) {
			srv := slacktest.New()
			defer srv.Close()
			e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), mode)
			const user = "U5001"
			dm := slacktest.DMChannel(user)

			e.dm(user, "start")
			mustContain(t, nth(t, srv, dm, 1), "Hello", "onboard <market id>")
			e.dm(user, "onboard tiktok-uk") // a text command, without the slash
			q := nth(t, srv, dm, 2)
			mustContain(t, q, "Who will open the shop?")
			if ids, labels := q.Buttons(); len(ids) != 3 || labels[0] != "A company registered in mainland China or Hong Kong" ||
				!strings.HasPrefix(ids[0], "c:") || !strings.HasSuffix(ids[0], ":0") {
				t.Fatalf("buttons = %v %v", ids, labels)
			}
			if !strings.Contains(q.Text, "Who will open the shop?") {
				t.Errorf("the notification text lacks the question: %q", q.Text)
			}
			kinds := map[string]bool{}
			for _, b := range q.Blocks.BlockSet {
				kinds[string(b.BlockType())] = true
			}
			if !kinds["header"] || !kinds["context"] || !kinds["section"] {
				t.Errorf("the question is not laid out as header, sections and context: %v", kinds)
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
				{-1, "GB123456789", "Where will your orders ship from?"},
				{1, "", "Which product categories"},
			}
			n := 2
			for _, s := range steps {
				if s.button >= 0 {
					e.click(user, q, s.button)
				} else {
					e.dm(user, s.text)
				}
				n++
				q = nth(t, srv, dm, n)
				mustContain(t, q, s.next)
			}
			// Each click's question was updated to show the answer, without buttons.
			if !srv.Wait(timeout, func() bool { return len(srv.Updates()) == 5 }) {
				t.Fatalf("%d chat.update calls, want 5", len(srv.Updates()))
			}
			first := message(t, srv, dm, srv.SentTo(dm)[1].TS)
			if ids, _ := first.Buttons(); len(ids) != 0 || !strings.Contains(first.Plain(), "✅ A company registered in mainland China or Hong Kong") {
				t.Errorf("the first question after its answer = %+v", first)
			}

			// Tick beauty and toys: the same message is updated each time.
			for i, category := range []string{"Beauty", "Toys"} {
				cur := message(t, srv, dm, q.TS)
				e.click(user, cur, platformtest.Button(t, cur, category))
				if !srv.Wait(timeout, func() bool { return message(t, srv, dm, q.TS).Edits == i+1 }) {
					t.Fatalf("the category question was not updated after ticking %s", category)
				}
				_, labels := message(t, srv, dm, q.TS).Buttons()
				if !slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, "✅ "+category) }) {
					t.Errorf("after ticking %s: buttons %v", category, labels)
				}
			}
			if got := len(srv.SentTo(dm)); got != n {
				t.Fatalf("%d messages after ticking, want %d: ticking must not post new messages", got, n)
			}
			cur := message(t, srv, dm, q.TS)
			e.click(user, cur, platformtest.Button(t, cur, "☑️ Done (2)"))
			n++ // the outcome, then the checklist in a message of its own
			mustContain(t, nth(t, srv, dm, n), "✅ You can open a shop")
			n++
			q = nth(t, srv, dm, n)
			mustContain(t, q, "UK Responsible Person", "SCPN", "UKCA")

			// Every item by its button: open it, read its source, mark it.
			for round := 0; ; round++ {
				if round > 40 {
					t.Fatal("the checklist never finished")
				}
				if strings.Contains(q.Plain(), "complete") {
					break
				}
				next := 0 // the outcome's first item button, then each reply's "Next"
				if round > 0 {
					next = platformtest.Button(t, q, "Next:")
				}
				e.click(user, q, next)
				n++
				card := nth(t, srv, dm, n)
				mustContain(t, card, "Source:")
				e.click(user, card, platformtest.Button(t, card, "✅ Done"))
				n++
				q = nth(t, srv, dm, n)
			}
			mustContain(t, q, "🎉")
			if got := len(srv.SentTo(dm)); got != n {
				t.Errorf("%d messages sent, want %d (one per input)", got, n)
			}
			if got := len(srv.Ephemerals()); got != 0 {
				t.Errorf("%d ephemeral notices for valid clicks", got)
			}
		})
	}
}

func TestRestartMidFlowContinuesAndOldButtonsWork(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	const user = "U5002"
	dm := slacktest.DMChannel(user)
	e := start(t, srv, db, "http")
	e.dm(user, "/onboard tiktok-uk")
	q := nth(t, srv, dm, 1)
	e.click(user, q, 0)
	nth(t, srv, dm, 2)
	e.dm(user, "0")
	docs := nth(t, srv, dm, 3)
	mustContain(t, docs, "company registration certificate")
	e.stop()

	// A new process on the same database and the same workspace.
	e = start(t, srv, db, "http")
	e.dm(user, "status")
	mustContain(t, nth(t, srv, dm, 4), "TikTok Shop", "question 3")
	e.click(user, docs, 0) // a button sent before the restart
	mustContain(t, nth(t, srv, dm, 5), "Amazon, Walmart, eBay")
	if got := len(srv.SentTo(dm)); got != 5 {
		t.Errorf("%d messages, want 5: %q", got, texts(srv.SentTo(dm)))
	}
}

func TestRetriedEventGivesOneReply(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U5003"
	dm := slacktest.DMChannel(user)

	ev := slacktest.Callback("EvRETRIED1", slacktest.DM(user, "/onboard tiktok-uk"))
	if code, _ := e.do(eventRequest(ev)); code != http.StatusOK {
		t.Fatalf("first delivery: %d", code)
	}
	retry := eventRequest(ev)
	retry.header = http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	if code, _ := e.do(retry); code != http.StatusOK {
		t.Fatalf("retry: %d, want 200", code)
	}
	e.dm(user, "1")
	mustContain(t, nth(t, srv, dm, 2), "How many TikTok shops")
	if got := len(srv.SentTo(dm)); got != 2 {
		t.Errorf("%d messages, want 2: %q", got, texts(srv.SentTo(dm)))
	}
}

func TestForgedRequestsAreRefused(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const intruder = "U5999"

	requests := map[string]request{
		"event":       eventRequest(slacktest.Callback(slacktest.EventID(), slacktest.DM(intruder, "/start"))),
		"interaction": clickRequest(slacktest.Click(intruder, slacktest.Sent{Channel: slacktest.DMChannel(intruder), TS: "1.000001"}, "c:1:0")),
		"command":     slashRequest(slacktest.Slash(intruder, "C1", "/onboard", "status")),
	}
	for name, rq := range requests {
		forged := rq
		forged.secret = "not-the-secret"
		unsigned := rq
		unsigned.secret = ""
		stale := rq
		stale.at = time.Now().Add(-6 * time.Minute)
		for kind, r := range map[string]request{"bad signature": forged, "no signature": unsigned, "6 minutes old": stale} {
			if code, _ := e.do(r); code != http.StatusUnauthorized {
				t.Errorf("%s with %s: %d, want 401", name, kind, code)
			}
		}
		// A signature over another body is refused too.
		body := append([]byte(nil), rq.body...)
		signed := rq
		signed.secret = ""
		signed.header = http.Header{}
		slacktest.Sign(signed.header, []byte("something else"), slacktest.SigningSecret, time.Now())
		signed.body = body
		if code, _ := e.do(signed); code != http.StatusUnauthorized {
			t.Errorf("%s signed over another body: %d, want 401", name, code)
		}
	}

	// Nothing happened: no seller, no message, no DM opened.
	const user = "U5004"
	e.dm(user, "/start")
	nth(t, srv, slacktest.DMChannel(user), 1)
	if _, err := seller(t, e.store, intruder); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("a refused request created a seller: %v", err)
	}
	if got := len(srv.Sent()); got != 1 {
		t.Errorf("%d messages in all, want 1: %q", got, texts(srv.Sent()))
	}
	if got := len(srv.Calls("conversations.open")); got != 0 {
		t.Errorf("a refused slash command opened a DM")
	}
}

func TestURLVerificationMalformedAndUnknownEvents(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")

	code, body := e.do(eventRequest(map[string]any{"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}))
	if code != http.StatusOK || body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %q", code, body)
	}
	for name, raw := range map[string]string{
		"not JSON":       "{not json",
		"no event_id":    `{"type":"event_callback","event":{"type":"message"}}`,
		"no inner event": `{"type":"event_callback","event_id":"Ev1"}`,
		"bad message":    `{"type":"event_callback","event_id":"Ev2","event":{"type":"message","text":12}}`,
	} {
		if code, _ := e.do(eventRequest(raw)); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	huge := eventRequest(slacktest.Callback(slacktest.EventID(), slacktest.DM("U5005", strings.Repeat("x", slack.MaxBody))))
	if code, _ := e.do(huge); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over 1 MB: %d, want 413", code)
	}
	unknown := slacktest.Callback("EvUNKNOWN", map[string]any{"type": "reaction_added", "user": "U5005", "reaction": "tada"})
	for range 2 {
		if code, _ := e.do(eventRequest(unknown)); code != http.StatusOK {
			t.Errorf("unknown event type: %d, want 200", code)
		}
	}
	if code, _ := e.do(eventRequest(map[string]any{"type": "something_new"})); code != http.StatusOK {
		t.Errorf("unknown payload type: %d, want 200", code)
	}
	if code, _ := e.do(clickRequest(map[string]any{"type": "view_closed", "user": map[string]any{"id": "U5005"}})); code != http.StatusOK {
		t.Errorf("an interaction the bot does not use: %d, want 200", code)
	}
	if code, _ := e.do(request{path: "/slack/interactive", contentType: "application/x-www-form-urlencoded",
		body: []byte("payload=%7Bnot"), secret: slacktest.SigningSecret}); code != http.StatusBadRequest {
		t.Errorf("malformed interaction: %d, want 400", code)
	}

	const user = "U5005"
	e.dm(user, "/start")
	nth(t, srv, slacktest.DMChannel(user), 1)
	if got := len(srv.Sent()); got != 1 {
		t.Errorf("%d messages in all, want 1: %q", got, texts(srv.Sent()))
	}
	if _, err := seller(t, e.store, user); err != nil {
		t.Errorf("seller: %v", err)
	}
}

func TestBotMessagesAndEditsAreIgnored(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U5006"
	dm := slacktest.DMChannel(user)

	own := slacktest.DM(slacktest.BotUserID, "Hello! I walk cross-border sellers…")
	own["channel"], own["bot_id"] = dm, slacktest.BotID
	e.event(slacktest.EventID(), own)
	ownNoBotID := slacktest.DM(slacktest.BotUserID, "start")
	ownNoBotID["channel"] = dm
	e.event(slacktest.EventID(), ownNoBotID)
	other := slacktest.DM("U0OTHERBOT", "start")
	other["channel"], other["bot_id"], other["subtype"] = dm, "B0OTHER", "bot_message"
	e.event(slacktest.EventID(), other)
	edited := slacktest.DM(user, "")
	edited["subtype"] = "message_changed"
	edited["message"] = map[string]any{"type": "message", "user": user, "text": "start", "ts": "1.1"}
	e.event(slacktest.EventID(), edited)
	inChannel := slacktest.DM(user, "start")
	inChannel["channel"], inChannel["channel_type"] = "C0GENERAL", "channel"
	e.event(slacktest.EventID(), inChannel)

	e.dm(user, "help")
	mustContain(t, nth(t, srv, dm, 1), "/onboard")
	if got := len(srv.Sent()); got != 1 {
		t.Errorf("%d messages in all, want 1 (bots, edits and channels ignored): %q", got, texts(srv.Sent()))
	}
	for _, u := range []string{slacktest.BotUserID, "U0OTHERBOT"} {
		if _, err := seller(t, e.store, u); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("a bot became a seller: %s %v", u, err)
		}
	}
}

func TestSlashCommand(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U5007"
	dm := slacktest.DMChannel(user)

	code, body := e.do(slashRequest(slacktest.Slash(user, "C0GENERAL", "/onboard", "tiktok-uk")))
	var ack struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal([]byte(body), &ack); code != http.StatusOK || err != nil || ack.ResponseType != "ephemeral" || !strings.Contains(ack.Text, "DM") {
		t.Fatalf("slash answer: %d %q", code, body)
	}
	mustContain(t, nth(t, srv, dm, 1), "Starting onboarding for TikTok Shop", "Who will open the shop?")

	e.do(slashRequest(slacktest.Slash(user, dm, "/onboard", "status")))
	mustContain(t, nth(t, srv, dm, 2), "Your markets:", "tiktok-uk", "question 1")
	e.do(slashRequest(slacktest.Slash(user, dm, "/onboard", "")))
	mustContain(t, nth(t, srv, dm, 3), "Welcome back")
	e.do(slashRequest(slacktest.Slash(user, dm, "/onboard", "help")))
	help := nth(t, srv, dm, 4)
	mustContain(t, help, "\nchecklist", "\nback")
	if strings.Contains(help.Plain(), "/checklist") || strings.Contains(help.Plain(), "/back") {
		t.Errorf("help names commands with a slash, which Slack's client keeps for itself:\n%s", help.Plain())
	}
	if got := len(srv.Calls("conversations.open")); got != 1 {
		t.Errorf("%d conversations.open calls, want 1 (cached)", got)
	}
	if code, _ := e.do(request{path: "/slack/commands", contentType: "application/x-www-form-urlencoded",
		body: []byte("command=%2Fonboard&text=status"), secret: slacktest.SigningSecret}); code != http.StatusBadRequest {
		t.Errorf("a slash command without a user: %d, want 400", code)
	}
}

func TestRateLimitsAreHonouredAndTheMessageSentOnce(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U5008"
	dm := slacktest.DMChannel(user)
	srv.FailNext(dm, slacktest.Failure{Status: 429, RetryAfter: 1}, slacktest.Failure{Status: 429})
	e.dm(user, "/start")
	mustContain(t, nth(t, srv, dm, 1), "Hello")
	var calls []slacktest.Call
	for _, c := range srv.Calls("chat.postMessage") {
		if c.Params["channel"] == dm {
			calls = append(calls, c)
		}
	}
	if len(calls) != 3 {
		t.Fatalf("%d chat.postMessage calls, want 3 (429 with Retry-After, 429 without, then the message)", len(calls))
	}
	if calls[0].Params["text"] != calls[2].Params["text"] || calls[1].Params["text"] != calls[2].Params["text"] {
		t.Error("a retry sent a different message")
	}
	if wait := calls[1].At.Sub(calls[0].At); wait < time.Second {
		t.Errorf("retried after %s, before Retry-After (1s)", wait)
	}
	if wait := calls[2].At.Sub(calls[1].At); wait < retryAfter {
		t.Errorf("retried after %s, before the configured wait (%s)", wait, retryAfter)
	}
	e.dm(user, "help")
	nth(t, srv, dm, 2)
	if got := len(srv.SentTo(dm)); got != 2 {
		t.Errorf("%d messages, want 2", got)
	}
}

func TestChannelNotFoundMarksTheSellerUnreachable(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U5009"
	dm := slacktest.DMChannel(user)
	e.dm(user, "/start")
	nth(t, srv, dm, 1)
	srv.Gone(dm, "channel_not_found")
	e.dm(user, "help")
	unreachable := func() bool { s, _ := seller(t, e.store, user); return s.Unreachable }
	if !srv.Wait(timeout, func() bool { return len(srv.Calls("chat.postMessage")) >= 2 && unreachable() }) {
		t.Fatal("the seller was not marked unreachable")
	}
	if pending, _ := e.store.Pending(context.Background(), slack.Platform, dm); len(pending) != 0 {
		t.Errorf("%d messages still pending for an unreachable seller", len(pending))
	}
	// An announcement queued now is not sent to them.
	s, _ := seller(t, e.store, user)
	err := e.store.Update(context.Background(), func(tx bot.Tx) error {
		return tx.Enqueue(context.Background(), &bot.Reply{Platform: slack.Platform, ChatID: dm, SellerID: s.ID,
			Kind: bot.KindAnnouncement, Text: "📢 News"}, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another seller's reply goes out: the dispatcher went round.
	const other = "U5010"
	e.dm(other, "/start")
	nth(t, srv, slacktest.DMChannel(other), 1)
	e.dm(other, "help")
	nth(t, srv, slacktest.DMChannel(other), 2)
	attempts := 0
	for _, c := range srv.Calls("chat.postMessage") {
		if c.Params["channel"] == dm {
			attempts++
		}
	}
	if attempts != 2 {
		t.Errorf("%d posts to the gone channel, want 2 (one delivered, one refused)", attempts)
	}
}

func TestStaleButtonsAndMentions(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U5011"
	dm := slacktest.DMChannel(user)

	e.dm(user, "/onboard tiktok-uk")
	q := nth(t, srv, dm, 1)
	e.click(user, q, 0)
	mustContain(t, nth(t, srv, dm, 2), "How many TikTok shops")
	e.click(user, q, 1) // the same question again: no longer current
	mustContain(t, nth(t, srv, dm, 3), "no longer current", "How many TikTok shops")
	if !srv.Wait(timeout, func() bool { return len(srv.Ephemerals()) == 1 }) {
		t.Fatalf("ephemeral notices: %v", srv.Ephemerals())
	}
	if n := srv.Ephemerals()[0]; n.User != user || n.Channel != dm || !strings.Contains(n.Text, "no longer current") {
		t.Errorf("notice = %+v", n)
	}
	e.clickID(user, q, "c:999999:0") // no such message
	e.clickID(user, q, "zzz")        // not ours at all
	nth(t, srv, dm, 5)
	if !srv.Wait(timeout, func() bool { return len(srv.Ephemerals()) == 3 }) {
		t.Fatalf("ephemeral notices: %v", srv.Ephemerals())
	}
	// A button of another user's message does not answer for this one.
	const other = "U5012"
	e.clickID(other, slacktest.Sent{Channel: slacktest.DMChannel(other), TS: q.TS}, mustID(t, q, 0))
	mustContain(t, nth(t, srv, slacktest.DMChannel(other), 1), "not started onboarding")
	if !srv.Wait(timeout, func() bool { return len(srv.Updates()) >= 1 }) || len(srv.Updates()) != 1 {
		t.Errorf("%d chat.update calls, want 1 (only the valid click)", len(srv.Updates()))
	}

	// A mention in a channel is answered in a thread with an invitation to DM.
	mention := slacktest.Mention(user, "C0GENERAL", "how do I open a UK shop?")
	e.event(slacktest.EventID(), mention)
	inv := nth(t, srv, "C0GENERAL", 1)
	mustContain(t, inv, "direct message")
	if inv.ThreadTS != mention["ts"] {
		t.Errorf("invitation thread_ts = %q, want %q", inv.ThreadTS, mention["ts"])
	}
	threaded := slacktest.Mention(user, "C0GENERAL", "status")
	threaded["thread_ts"] = "1699999999.000100"
	e.event(slacktest.EventID(), threaded)
	if got := nth(t, srv, "C0GENERAL", 2); got.ThreadTS != "1699999999.000100" {
		t.Errorf("reply in thread %q", got.ThreadTS)
	}
	// The seller's private conversation is unchanged.
	e.dm(user, "status")
	mustContain(t, nth(t, srv, dm, 6), "question 2")
}

func mustID(t *testing.T, m slacktest.Sent, i int) string {
	t.Helper()
	ids, _ := m.Buttons()
	if i >= len(ids) {
		t.Fatalf("no button %d", i)
	}
	return ids[i]
}

func TestSocketMode(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "socket")
	const user = "U5013"
	dm := slacktest.DMChannel(user)

	ev := slacktest.Callback(slacktest.EventID(), slacktest.DM(user, "/onboard tiktok-uk"))
	e.push("events_api", ev)
	q := nth(t, srv, dm, 1)
	mustContain(t, q, "Who will open the shop?")
	e.push("events_api", ev) // redelivered: acknowledged, and nothing more
	e.push("interactive", slacktest.Click(user, q, mustID(t, q, 0)))
	mustContain(t, nth(t, srv, dm, 2), "How many TikTok shops")
	if !srv.Wait(timeout, func() bool { return len(srv.Updates()) == 1 }) {
		t.Fatal("the clicked question was not updated")
	}
	ack := e.push("slash_commands", slacktest.Slash(user, "C0GENERAL", "/onboard", "status"))
	if !strings.Contains(string(ack.Payload), "ephemeral") || !strings.Contains(string(ack.Payload), "DM") {
		t.Errorf("slash command ack payload = %s", ack.Payload)
	}
	mustContain(t, nth(t, srv, dm, 3), "Your markets:")
	// Envelopes the bot has no use for are acknowledged too.
	e.push("events_api", slacktest.Callback(slacktest.EventID(), map[string]any{"type": "reaction_added", "user": user}))
	e.push("events_api", slacktest.Callback(slacktest.EventID(), map[string]any{"type": "some_future_event"}))
	e.push("something_new", map[string]any{"x": 1})
	e.push("interactive", map[string]any{"type": "shortcut", "user": map[string]any{"id": user}})
	e.dm(user, "0")
	mustContain(t, nth(t, srv, dm, 4), "company registration certificate")
	if got := len(srv.SentTo(dm)); got != 4 {
		t.Errorf("%d messages, want 4: %q", got, texts(srv.SentTo(dm)))
	}
	if len(srv.Calls("apps.connections.open")) == 0 {
		t.Error("Socket Mode never asked for a connection")
	}
}

func TestLanguageFromSlackLocale(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const zh, broken = "U5014", "U5015"
	srv.SetLocale(zh, "zh-CN")
	srv.FailUser(broken, "user_not_found")

	e.dm(zh, "start")
	mustContain(t, nth(t, srv, slacktest.DMChannel(zh), 1), "你好")
	e.dm(zh, "help")
	mustContain(t, nth(t, srv, slacktest.DMChannel(zh), 2), "命令")
	e.dm(broken, "start") // users.info fails: the message is answered all the same
	mustContain(t, nth(t, srv, slacktest.DMChannel(broken), 1), "Hello")
	calls := srv.Calls("users.info")
	if len(calls) != 2 || calls[0].Params["include_locale"] != "true" {
		t.Errorf("users.info calls = %v, want one per user (cached), with include_locale", calls)
	}
}

// A seller's time zone comes from their Slack profile (users.info's tz,
// asked once with the locale) until they set one with tz.
func TestTimeZoneFromSlackProfile(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const london, none = "U5016", "U5017"
	srv.SetTZ(london, "Europe/London")
	e.dm(london, "tz")
	mustContain(t, nth(t, srv, slacktest.DMChannel(london), 1), "Europe/London (from the platform)")
	e.dm(london, "tz Asia/Tokyo")
	e.dm(london, "tz")
	mustContain(t, nth(t, srv, slacktest.DMChannel(london), 3), "Asia/Tokyo (set by you)")
	e.dm(none, "tz")
	mustContain(t, nth(t, srv, slacktest.DMChannel(none), 1), "Asia/Shanghai (the default)")
	if calls := srv.Calls("users.info"); len(calls) != 2 {
		t.Errorf("users.info calls = %v, want one per user (cached)", calls)
	}
}

func TestLongRepliesAreSplitAndResumed(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	// About 60,000 characters, with characters Slack escapes.
	long := strings.Repeat("一行中文说明 & <格式>,用来把消息撑长。\n", 2500)
	choices := make([]bot.Choice, 30)
	for i := range choices {
		choices[i] = bot.Choice{Label: strings.Repeat("选", 80), Ref: bot.ChoiceRef{Market: "m", Question: "q", Choice: "c"}}
	}
	r := bot.Reply{ID: 99, Platform: slack.Platform, ChatID: "D0LONG", Text: long, Choices: choices}
	srv.FailNext("D0LONG", slacktest.Failure{Skip: 1, Status: http.StatusInternalServerError})
	if _, err := e.adapter.Send(context.Background(), r); err == nil {
		t.Fatal("Send succeeded through a 500")
	}
	ref, err := e.adapter.Send(context.Background(), r) // the dispatcher's retry
	if err != nil {
		t.Fatal(err)
	}
	parts := srv.SentTo("D0LONG")
	if len(parts) < 2 {
		t.Fatalf("%d messages, want the reply split", len(parts))
	}
	if ref != parts[len(parts)-1].TS {
		t.Errorf("ref %q is not the last message's ts", ref)
	}
	var joined strings.Builder
	for i, p := range parts {
		ids, _ := p.Buttons()
		if (len(ids) > 0) != (i == len(parts)-1) {
			t.Errorf("message %d: %d buttons, want them on the last only", i, len(ids))
		}
		joined.WriteString(p.Plain() + "\n")
	}
	if ids, _ := parts[len(parts)-1].Buttons(); len(ids) != 30 {
		t.Errorf("%d buttons, want 30", len(ids))
	}
	if joined.String() != long {
		t.Error("the messages do not add up to the reply (or a part was sent twice)")
	}
	if got := len(srv.Calls("chat.postMessage")); got != len(parts)+1 {
		t.Errorf("%d posts for %d messages and one failure: a delivered part was sent again", got, len(parts))
	}

	// A thread reply goes to its thread; Edit replaces the text and drops the buttons.
	ref, err = e.adapter.Send(context.Background(), bot.Reply{ID: 100, Platform: slack.Platform, ChatID: "C0GENERAL/1699999999.000200", Text: "hi", Choices: choices[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if m := nth(t, srv, "C0GENERAL", 1); m.ThreadTS != "1699999999.000200" {
		t.Errorf("thread_ts = %q", m.ThreadTS)
	}
	if err := e.adapter.Edit(context.Background(), "C0GENERAL/1699999999.000200", ref, "sent to 3 of 3 <sellers>"); err != nil {
		t.Fatal(err)
	}
	up := srv.Updates()
	if len(up) != 1 || up[0].TS != ref || up[0].Plain() != "sent to 3 of 3 <sellers>" || up[0].Text != "sent to 3 of 3 &lt;sellers&gt;" {
		t.Errorf("updates = %+v", up)
	}
	if ids, _ := up[0].Buttons(); len(ids) != 0 {
		t.Error("the edit kept the buttons")
	}
}

func TestNewChecksTheToken(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	_, err := slack.New(context.Background(), slack.Config{BotToken: "xoxb-wrong-secret-token", APIURL: srv.URL}, nil)
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("New with a wrong token: %v", err)
	}
	// Without the trailing slash, the API URL still works.
	a, err := slack.New(context.Background(), slack.Config{BotToken: slacktest.BotToken, APIURL: srv.URL}, nil)
	if err != nil || a.BotUserID() != slacktest.BotUserID {
		t.Errorf("New: %v", err)
	}
	if err := a.RunSocketMode(context.Background()); err == nil {
		t.Error("RunSocketMode without an app token should fail")
	}
}
