package telegram_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// The bystander is a seller who exists before any fuzz input arrives. No
// update from anyone else may change what is stored for them.
const bystander = 424242

// FuzzWebhook POSTs each input, as a raw request body with the right
// secret, to the real adapter's webhook handler on a real SQLite store, and
// checks that:
//   - the handler never panics and answers 200, 400 or 413, never 5xx (a
//     500 means the commit failed, which a healthy database must not do);
//   - the same body POSTed again answers as the first time (200 or 400) and
//     changes nothing: no new outbox row, seller or handled update;
//   - an input that is not an update (400) stores nothing;
//   - an update queues at most one reply;
//   - an update from anyone but the bystander leaves the bystander's seller
//     row and onboarding progress as they were.
//
// The store is opened once per fuzzing process, so inputs meet the sellers
// earlier inputs left mid-flow; only the record of handled update ids is
// cleared before each input (see check).
func FuzzWebhook(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	fz := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		fz.check(t, body)
	})
}

// fuzzEnv is one adapter on one store, shared by every input of a process.
type fuzzEnv struct {
	store   *sqlite.Store
	handler http.Handler
	ro      *sql.DB      // the same SQLite file, read-only, for counting rows
	rw      *sql.DB      // the same SQLite file, to forget handled update ids
	before  string       // the bystander's stored state
	errs    bytes.Buffer // what the adapter logged at error level for the current input
}

func newFuzzEnv(f testing.TB) *fuzzEnv {
	f.Helper()
	ctx := context.Background()
	srv := tgtest.New()
	f.Cleanup(srv.Close)
	db := filepath.Join(f.TempDir(), "onboard.db")
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	catalog := datatest.Rules(f)
	fz := &fuzzEnv{store: store}
	core := bot.New(store, catalog)
	a, err := telegram.New(ctx, telegram.Config{
		Token: tgtest.Token, ServerURL: srv.URL, WebhookSecret: secret, Rate: 1000, ChatRate: 1000, PollTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(&fz.errs, &slog.HandlerOptions{Level: slog.LevelError})),
	}, core)
	if err != nil {
		f.Fatal(err)
	}
	fz.handler = a.WebhookHandler()
	open := func(mode string) *sql.DB {
		q := url.Values{}
		q.Set("mode", mode)
		q.Add("_pragma", "busy_timeout(5000)")
		h, err := sql.Open("sqlite", "file:"+db+"?"+q.Encode())
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { h.Close() })
		return h
	}
	fz.ro, fz.rw = open("ro"), open("rw")

	// The bystander starts TikTok Shop UK and answers the first question.
	for i, text := range []string{"/onboard tiktok-uk", "1"} {
		u := tgtest.Text(bystander, "en", text)
		u.ID = int64(900_000_001 + i)
		body, _ := json.Marshal(u)
		if code := fz.post(body); code != http.StatusOK {
			f.Fatalf("bystander update %q: %d", text, code)
		}
	}
	fz.before = fz.bystanderState(f)
	if !strings.Contains(fz.before, `"Market":"tiktok-uk"`) || !strings.Contains(fz.before, `"q":"entity"`) {
		f.Fatalf("bystander not set up: %s", fz.before)
	}
	return fz
}

