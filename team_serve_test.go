package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
)

// teamClock is the bot's clock in these tests: it stands still until the
// test moves it, so a code expires, a burst of team notes ends and an hour
// of wrong codes passes when the test says, and not before.
type teamClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *teamClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *teamClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// teamServe is `onboardbot serve` in-process on a SQLite file, with
// Telegram by webhook and Slack by the Events API, each talking to its
// test server through the real client. A webhook is answered only after
// the update's transaction committed, so once post returns, whatever the
// update changed is in the database and whatever it queued is in the
// outbox: a test reads both there, and waits only for the sending.
type teamServe struct {
	t      *testing.T
	tg     *tgtest.Server
	sl     *slacktest.Server
	env    map[string]string
	clock  *teamClock
	stop   func() (int, string)
	update int64 // the last Telegram update_id given
}

const teamWebhookSecret = "team_webhook_secret"

func newTeamServe(t *testing.T) *teamServe {
	t.Helper()
	tg, sl := tgtest.New(), slacktest.New()
	t.Cleanup(tg.Close)
	t.Cleanup(sl.Close)
	s := &teamServe{t: t, tg: tg, sl: sl, clock: &teamClock{now: time.Now().UTC()}, env: map[string]string{
		"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_TELEGRAM_RATE": "100", "ONBOARD_SLACK_RATE": "100",
		"TELEGRAM_BOT_TOKEN": tgtest.Token, "TELEGRAM_API_URL": tg.URL, "TELEGRAM_WEBHOOK_SECRET": teamWebhookSecret,
		"SLACK_BOT_TOKEN": slacktest.BotToken, "SLACK_SIGNING_SECRET": slacktest.SigningSecret, "SLACK_API_URL": sl.URL + "/",
	}}
	s.start()
	t.Cleanup(func() { // before the test servers close
		if s.stop == nil {
			return
		}
		if code, logs := s.stop(); code != 0 {
			t.Errorf("serve exited with %d\n%s", code, logs)
		}
	})
	return s
}

func (s *teamServe) start() {
	s.t.Helper()
	s.env["ONBOARD_ADDR"] = freeAddr(s.t)
	s.stop = startServeAt(s.t, s.env, s.clock.Now)
}

// restart stops serve as an operator does and starts it again on the same
// database.
func (s *teamServe) restart() {
	s.t.Helper()
	code, logs := s.stop()
	s.stop = nil
	if code != 0 {
		s.t.Fatalf("serve exited with %d\n%s", code, logs)
	}
	s.start()
}

// delivery is one update as its platform posts it; posting it again is
// the platform delivering it again (same update_id, same event_id).
type delivery struct {
	platform, chat string // where its replies go, as the outbox names it
	path           string
	body           []byte
	retry          int // the platform's count of earlier tries (Slack's X-Slack-Retry-Num)
}

// telegram is a text message from a Telegram user, with the language
// their app is set to.
func (s *teamServe) telegram(user int64, lang, text string) delivery {
	s.update++
	u := tgtest.Text(user, lang, text)
	u.ID = s.update
	body, _ := json.Marshal(u)
	return delivery{platform: "telegram", chat: strconv.FormatInt(user, 10), path: "/telegram/webhook", body: body}
}

// slack is a direct message from a Slack user (their language is the
// locale the test server gives them, see slacktest.SetLocale).
func (s *teamServe) slack(user, text string) delivery {
	body, _ := json.Marshal(slacktest.Callback(slacktest.EventID(), slacktest.DM(user, text)))
	return delivery{platform: "slack", chat: slacktest.DMChannel(user), path: "/slack/events", body: body}
}

// account is one person's account on a platform, in a language: their
// Telegram app's, or their Slack profile's locale.
type account struct {
	platform, user string
	zh             bool
}

func tgAccount(user int64, zh bool) account {
	return account{platform: "telegram", user: strconv.FormatInt(user, 10), zh: zh}
}

func slAccount(user string, zh bool) account { return account{platform: "slack", user: user, zh: zh} }

