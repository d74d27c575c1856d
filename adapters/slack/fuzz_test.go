package slack_test

// Fuzz tests of the Slack intake: the Events API body, the interaction
// payload and the /onboard slash command's text, each signed with the test
// signing secret so that it gets past the signature check and reaches the
// parsers and the core.
//
// Each fuzzing process builds one bot (a real SQLite file, the real core,
// the adapter against the test Slack; no dispatcher, so what the core queues
// stays in the outbox to be counted), a bystander seller half-way through an
// onboarding, and a seller with a question whose buttons click seeds press.
// Every input must then be answered 200, 400 or 413 (never a panic or a
// 5xx: the database is healthy; the one 500 allowed is a click the test
// Slack cannot open a DM for), an answer other than 200 must change nothing,
// one request queues at most one message, the same request delivered again
// must queue nothing more and get the same answer, and the bystander's
// seller and progress must stay as they were unless the input speaks as the
// bystander. The record of handled deliveries is cleared before each input
// (see forget), so each input is handled as a first delivery.
//
// Seeds built with the slacktest helpers are added here; literal byte seeds
// (malformed JSON, odd numbers) and inputs the fuzzer once failed on live
// in testdata/fuzz/<target>/, and plain `go test` runs them all.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

const (
	// fuzzBystander is a seller who is never the sender of a seed; the
	// fuzzer's inputs must leave their progress alone.
	fuzzBystander = "U0BYSTANDER"
	// fuzzClicker has a question with buttons in the outbox, so that click
	// seeds can name a stored message.
	fuzzClicker = "U0CLICKER"
	// fuzzSlasher sends every slash command of FuzzSlashCommands.
	fuzzSlasher = "U0SLASHER"
	fuzzMarket  = "tiktok-uk"
)

// fuzzEnv is the bot one fuzzing process runs inputs against.
type fuzzEnv struct {
	store       *sqlite.Store
	db          *sql.DB // a second connection to the same file, for counting
	events      http.Handler
	interactive http.Handler
	commands    http.Handler

	bystander bystanderState
	question  bot.Reply // fuzzClicker's question, with buttons
}