// post sends body to the webhook with the right secret and returns the status.
func (fz *fuzzEnv) post(body []byte) int {
	req := httptest.NewRequest(http.MethodPost, "/telegram/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	rec := httptest.NewRecorder()
	fz.handler.ServeHTTP(rec, req)
	return rec.Code
}

// counts are the rows an update may add.
type counts struct{ sellers, outbox, inbound int }

func (fz *fuzzEnv) counts(t testing.TB) counts {
	t.Helper()
	var c counts
	err := fz.ro.QueryRow(`SELECT (SELECT COUNT(*) FROM sellers), (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM inbound)`).
		Scan(&c.sellers, &c.outbox, &c.inbound)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bystanderState is the bystander's seller row and progress, as JSON.
func (fz *fuzzEnv) bystanderState(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	var out []byte
	err := fz.store.Update(ctx, func(tx bot.Tx) error {
		s, err := tx.Seller(ctx, telegram.Platform, fmt.Sprint(bystander))
		if err != nil {
			return err
		}
		all, err := tx.Onboardings(ctx, s.ID)
		if err != nil {
			return err
		}
		out, err = json.Marshal(map[string]any{"seller": s, "onboardings": all})
		return err
	})
	if err != nil {
		t.Fatalf("bystander: %v", err)
	}
	return string(out)
}

// fromBystander reports whether body is an update the bystander sent, the
// only kind that may change their state. It decodes the way the handler does.
func fromBystander(body []byte) bool {
	var u models.Update
	if json.Unmarshal(body, &u) != nil {
		return false
	}
	return (u.Message != nil && u.Message.From != nil && u.Message.From.ID == bystander) ||
		(u.CallbackQuery != nil && u.CallbackQuery.From.ID == bystander)
}

func (fz *fuzzEnv) check(t *testing.T, body []byte) {
	show := string(body)
	if len(show) > 300 {
		show = show[:300] + fmt.Sprintf("... (%d bytes)", len(body))
	}
	// Telegram never sends two different updates with one update_id, but
	// the fuzzer does all the time: most mutations keep the seed's id. Each
	// input is made a first delivery, or mutated text would never get past
	// the dedupe and be read. The second POST below still meets the first.
	if _, err := fz.rw.Exec(`DELETE FROM inbound`); err != nil {
		t.Fatal(err)
	}
	fz.errs.Reset()
	c0 := fz.counts(t)
	code := fz.post(body)
	switch code {
	case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
	default:
		t.Fatalf("first delivery answered %d for %q\n%s", code, show, &fz.errs)
	}
	c1 := fz.counts(t)
	switch {
	case code != http.StatusOK && c1 != c0:
		t.Fatalf("rejected input (%d) stored something: %+v -> %+v for %q", code, c0, c1, show)
	case c1.outbox-c0.outbox > bot.MaxRepliesPerMessage:
		t.Fatalf("one update queued %d replies for %q", c1.outbox-c0.outbox, show)
	}

	if code2 := fz.post(body); code2 != code {
		t.Fatalf("second delivery answered %d, the first %d, for %q\n%s", code2, code, show, &fz.errs)
	}
	if c2 := fz.counts(t); c2 != c1 {
		t.Fatalf("second delivery changed the store: %+v -> %+v for %q", c1, c2, show)
	}

	after := fz.bystanderState(t)
	if after == fz.before {
		return
	}
	if fromBystander(body) {
		fz.before = after // their own update may change their state
		return
	}
	t.Fatalf("an update from someone else changed the bystander:\nbefore %s\nafter  %s\ninput %q", fz.before, after, show)
}

// fuzzSeeds are real-looking updates built the way Telegram sends them,
// with fixed ids so the seed run does the same every time. Raw and
// malformed bodies are in testdata/fuzz/FuzzWebhook.
func fuzzSeeds() [][]byte {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var out [][]byte
	id := int64(100)
	add := func(u *models.Update) {
		id++
		u.ID = id
		for _, m := range []*models.Message{u.Message, u.EditedMessage, u.ChannelPost} {
			if m != nil {
				m.ID, m.Date = int(id), int(at.Unix())
			}
		}
		if u.CallbackQuery != nil {
			u.CallbackQuery.ID = fmt.Sprint("cb", id)
		}
		b, err := json.Marshal(u)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	const user, zh = 5101, 5102
	for _, text := range []string{
		"/start", "/onboard tiktok-uk", "1", "0", "1", "/back", "1", "1", "GB 123 456 789", "2", "1", "beauty",
		"/checklist", "/done scpn REF123 2027-06-30", "/done scpn x y z", "/why scpn", "/na uk-vat", "/todo uk-vat",
		"/history tiktok-uk", "/status", "/help", "/markets", "/mute tiktok-uk", "/unmute tiktok-uk",
		"/restart tiktok-uk", "/onboard nosuch", "/lang zh", "/lang en", "/announce", "/cancel", "/nosuch",
		"  ", "99", "1,2,3", "1e309", "2027年2月30日", "？", "帮助？", "完成：5", "完成5 REF", "问：", "完成：", "问题都答完了吗",
	} {
		add(tgtest.Text(user, "en", text))
	}
	for _, text := range []string{"帮助", "进度", "入驻 tiktok-id", "我们是深圳的一家公司,做美妆", "清单", "返回"} {
		add(tgtest.Text(zh, "zh-hans", text))
	}
	// A full walk to the checklist with a VAT number, and a date question.
	for _, text := range []string{
		"/onboard tiktok-uk", "1", "0", "1", "1", "1", "gb 123 456 789", "2", "美妆、玩具", "1 3;2",
		"/done uk-vat GB123456789 2099-12-31", "/done uk-vat NOTVAT", "/done uk-vat 2001-01-01", "/why tiktok-uk:uk-vat",
		"/onboard amazon-de", "1", "2030年2月30日", "2020-01-01", "/back", "2030 / 3 / 31", "/status", "/checklist amazon-de",
	} {
		add(tgtest.Text(5104, "en-GB", text))
	}
	add(tgtest.Text(5103, "en", strings.Repeat("长", 100_000/3))) // a 100 KB message

	msg := tgtest.Sent{ChatID: user, MessageID: 1, Text: "old question", At: at}
	for _, d := range []string{"c:1:0", "c:3:0", "c:999999:7", "c:-1:-1", "zzz", "", "c:1:0:0", "c:9223372036854775808:0"} {
		add(tgtest.Click(user, msg, d))
	}
	// A button from the bystander's chat, pressed by someone else.
	add(tgtest.Click(user, tgtest.Sent{ChatID: bystander, MessageID: 1, Text: "their question", At: at}, "c:1:0"))
	// A button under a message too old to be shown (date 0: inaccessible).
	add(tgtest.Click(user, tgtest.Sent{ChatID: user, MessageID: 1}, "c:1:0"))

	edited := tgtest.Text(user, "en", "edited")
	edited.EditedMessage, edited.Message = edited.Message, nil
	add(edited)
	add(&models.Update{ChannelPost: &models.Message{Chat: models.Chat{ID: -100, Type: models.ChatTypeChannel}, Text: "news"}})
	for _, text := range []string{"/status@" + tgtest.Username, "/status", "hello everyone", "/onboard@" + tgtest.Username + " tiktok-uk", "/@"} {
		for _, typ := range []models.ChatType{models.ChatTypeGroup, models.ChatTypeSupergroup} {
			u := tgtest.Text(user, "en", text)
			u.Message.Chat = models.Chat{ID: -4242, Type: typ}
			add(u)
		}
	}
	// Anonymous admins and channels, who are not sellers.
	for _, from := range []int64{1087968824, 136817688} {
		u := tgtest.Text(from, "en", "/onboard@"+tgtest.Username+" tiktok-uk")
		u.Message.Chat = models.Chat{ID: -4242, Type: models.ChatTypeSupergroup}
		u.Message.SenderChat = &models.Chat{ID: -4242, Type: models.ChatTypeSupergroup}
		add(u)
	}
	sticker := tgtest.Text(user, "en", "")
	sticker.Message.Sticker = &models.Sticker{FileID: "x"}
	add(sticker)
	anon := tgtest.Text(user, "en", "/start")
	anon.Message.From = nil
	add(anon)
	huge := tgtest.Text(9223372036854775807, "en", "/start")
	huge.Message.Chat.ID = -9223372036854775808
	add(huge)
	return out
}