// from is a text message from a.
func (s *teamServe) from(a account, text string) delivery {
	if a.platform == "slack" {
		locale := "en-US"
		if a.zh {
			locale = "zh-CN"
		}
		s.sl.SetLocale(a.user, locale)
		return s.slack(a.user, text)
	}
	lang := "en"
	if a.zh {
		lang = "zh-hans"
	}
	id, _ := strconv.ParseInt(a.user, 10, 64)
	return s.telegram(id, lang, text)
}

// onboard is a Slack user's `/onboard <text>`, typed in their DM with the
// bot: a slash command, form-encoded.
func (s *teamServe) onboard(user, text string) delivery {
	form := url.Values{}
	for k, v := range slacktest.Slash(user, slacktest.DMChannel(user), "/onboard", text) {
		form.Set(k, v)
	}
	return delivery{platform: "slack", chat: slacktest.DMChannel(user), path: "/slack/commands", body: []byte(form.Encode())}
}

// post delivers d and returns the texts of the replies it queued.
func (s *teamServe) post(d delivery) []string {
	s.t.Helper()
	last := s.lastQueued()
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.env["ONBOARD_ADDR"]+d.path, bytes.NewReader(d.body))
	req.Header.Set("Content-Type", "application/json")
	if d.path == "/slack/commands" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if d.platform == "telegram" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", teamWebhookSecret)
	} else {
		slacktest.Sign(req.Header, d.body, slacktest.SigningSecret, time.Now())
		if d.retry > 0 {
			req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(d.retry))
			req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("post %s: %v", d.body, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("post %s: %d", d.body, resp.StatusCode)
	}
	var texts []string
	for _, row := range s.query(`SELECT payload FROM outbox WHERE platform = ? AND chat_id = ? AND id > ? ORDER BY id`, d.platform, d.chat, last) {
		var r bot.Reply
		if err := json.Unmarshal([]byte(row[0]), &r); err != nil {
			s.t.Fatal(err)
		}
		texts = append(texts, r.Text)
	}
	return texts
}

// say delivers d and waits until the platform's test server has the
// replies it queued; it returns them as sent, a message a line.
func (s *teamServe) say(d delivery) string {
	s.t.Helper()
	before := s.queuedTo(d.platform, d.chat)
	want := before + len(s.post(d))
	wait := s.sl.Wait
	if d.platform == "telegram" {
		wait = s.tg.Wait
	}
	// A chat is sent about a message a second: what waits goes first.
	sent := s.sentTo(d.platform, d.chat)
	if !wait(15*time.Second+2*time.Second*time.Duration(want-len(sent)), func() bool { sent = s.sentTo(d.platform, d.chat); return len(sent) >= want }) {
		s.t.Fatalf("%s %s got %d of the %d messages queued to it:\n%s", d.platform, d.chat, len(sent), want, strings.Join(sent, "\n---\n"))
	}
	return strings.Join(sent[before:want], "\n")
}

// sentTo is what the test server of platform has received for chat, in
// order: the message's text as the seller reads it.
func (s *teamServe) sentTo(platform, chat string) []string {
	var texts []string
	if platform == "telegram" {
		id, _ := strconv.ParseInt(chat, 10, 64)
		for _, m := range s.tg.SentTo(id) {
			texts = append(texts, m.Text)
		}
		return texts
	}
	for _, m := range s.sl.SentTo(chat) {
		texts = append(texts, m.Plain())
	}
	return texts
}

func (s *teamServe) queuedTo(platform, chat string) int {
	s.t.Helper()
	n, _ := strconv.Atoi(s.query(`SELECT count(*) FROM outbox WHERE platform = ? AND chat_id = ? AND failed_at IS NULL`, platform, chat)[0][0])
	return n
}

func (s *teamServe) lastQueued() int64 {
	s.t.Helper()
	n, _ := strconv.ParseInt(s.query(`SELECT coalesce(max(id), 0) FROM outbox`)[0][0], 10, 64)
	return n
}

// query runs q on the database beside the running serve and returns its
// rows, each column as text.
func (s *teamServe) query(q string, args ...any) [][]string {
	s.t.Helper()
	return queryFile(s.t, s.env["ONBOARD_DB"], q, args...)
}