// bystanderState is what must not change for the bystander.
type bystanderState struct {
	Seller      bot.Seller
	Onboardings []bot.Onboarding
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	ctx := context.Background()
	srv := slacktest.New()
	f.Cleanup(srv.Close)
	path := filepath.Join(f.TempDir(), "onboard.db")
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	catalog := datatest.Rules(f)
	a, err := slack.New(ctx, slack.Config{BotToken: slacktest.BotToken, APIURL: srv.URL + "/",
		SigningSecret: slacktest.SigningSecret}, bot.New(store, catalog))
	if err != nil {
		f.Fatal(err)
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		f.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	f.Cleanup(func() { db.Close() })
	e := &fuzzEnv{store: store, db: db,
		events: a.EventsHandler(), interactive: a.InteractiveHandler(), commands: a.CommandsHandler()}

	// The bystander has started a market and answered its first question;
	// the clicker has a question waiting.
	for _, m := range []map[string]any{
		slacktest.DM(fuzzBystander, "onboard "+fuzzMarket),
		slacktest.DM(fuzzBystander, "1"),
		slacktest.DM(fuzzClicker, "/onboard "+fuzzMarket),
	} {
		body, _ := json.Marshal(slacktest.Callback(slacktest.EventID(), m))
		if code, resp := e.post(e.events, "application/json", body); code != http.StatusOK {
			f.Fatalf("setup event answered %d %s", code, resp)
		}
	}
	e.bystander = e.bystanderNow(f)
	if len(e.bystander.Onboardings) != 1 || len(e.bystander.Onboardings[0].State.Answers) != 1 {
		f.Fatalf("the bystander is not half-way through %s: %+v", fuzzMarket, e.bystander)
	}
	pending, err := store.Pending(ctx, slack.Platform, slacktest.DMChannel(fuzzClicker))
	if err != nil || len(pending) != 1 || len(pending[0].Choices) == 0 {
		f.Fatalf("the clicker's question: %+v %v", pending, err)
	}
	e.question = pending[0]
	return e
}

// post runs one signed request through a handler and returns the status
// and the answer's body.
func (e *fuzzEnv) post(h http.Handler, contentType string, body []byte) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	slacktest.Sign(req.Header, body, slacktest.SigningSecret, time.Now())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// forget drops the record of handled deliveries. The fuzzer mutates a
// seed's body and seldom its event_id or trigger_id, so without this
// nearly every input would be a redelivery the core ignores, and whether an
// input is handled would depend on the inputs before it. Within one input,
// the delivery sent twice is still recognised.
func (e *fuzzEnv) forget(t *testing.T) {
	t.Helper()
	if _, err := e.db.Exec(`DELETE FROM inbound`); err != nil {
		t.Fatal(err)
	}
}

// dbCounts is what a request may add to the database.
type dbCounts struct {
	sellers, outbox int
	lastOutbox      int64
}

func (e *fuzzEnv) counts(t *testing.T) dbCounts {
	t.Helper()
	var c dbCounts
	err := e.db.QueryRow(`SELECT (SELECT COUNT(*) FROM sellers), (SELECT COUNT(*) FROM outbox),
		(SELECT COALESCE(MAX(id), 0) FROM outbox)`).Scan(&c.sellers, &c.outbox, &c.lastOutbox)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// queuedAfter lists the chats of the outbox rows after id.
func (e *fuzzEnv) queuedAfter(t *testing.T, id int64) []string {
	t.Helper()
	rows, err := e.db.Query(`SELECT platform || ' ' || chat_id FROM outbox WHERE id > ? ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *fuzzEnv) bystanderNow(tb testing.TB) bystanderState {
	tb.Helper()
	var st bystanderState
	ctx := context.Background()
	err := e.store.Update(ctx, func(tx bot.Tx) error {
		s, err := tx.Seller(ctx, slack.Platform, fuzzBystander)
		if err != nil {
			return err
		}
		st.Seller = s
		st.Onboardings, err = tx.Onboardings(ctx, s.ID)
		return err
	})
	if err != nil {
		tb.Fatalf("bystander: %v", err)
	}
	return st
}

// checkBystander fails when the bystander's seller or progress changed,
// unless the input might have come from them.
func (e *fuzzEnv) checkBystander(t *testing.T, mayBeBystander bool) {
	t.Helper()
	if mayBeBystander {
		return
	}
	if now := e.bystanderNow(t); !reflect.DeepEqual(now, e.bystander) {
		t.Fatalf("another user's input changed the bystander:\nbefore %+v\nafter  %+v", e.bystander, now)
	}
}

// namesBystander reports whether any string in a JSON document (keys,
// values, at any depth, after unescaping) is the bystander's user id: only
// then may the input speak as them.
func namesBystander(doc []byte) bool {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return v == fuzzBystander
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		case map[string]any:
			for k, x := range v {
				if k == fuzzBystander || walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// checkIntake posts body, checks the answer's status, and posts it again:
// the common invariants of the events and interactions endpoints. A 500
// is right only when lookupFails: the input needs a Web API lookup the test
// Slack refuses, so nothing could be committed and Slack is told to try again.
func (e *fuzzEnv) checkIntake(t *testing.T, h http.Handler, contentType string, body []byte, mayBeBystander, lookupFails bool) (int, string) {
	t.Helper()
	e.forget(t)
	before := e.counts(t)
	code, resp := e.post(h, contentType, body)
	switch code {
	case http.StatusOK, http.StatusBadRequest:
		if len(body) > slack.MaxBody {
			t.Fatalf("a %d-byte body answered %d, want 413", len(body), code)
		}
	case http.StatusRequestEntityTooLarge:
		if len(body) <= slack.MaxBody {
			t.Fatalf("a %d-byte body answered 413", len(body))
		}
	case http.StatusInternalServerError:
		if !lookupFails {
			t.Fatalf("answered %d %q, want 200, 400 or 413", code, resp)
		}
	default:
		t.Fatalf("answered %d %q, want 200, 400 or 413", code, resp)
	}
	after := e.counts(t)
	if code != http.StatusOK && after != before {
		t.Fatalf("answered %d, yet the database changed: %+v -> %+v", code, before, after)
	}
	if added := after.outbox - before.outbox; added > bot.MaxRepliesPerMessage {
		t.Fatalf("one request queued %d messages: %q", added, e.queuedAfter(t, before.lastOutbox))
	}
	again, resp2 := e.post(h, contentType, body)
	if again != code {
		t.Fatalf("answered %d, then %d %q to the same request", code, again, resp2)
	}
	if twice := e.counts(t); twice.outbox != after.outbox || twice.sellers != after.sellers {
		t.Fatalf("the same request again changed the database: %+v -> %+v (new messages to %q)",
			after, twice, e.queuedAfter(t, after.lastOutbox))
	}
	e.checkBystander(t, mayBeBystander)
	return code, resp
}

// eventSeeds are Events API bodies built with the slacktest helpers.
func eventSeeds() [][]byte {
	const user = "U0SELLER1"
	dm := func(text string) map[string]any { return slacktest.DM(user, text) }
	var evs []map[string]any
	for _, text := range []string{
		"start", "/start", "help", "markets", "onboard tiktok-uk", "/onboard tiktok-uk", "status", "checklist",
		"1", "0", "2", "GB123456789", "back", "/back", "history", "why scpn", "done scpn REF123 2027-06-30",
		"na uk-rp", "todo scpn", "restart tiktok-uk", "mute tiktok-uk", "unmute tiktok-uk", "/lang zh", "lang en",
		"announce", "/announce", "进度", "清单", "帮助", "返回", "入驻 tiktok-uk", "我想在英国开一家 TikTok 店",
		"<@" + slacktest.BotUserID + "> status", "<mailto:a@example.com|a@example.com> &lt;b&gt; &amp;",
		"<https://example.com|link> <#C0GENERAL|general> <!here> <@U0OTHER>", "", "   ", "\xff\xfe",
		"/nosuchcommand", "/status@onboardbot", strings.Repeat("长文本 long text ", 100*1024/len("长文本 long text ")),
	} {
		evs = append(evs, dm(text))
	}
	fileShare := dm("")
	fileShare["subtype"] = "file_share"
	broadcast := dm("status")
	broadcast["subtype"], broadcast["thread_ts"] = "thread_broadcast", "1699999999.000100"
	ownBot := slacktest.DM(slacktest.BotUserID, "Hello!")
	ownBot["channel"], ownBot["bot_id"] = slacktest.DMChannel(user), slacktest.BotID
	otherBot := slacktest.DM("U0OTHERBOT", "start")
	otherBot["channel"], otherBot["bot_id"], otherBot["subtype"] = slacktest.DMChannel(user), "B0OTHER", "bot_message"
	changed := dm("")
	changed["subtype"] = "message_changed"
	changed["message"] = map[string]any{"type": "message", "user": user, "text": "start", "ts": "1.1"}
	deleted := dm("")
	deleted["subtype"], deleted["deleted_ts"] = "message_deleted", "1.1"
	inChannel := dm("start")
	inChannel["channel"], inChannel["channel_type"] = "C0GENERAL", "channel"
	mention := slacktest.Mention(user, "C0GENERAL", "status")
	threaded := slacktest.Mention(user, "C0GENERAL", "how do I open a UK shop?")
	threaded["thread_ts"] = "1699999999.000100"
	mentionInDM := slacktest.Mention(user, slacktest.DMChannel(user), "status")
	edited := slacktest.Mention(user, "C0GENERAL", "status")
	edited["edited"] = map[string]any{"user": user, "ts": "1.2"}
	botMention := slacktest.Mention(slacktest.BotUserID, "C0GENERAL", "status")
	evs = append(evs, fileShare, broadcast, ownBot, otherBot, changed, deleted, inChannel, mention, threaded,
		mentionInDM, edited, botMention,
		map[string]any{"type": "reaction_added", "user": user, "reaction": "tada"},
		map[string]any{"type": "app_home_opened", "user": user, "channel": slacktest.DMChannel(user)},
		map[string]any{"type": "some_future_event"},
		map[string]any{"type": "message"},
	)
	var seeds [][]byte
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		seeds = append(seeds, b)
	}
	for _, ev := range evs {
		add(slacktest.Callback(slacktest.EventID(), ev))
	}
	add(map[string]any{"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})
	add(map[string]any{"token": "x", "challenge": "", "type": "url_verification"})
	add(map[string]any{"token": "x", "type": "app_rate_limited", "team_id": slacktest.TeamID, "minute_rate_limited": 1518467820})
	add(map[string]any{"type": "something_new"})
	return seeds
}

// FuzzEvents posts arbitrary bodies, signed, to the Events API endpoint.
func FuzzEvents(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range eventSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, resp := e.checkIntake(t, e.events, "application/json", body, namesBystander(body), false)
		// A well-formed url_verification is answered with its challenge.
		var v struct {
			Token     string `json:"token"`
			Type      string `json:"type"`
			Challenge string `json:"challenge"`
		}
		var keys map[string]json.RawMessage
		if json.Unmarshal(body, &keys) == nil && json.Unmarshal(body, &v) == nil && v.Type == "url_verification" &&
			v.Challenge != "" && len(body) <= slack.MaxBody && onlyKeys(keys, "token", "type", "challenge") {
			if code != http.StatusOK || resp != v.Challenge {
				t.Fatalf("url_verification answered %d %q, want 200 and the challenge %q", code, resp, v.Challenge)
			}
		}
	})
}

func onlyKeys(m map[string]json.RawMessage, keys ...string) bool {
	for k := range m {
		found := false
		for _, want := range keys {
			found = found || k == want
		}
		if !found {
			return false
		}
	}
	return true
}

// interactionSeeds are interaction payloads built with the slacktest helpers.
func interactionSeeds(e *fuzzEnv) [][]byte {
	const user = "U0SELLER2"
	dm := slacktest.DMChannel(user)
	msg := slacktest.Sent{Channel: dm, TS: "1700000001.000001", Text: "Who will open the shop?"}
	clicker := slacktest.Sent{Channel: slacktest.DMChannel(fuzzClicker), TS: "1700000002.000002", Text: e.question.Text}
	valid := fmt.Sprintf("c:%d:0", e.question.ID)
	var ps []map[string]any
	for _, id := range []string{"c:1:0", "c:999999:7", "c:-1:-1", "zzz", "c:1", "c::", "c:1:0:0", "c:9223372036854775808:0", "", valid} {
		ps = append(ps, slacktest.Click(user, msg, id))
	}
	ps = append(ps,
		slacktest.Click(fuzzClicker, clicker, valid),                                       // the clicker answers their own question
		slacktest.Click(fuzzClicker, clicker, fmt.Sprintf("c:%d:99", e.question.ID)),       // a choice that is not there
		slacktest.Click(user, slacktest.Sent{Channel: "C0GENERAL", TS: msg.TS}, valid),     // another channel: the DM is opened
		slacktest.Click(user, slacktest.Sent{Channel: clicker.Channel, TS: msg.TS}, valid), // someone else's DM
	)
	noActions := slacktest.Click(user, msg, "c:1:0")
	noActions["actions"] = []any{}
	noUser := slacktest.Click(user, msg, "c:1:0")
	delete(noUser, "user")
	noContainer := slacktest.Click(user, msg, "c:1:0")
	delete(noContainer, "container")
	noChannel := slacktest.Click(user, msg, "c:1:0")
	delete(noChannel, "container")
	delete(noChannel, "channel")
	noTrigger := slacktest.Click(user, msg, "c:1:0")
	delete(noTrigger, "trigger_id")
	ps = append(ps, noActions, noUser, noContainer, noChannel, noTrigger,
		map[string]any{"type": "view_closed", "user": map[string]any{"id": user}},
		map[string]any{"type": "shortcut", "user": map[string]any{"id": user}, "callback_id": "x", "trigger_id": "1.2.3"},
		map[string]any{"type": "view_submission", "user": map[string]any{"id": user},
			"view": map[string]any{"id": "V1", "type": "modal", "blocks": []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "x"}}}}},
	)
	var seeds [][]byte
	for _, p := range ps {
		b, err := json.Marshal(p)
		if err != nil {
			panic(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// dmRefused reports whether a click comes from a user id that the test
// Slack's conversations.open refuses (a list of users: real Slack sends one
// id, and would open a group DM for a list). A click outside a DM needs the
// user's DM, so such a click can only be answered 500, as when Slack's Web
// API is down.
func dmRefused(payload []byte) bool {
	var ic slackapi.InteractionCallback
	return json.Unmarshal(payload, &ic) == nil && strings.Contains(ic.User.ID, ",")
}

// FuzzInteractions posts arbitrary interaction payloads, signed, to the
// interactive endpoint, as Slack sends them: payload=<JSON>, form-encoded.
func FuzzInteractions(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range interactionSeeds(e) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		body := []byte(url.Values{"payload": {string(payload)}}.Encode())
		e.checkIntake(t, e.interactive, "application/x-www-form-urlencoded", body, namesBystander(payload), dmRefused(payload))
	})
}

// FuzzSlashCommands sends /onboard with arbitrary text, signed, from one
// user: always a 200 with the ephemeral acknowledgement, and one reply
// queued to that user's DM.
func FuzzSlashCommands(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range []string{
		"", " ", "status", "/status", "tiktok-uk", "TIKTOK-UK", "onboard tiktok-uk", "nosuchmarket", "进度", "入驻 tiktok-uk",
		"help", "start", "markets", "checklist tiktok-uk", "history", "back", "restart tiktok-uk", "lang zh", "lang en",
		"done scpn REF123 2027-06-30", "why scpn", "mute tiktok-uk", "announce", "cancel", "1", "0",
		"<@" + slacktest.BotUserID + "> status", "<@U0OTHER|someone> tiktok-uk", "&lt;status&gt;", "\xff", "status\x00",
		strings.Repeat("我想开店 ", 10*1024/len("我想开店 ")),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fields := slacktest.Slash(fuzzSlasher, "C0GENERAL", "/onboard", text)
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, v)
		}
		body := []byte(form.Encode())
		before := e.counts(t)
		code, resp := e.post(e.commands, "application/x-www-form-urlencoded", body)
		if len(body) > slack.MaxBody {
			if code != http.StatusRequestEntityTooLarge {
				t.Fatalf("a %d-byte slash command answered %d, want 413", len(body), code)
			}
			return
		}
		var ack struct {
			ResponseType string `json:"response_type"`
			Text         string `json:"text"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(resp), &ack) != nil || ack.ResponseType != "ephemeral" {
			t.Fatalf("answered %d %q, want 200 and an ephemeral JSON answer", code, resp)
		}
		if !strings.Contains(ack.Text, "DM") {
			t.Fatalf("the answer is not the acknowledgement: %q", ack.Text)
		}
		queued := e.queuedAfter(t, before.lastOutbox)
		if want := slack.Platform + " " + slacktest.DMChannel(fuzzSlasher); len(queued) != 1 || queued[0] != want {
			t.Fatalf("queued %q, want one message to %q", queued, want)
		}
		e.checkBystander(t, false)
	})
}