// queryFile runs q on the SQLite file path, read-only (a serve may be
// running on it), and returns its rows, each column as text.
func queryFile(t *testing.T, path, q string, args ...any) [][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// companies is who belongs to which company: the sellers, their members
// and their accounts, row by row.
func (s *teamServe) companies() string {
	s.t.Helper()
	return s.dump(`SELECT * FROM sellers ORDER BY id`, `SELECT * FROM members ORDER BY id`,
		`SELECT * FROM accounts ORDER BY platform, user_id`)
}

// everything is what any command may change: companies, progress, codes,
// wrong tries, team notes, history and the outbox.
func (s *teamServe) everything() string {
	s.t.Helper()
	return s.companies() + s.dump(`SELECT * FROM onboardings ORDER BY seller_id, market`,
		`SELECT * FROM link_codes ORDER BY id`, `SELECT * FROM code_tries ORDER BY platform, user_id, at`,
		`SELECT * FROM team_notes ORDER BY id`, `SELECT * FROM merges ORDER BY seller_id, from_seller, market`,
		`SELECT count(*) FROM answer_history`, `SELECT count(*) FROM outbox`)
}

func (s *teamServe) dump(queries ...string) string {
	s.t.Helper()
	var b strings.Builder
	for _, q := range queries {
		fmt.Fprintf(&b, "%s\n", q)
		for _, row := range s.query(q) {
			fmt.Fprintf(&b, "  %s\n", strings.Join(row, " | "))
		}
	}
	return b.String()
}

var teamCodeRE = regexp.MustCompile(`[2-9A-Z]{4}-[2-9A-Z]{4}`)

func (s *teamServe) codeIn(reply string) string {
	s.t.Helper()
	c := teamCodeRE.FindString(reply)
	if c == "" {
		s.t.Fatalf("no code in:\n%s", reply)
	}
	return c
}

// contains fails the test unless got has every one of want and none of
// not.
func contains(t *testing.T, what, got string, want []string, not ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q lacks %q", what, got, w)
		}
	}
	for _, n := range not {
		if strings.Contains(got, n) {
			t.Errorf("%s: %q has %q", what, got, n)
		}
	}
}

// ukChecklist is what a seller sends on Telegram to reach the TikTok Shop
// UK checklist, with SCPN and UK-RP open.
var ukChecklist = []string{"/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty"}

// The owner on Telegram invites a colleague, who joins on Slack in their
// own language and marks an item; the owner is told once the burst is
// over, in one message; both see both in /team; an announcement reaches
// the company once, on the account used last; the owner removes the
// colleague, whose account starts afresh.
func TestServeTeam(t *testing.T) {
	s := newTeamServe(t)
	const owner = 7101
	const colleague = "U71"
	s.sl.SetLocale(colleague, "zh-CN")
	tg := func(text string) string { t.Helper(); return s.say(s.telegram(owner, "en", text)) }
	sl := func(text string) string { t.Helper(); return s.say(s.slack(colleague, text)) }
	for _, text := range ukChecklist {
		s.post(s.telegram(owner, "en", text))
	}
	code := s.codeIn(tg("/invite"))
	contains(t, "join", sl("join "+code), []string{"你已加入公司"})
	// As Slack's message box lets them: the slash command.
	contains(t, "done", s.say(s.onboard(colleague, "done scpn REF1")), []string{"已完成"})

	// The burst is not over: the notes wait, nothing is queued for them.
	if n := s.query(`SELECT count(*) FROM team_notes`)[0][0]; n != "2" {
		t.Errorf("%s team notes waiting, want 2 (joined, marked)", n)
	}
	notes := func() [][]string {
		return s.query(`SELECT chat_id, payload FROM outbox WHERE payload LIKE '%From your team%' OR payload LIKE '%团队动态%'`)
	}
	if got := notes(); len(got) != 0 {
		t.Fatalf("team notes sent during the burst: %v", got)
	}
	s.clock.Add(bot.TeamNoteQuiet)
	var note string
	if !s.tg.Wait(30*time.Second, func() bool {
		for _, m := range s.sentTo("telegram", strconv.Itoa(owner)) {
			if strings.Contains(m, "From your team") {
				note = m
			}
		}
		return note != ""
	}) {
		t.Fatal("the owner was never told what the colleague did")
	}
	if got := notes(); len(got) != 1 || got[0][0] != strconv.Itoa(owner) {
		t.Errorf("team notes queued: %v; want one, to the owner", got)
	}
	if n := s.query(`SELECT count(*) FROM team_notes`)[0][0]; n != "0" {
		t.Errorf("%s team notes still waiting after they were sent", n)
	}

	tgTeam, slTeam := tg("/team"), sl("team")
	name := regexp.MustCompile(`\n2\. (.+?) · Slack`).FindStringSubmatch(tgTeam)
	if name == nil {
		t.Fatalf("/team on Telegram does not list the colleague on Slack:\n%s", tgTeam)
	}
	contains(t, "the owner's /team", tgTeam, []string{"1. Seller (owner) (you) · Telegram", "last: marked SCPN done"})
	contains(t, "the colleague's /team", slTeam, []string{"1. Seller（创建者） · Telegram", "2. " + name[1] + "（你） · Slack", "最近：把 TikTok Shop 英国跨境店 的 SCPN 标记为已完成"})
	contains(t, "the owner's note", note, []string{name[1] + " joined the team", name[1] + " marked SCPN done in TikTok Shop UK"}, "团队")

	// The colleague wrote last: the announcement goes to their Slack, once.
	if code, out, errOut := run(t, map[string]string{"ONBOARD_DB": s.env["ONBOARD_DB"]}, "", "announce", "--market", "tiktok-uk", "--text", "New UK rule"); code != 0 || !strings.Contains(out, "1 recipients") {
		t.Fatalf("announce: %d %s %s", code, out, errOut)
	}
	if queued := s.query(`SELECT platform, chat_id FROM outbox WHERE announcement_id IS NOT NULL`); len(queued) != 1 || queued[0][0] != "slack" || queued[0][1] != slacktest.DMChannel(colleague) {
		t.Errorf("the announcement was queued to %v; want once, to the colleague's Slack", queued)
	}
	if !s.sl.Wait(10*time.Second, func() bool {
		return strings.Contains(strings.Join(s.sentTo("slack", slacktest.DMChannel(colleague)), "\n"), "New UK rule")
	}) {
		t.Error("the announcement did not reach Slack")
	}

	contains(t, "remove", tg("/team remove 2"), []string{name[1] + " is removed"})
	contains(t, "the team after", tg("/team"), []string{"1. Seller (owner) (you)"}, "2. ")
	// The colleague's account starts afresh: a company of its own,
	// without the progress.
	contains(t, "whoami after", sl("whoami"), []string{"Slack " + colleague}, "Telegram")
	contains(t, "status after", sl("status"), nil, "TikTok Shop UK ·", "SCPN")
	rows := s.query(`SELECT a.seller_id, (SELECT count(*) FROM onboardings o WHERE o.seller_id = a.seller_id),
		(SELECT seller_id FROM accounts WHERE platform = 'telegram' AND user_id = ?) FROM accounts a WHERE platform = 'slack' AND user_id = ?`, strconv.Itoa(owner), colleague)
	if len(rows) != 1 || rows[0][0] == rows[0][2] || rows[0][1] != "0" {
		t.Errorf("the removed account (seller, onboardings, the owner's seller): %v", rows)
	}
}

// wrongSecret is code with its id kept and its secret half changed.
func wrongSecret(code string) string {
	return code[:5] + strings.Map(func(r rune) rune {
		if r == 'Z' {
			return 'Y'
		}
		return 'Z'
	}, code[5:])
}

// Bad codes through the real adapters, each answered in the language of
// whoever sent it, and none changing who belongs to which company, nor
// any progress, nor using a code.
func TestServeBadCodes(t *testing.T) {
	s := newTeamServe(t)
	tests := []struct {
		name string
		zh   bool
		// bad sets the case up with the accounts given (a Telegram owner,
		// then others) and returns the bad message and who sends it.
		bad      func(owner account, other func(n int, platform string) account) (account, string)
		want     string // a regular expression
		notWant  string // what the other language would say
		codeUsed bool   // the code was used before the bad message, by the case
	}{
		{name: "a wrong code", zh: true, want: "这个码不对", notWant: "not right",
			bad: func(owner account, other func(int, string) account) (account, string) {
				code := s.codeIn(s.say(s.from(owner, "/invite")))
				return other(1, "slack"), "加入 " + wrongSecret(code)
			}},
		{name: "an expired code", want: "has expired", notWant: "过期",
			bad: func(owner account, other func(int, string) account) (account, string) {
				code := s.codeIn(s.say(s.from(owner, "/invite")))
				s.clock.Add(bot.CodeTTL)
				return other(1, "slack"), "join " + code
			}},
		{name: "a reused code", zh: true, want: "已经用过了", notWant: "used already", codeUsed: true,
			bad: func(owner account, other func(int, string) account) (account, string) {
				code := s.codeIn(s.say(s.from(owner, "/invite")))
				contains(t, "the first join", s.say(s.from(other(1, "slack"), "加入 "+code)), []string{"你已加入公司"})
				return other(2, "telegram"), "加入 " + code
			}},
		{name: "a code void after 5 wrong tries", want: "is void", notWant: "作废",
			bad: func(owner account, other func(int, string) account) (account, string) {
				code := s.codeIn(s.say(s.from(owner, "/invite")))
				for range bot.MaxCodeTries {
					contains(t, "a wrong try", strings.Join(s.post(s.from(other(1, "slack"), "join "+wrongSecret(code))), "\n"), []string{"not right"})
				}
				return other(2, "telegram"), "/join " + code
			}},
		{name: "an account after 10 wrong codes in an hour", zh: true, want: "错误的码太多了", notWant: "Too many",
			bad: func(owner account, other func(int, string) account) (account, string) {
				code := s.codeIn(s.say(s.from(owner, "/invite")))
				for range bot.MaxAccountTries {
					s.post(s.from(other(1, "slack"), "加入 AAAA-AAAA"))
				}
				return other(1, "slack"), "加入 " + code
			}},
		{name: "an account linking itself", want: "already yours", notWant: "已经是你的",
			bad: func(owner account, other func(int, string) account) (account, string) {
				return owner, "link " + s.codeIn(s.say(s.from(owner, "/link")))
			}},
		{name: "a member joining its own company again", zh: true, want: "你已经在这个公司里了", notWant: "already belong", codeUsed: true,
			bad: func(owner account, other func(int, string) account) (account, string) {
				code := s.codeIn(s.say(s.from(owner, "/invite")))
				s.say(s.from(other(1, "slack"), "加入 "+code))
				return other(1, "slack"), "加入 " + s.codeIn(s.say(s.from(owner, "/invite")))
			}},
		{name: "a member of a team joining another company", want: "unlink it", notWant: "先用 unlink", codeUsed: true,
			bad: func(owner account, other func(int, string) account) (account, string) {
				s.say(s.from(other(1, "slack"), "join "+s.codeIn(s.say(s.from(owner, "/invite")))))
				return other(1, "slack"), "join " + s.codeIn(s.say(s.from(other(2, "telegram"), "/invite")))
			}},
		{name: "a linked account joining another company", zh: true, want: "先用 unlink", notWant: "unlink it", codeUsed: true,
			bad: func(owner account, other func(int, string) account) (account, string) {
				s.say(s.from(other(1, "slack"), "绑定 "+s.codeIn(s.say(s.from(owner, "/link")))))
				return other(1, "slack"), "加入 " + s.codeIn(s.say(s.from(other(2, "telegram"), "/invite")))
			}},
		// The removed member's codes are kept, void, and refused as such
		// (not as a wrong code, which would count against the sender).
		{name: "a code of a member removed since", want: "no longer valid", notWant: "not right", codeUsed: true,
			bad: func(owner account, other func(int, string) account) (account, string) {
				s.say(s.from(other(1, "slack"), "join "+s.codeIn(s.say(s.from(owner, "/invite")))))
				code := s.codeIn(s.say(s.from(other(1, "slack"), "link")))
				contains(t, "remove", s.say(s.from(owner, "/team remove 2")), []string{"removed"})
				return other(2, "telegram"), "link " + code
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner := tgAccount(int64(7300+10*i), tt.zh)
			other := func(n int, platform string) account {
				if platform == "slack" {
					return slAccount(fmt.Sprintf("U73%02d%d", i, n), tt.zh)
				}
				return tgAccount(int64(7300+10*i+n), tt.zh)
			}
			s.post(s.from(owner, "/onboard tiktok-uk"))
			sender, text := tt.bad(owner, other)
			s.post(s.from(sender, "/whoami")) // the sender's own account is the one its company used last
			before := s.companies() + s.dump(`SELECT seller_id, market, state FROM onboardings ORDER BY seller_id, market`,
				`SELECT id, kind, seller_id, member_id, used_at FROM link_codes ORDER BY id`)
			reply := s.say(s.from(sender, text))
			if !regexp.MustCompile(tt.want).MatchString(reply) {
				t.Errorf("%s: %q lacks %q", text, reply, tt.want)
			}
			contains(t, text, reply, nil, tt.notWant)
			after := s.companies() + s.dump(`SELECT seller_id, market, state FROM onboardings ORDER BY seller_id, market`,
				`SELECT id, kind, seller_id, member_id, used_at FROM link_codes ORDER BY id`)
			if after != before {
				t.Errorf("the bad code changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if used := s.query(`SELECT count(*) FROM link_codes WHERE used_at IS NOT NULL AND seller_id IN (SELECT seller_id FROM accounts WHERE platform = 'telegram' AND user_id = ?)`, owner.user)[0][0]; (used != "0") != tt.codeUsed {
				t.Errorf("%s of the owner's codes used", used)
			}
		})
	}
}

// Each command of linked accounts and teams other than /link (which
// bot.TestLinkAcrossARestartAndRedelivered covers) delivered again, by
// webhook, with the same update_id or event_id: before and after a
// restart, the redelivery answers nothing and changes nothing, even when
// handling it again would now do something else; and what the command
// did survives the restart, so the next step works.
func TestServeTeamCommandsRedeliveredAndRestarted(t *testing.T) {
	const owner = 7401
	ownerTG, ownerSlack := tgAccount(owner, false), slAccount("U75", false)
	colleague, third := slAccount("U74", true), slAccount("U76", false)
	say := func(s *teamServe, a account, text string) string { t.Helper(); return s.say(s.from(a, text)) }
	// invited: the owner started a market and invited the colleague, who joined.
	invited := func(s *teamServe) {
		t.Helper()
		s.post(s.from(ownerTG, "/onboard tiktok-uk"))
		contains(t, "join", say(s, colleague, "加入 "+s.codeIn(say(s, ownerTG, "/invite"))), []string{"你已加入公司"})
	}
	// linked: the owner started a market and linked their Slack account.
	linked := func(s *teamServe) {
		t.Helper()
		s.post(s.from(ownerTG, "/onboard tiktok-uk"))
		contains(t, "link", say(s, ownerSlack, "link "+s.codeIn(say(s, ownerTG, "/link"))), []string{"Linked"})
	}
	tests := []struct {
		name string
		// setup brings the bot to where the command is given, and returns it.
		setup func(s *teamServe) delivery
		want  []string // in the command's reply
		// between runs after the command, before it is delivered again:
		// handling it again would then change something.
		between func(s *teamServe)
		// next is the step after the restart that relies on the command.
		next func(s *teamServe, reply string)
	}{
		{name: "/invite",
			setup: func(s *teamServe) delivery {
				s.post(s.from(ownerTG, "/onboard tiktok-uk"))
				return s.from(ownerTG, "/invite")
			},
			want: []string{"Invitation code"},
			next: func(s *teamServe, reply string) {
				contains(t, "join after a restart", say(s, colleague, "加入 "+s.codeIn(reply)), []string{"你已加入公司"})
				contains(t, "status", say(s, colleague, "status"), []string{"TikTok Shop 英国跨境店"})
			}},
		{name: "join",
			setup: func(s *teamServe) delivery {
				s.post(s.from(ownerTG, "/onboard tiktok-uk"))
				return s.from(colleague, "join "+s.codeIn(say(s, ownerTG, "/invite")))
			},
			want: []string{"你已加入公司"},
			next: func(s *teamServe, _ string) {
				contains(t, "the owner's /team", say(s, ownerTG, "/team"), []string{"1. Seller (owner) (you)", "2. ", "joined the team"}, "3. ")
			}},
		{name: "team",
			setup: func(s *teamServe) delivery { invited(s); return s.from(colleague, "team") },
			want:  []string{"1. Seller（创建者） · Telegram", "（你） · Slack"},
			next: func(s *teamServe, reply string) {
				contains(t, "the same /team after a restart", say(s, colleague, "team"), []string{reply})
			}},
		{name: "/team remove",
			setup: func(s *teamServe) delivery { invited(s); return s.from(ownerTG, "/team remove 2") },
			want:  []string{"is removed"},
			// Another colleague joins: they are number 2 now.
			between: func(s *teamServe) {
				contains(t, "join", say(s, third, "join "+s.codeIn(say(s, ownerTG, "/invite"))), []string{"joined the company"})
			},
			next: func(s *teamServe, _ string) {
				contains(t, "the removed member", say(s, colleague, "whoami"), []string{"Slack U74"}, "Telegram", "团队")
				contains(t, "the owner's /team", say(s, ownerTG, "/team"), []string{"1. Seller (owner) (you)", "2. "}, "3. ")
				company := s.query(`SELECT platform, user_id FROM accounts WHERE seller_id = (SELECT seller_id FROM accounts WHERE user_id = ?) ORDER BY user_id`, strconv.Itoa(owner))
				if fmt.Sprint(company) != "[[telegram 7401] [slack U76]]" {
					t.Errorf("the company's accounts: %v; want the owner's and the colleague who joined since", company)
				}
			}},
		{name: "/unlink",
			setup: func(s *teamServe) delivery { linked(s); return s.from(ownerTG, "/unlink slack") },
			want:  []string{"The Slack account is separated"},
			// The seller links their Slack account again.
			between: func(s *teamServe) {
				contains(t, "link again", say(s, ownerSlack, "link "+s.codeIn(say(s, ownerTG, "/link"))), []string{"Linked"})
			},
			next: func(s *teamServe, _ string) {
				contains(t, "whoami", say(s, ownerSlack, "whoami"), []string{"Telegram 7401", "Slack U75 (this one)"})
				contains(t, "unlink after a restart", say(s, ownerSlack, "unlink telegram"), []string{"separated"})
				contains(t, "whoami after", say(s, ownerTG, "/whoami"), []string{"Telegram 7401 (this one)"}, "Slack")
				contains(t, "the progress stays", say(s, ownerSlack, "status"), []string{"TikTok Shop UK"})
			}},
		{name: "whoami",
			setup: func(s *teamServe) delivery { linked(s); return s.from(ownerSlack, "whoami") },
			want:  []string{"Telegram 7401", "Slack U75 (this one)"},
			// The seller writes on Telegram, the account used last now.
			between: func(s *teamServe) { s.post(s.from(ownerTG, "/status")) },
			next: func(s *teamServe, _ string) {
				contains(t, "whoami after a restart", say(s, ownerTG, "/whoami"), []string{"Telegram 7401 (this one)", "Slack U75"})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTeamServe(t)
			d := tt.setup(s)
			reply := s.say(d)
			contains(t, tt.name, reply, tt.want)
			if tt.between != nil {
				tt.between(s)
			}
			again := func(when string) {
				t.Helper()
				before := s.everything()
				d.retry++
				if replies := s.post(d); len(replies) != 0 {
					t.Errorf("%s %s delivered again %s answered: %q", d.platform, tt.name, when, replies)
				}
				if after := s.everything(); after != before {
					t.Errorf("%s delivered again %s changed the database:\nbefore:\n%s\nafter:\n%s", tt.name, when, before, after)
				}
			}
			again("at once")
			s.restart()
			again("after a restart")
			tt.next(s, reply)
		})
	}
}
