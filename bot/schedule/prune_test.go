package schedule_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/schedule"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

const day = 24 * time.Hour

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// pruneBot is the core on the real store, with a clock the test moves, and
// the pruning job.
type pruneBot struct {
	t     *testing.T
	path  string
	now   time.Time
	store *sqlite.Store
	core  *bot.Core
	job   schedule.Job
	r     schedule.Retention
}

func newPruneBot(t *testing.T, r schedule.Retention) *pruneBot {
	b := &pruneBot{t: t, path: filepath.Join(t.TempDir(), "onboard.db"), now: t0, r: r}
	b.open()
	t.Cleanup(func() { b.store.Close() })
	return b
}

func (b *pruneBot) clock() time.Time { return b.now }

func (b *pruneBot) open() {
	store, err := sqlite.Open(context.Background(), b.path)
	if err != nil {
		b.t.Fatal(err)
	}
	b.store = store
	b.core = bot.New(store, datatest.Rules(b.t), bot.WithClock(b.clock))
	b.job = schedule.Prune(store, b.r, b.clock, slog.New(slog.DiscardHandler))
}

// handle delivers a message and marks its replies sent, as the dispatcher
// would.
func (b *pruneBot) handle(in bot.Inbound) []bot.Reply {
	b.t.Helper()
	if in.Platform == "" {
		in.Platform, in.ChatID = "test", "chat-"+in.UserID
	}
	out, err := b.core.Handle(context.Background(), in)
	if err != nil {
		b.t.Fatal(err)
	}
	var ids []int64
	for _, r := range out {
		ids = append(ids, r.ID)
	}
	if err := b.store.MarkSent(context.Background(), ids, b.now); err != nil {
		b.t.Fatal(err)
	}
	return out
}

func (b *pruneBot) prune() {
	b.t.Helper()
	if err := b.job.Run(context.Background()); err != nil {
		b.t.Fatal(err)
	}
}

// measure closes the store, so that its write-ahead log is copied back
// into the file and removed, and returns the file's size and the number
// of claims and outbox messages in it; then it opens the store again.
func (b *pruneBot) measure() (size int64, claims, messages int) {
	b.t.Helper()
	if err := b.store.Close(); err != nil {
		b.t.Fatal(err)
	}
	if _, err := os.Stat(b.path + "-wal"); !os.IsNotExist(err) {
		b.t.Fatalf("the WAL is still there after closing: %v", err)
	}
	fi, err := os.Stat(b.path)
	if err != nil {
		b.t.Fatal(err)
	}
	db, err := sql.Open("sqlite", b.path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM inbound), (SELECT count(*) FROM outbox)`).Scan(&claims, &messages); err != nil {
		b.t.Fatal(err)
	}
	b.open()
	return fi.Size(), claims, messages
}

// In a long run, with the clock moved on a day at a time and the job run
// once a day, the claims and the messages stop growing once they reach the
// retention, and so does the file: pruned pages are used again.
func TestPruningStopsTheDatabaseGrowing(t *testing.T) {
	const (
		days    = 14
		sellers = 20
	)
	perDay := 200
	if testing.Short() { // the race detector's pass
		perDay = 50
	}
	r := schedule.Retention{Claims: 2 * day, Outbox: 5 * day}
	b := newPruneBot(t, r)
	for i := range sellers {
		b.handle(bot.Inbound{UserID: fmt.Sprint(i), Text: "/onboard tiktok-uk", UpdateID: fmt.Sprintf("start-%d", i)})
	}
	var sizes []int64
	for d := range days {
		for i := range perDay {
			b.now = t0.Add(time.Duration(d)*day + time.Duration(i)*day/time.Duration(perDay))
			text := []string{"/status", "/checklist", "/history", "/help"}[i%4]
			b.handle(bot.Inbound{UserID: fmt.Sprint(i % sellers), Text: text, UpdateID: fmt.Sprintf("%d-%d", d, i)})
		}
		b.prune()
		size, claims, messages := b.measure()
		sizes = append(sizes, size)
		// The job ran within the last message's second, so a day's worth of
		// messages per day of retention is kept, give or take one.
		if d >= 5 && (claims < 2*perDay-1 || claims > 2*perDay+1) {
			t.Errorf("day %d: %d claims kept, want 2 days' (%d)", d, claims, 2*perDay)
		}
		if d >= 5 && (messages < 5*perDay-1 || messages > 5*perDay+1) {
			t.Errorf("day %d: %d messages kept, want 5 days' (%d)", d, messages, 5*perDay)
		}
		t.Logf("day %2d: %7d bytes, %4d claims, %4d messages", d, size, claims, messages)
	}
	// Once the retention is reached, pruning frees as much as a day adds.
	settled := sizes[6]
	for d := 7; d < days; d++ {
		if sizes[d] > settled {
			t.Errorf("day %d: the file grew to %d bytes, from %d on day 6", d, sizes[d], settled)
		}
	}
	if sizes[4] <= sizes[0] {
		t.Errorf("the file did not grow at all (%d bytes on day 0, %d on day 4): the test measures nothing", sizes[0], sizes[4])
	}
}

// A click on a button of a message pruned away gets the "no longer
// current" notice and changes nothing; a click within the retention is
// still taken.
func TestClickOnAPrunedMessageGetsTheStaleNotice(t *testing.T) {
	b := newPruneBot(t, schedule.DefaultRetention)
	ask := map[string]bot.Reply{}
	for _, user := range []string{"ann", "bob"} {
		out := b.handle(bot.Inbound{UserID: user, Text: "/onboard tiktok-uk"})
		if len(out) != 1 || len(out[0].Choices) == 0 {
			t.Fatalf("onboarding %s asked no question: %+v", user, out)
		}
		ask[user] = out[0]
	}
	click := func(user string) bot.Reply {
		chat := "chat-" + user
		out := b.handle(bot.Inbound{UserID: user, Button: &bot.Button{Data: bot.ButtonID(ask[user].ID, 0),
			InChat: func(c string) bool { return c == chat }}})
		if len(out) != 1 {
			t.Fatalf("%d replies to %s's click", len(out), user)
		}
		return out[0]
	}

	b.now = t0.Add(29 * day)
	b.prune()
	if r := click("bob"); r.Notice != "" || r.Clicked == nil {
		t.Errorf("a click on a 29-day-old question was not taken: notice %q\n%s", r.Notice, r.Text)
	}

	b.now = t0.Add(31 * day)
	b.prune()
	r := click("ann")
	if r.Notice == "" || r.Clicked != nil || !strings.Contains(r.Text, "no longer current") {
		t.Errorf("a click on a pruned question: notice %q, clicked %v\n%s", r.Notice, r.Clicked, r.Text)
	}
	if !strings.Contains(r.Text, ask["ann"].Text[strings.LastIndex(ask["ann"].Text, "\n")+1:]) {
		t.Errorf("the seller is not shown the question they are at:\n%s", r.Text)
	}
	// ann's answer was not taken: /history shows only the start.
	h := b.handle(bot.Inbound{UserID: "ann", Text: "/history"})[0]
	if strings.Contains(h.Text, "→") {
		t.Errorf("the click on a pruned question was recorded as an answer:\n%s", h.Text)
	}
}

// A redelivery within the claim window changes nothing and is answered
// once; the claim goes only after it.
func TestRedeliveryWithinTheClaimWindowIsRecognised(t *testing.T) {
	b := newPruneBot(t, schedule.DefaultRetention)
	in := bot.Inbound{UserID: "cai", Text: "/status", UpdateID: "u1"}
	if out := b.handle(in); len(out) != 1 {
		t.Fatalf("%d replies to the first delivery", len(out))
	}
	b.now = t0.Add(7*day - time.Minute)
	b.prune()
	if out := b.handle(in); len(out) != 0 {
		t.Errorf("a redelivery within the claim window was answered again: %+v", out)
	}
	b.now = t0.Add(7*day + time.Hour)
	b.prune()
	if out := b.handle(in); len(out) != 1 {
		t.Errorf("the claim outlived its window: %d replies to a delivery after it", len(out))
	}
}

// The job prunes a code a day after it expired or was used, and wrong
// codes once the per-account limit no longer counts them: a code given
// within the day is still told apart from a wrong one, and an account
// that gave too many wrong codes in the hour still waits.
func TestPruneCodes(t *testing.T) {
	b := newPruneBot(t, schedule.DefaultRetention)
	codes := func() (n, tries int) {
		b.t.Helper()
		db, err := sql.Open("sqlite", b.path)
		if err != nil {
			b.t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(`SELECT (SELECT count(*) FROM link_codes), (SELECT count(*) FROM code_tries)`).Scan(&n, &tries); err != nil {
			b.t.Fatal(err)
		}
		return n, tries
	}
	say := func(user, text string) string {
		b.t.Helper()
		out := b.handle(bot.Inbound{UserID: user, Text: text})
		return out[len(out)-1].Text
	}
	say("owner", "/lang en")
	used := codeRE.FindString(say("owner", "/link"))
	if !strings.Contains(say("other", "link "+used), "Linked") {
		t.Fatal("the code did not link")
	}
	unused := codeRE.FindString(say("owner", "/link"))
	for range bot.MaxAccountTries {
		say("guesser", "link AAAA-AAAA")
	}
	b.now = b.now.Add(bot.CodeTryWindow - time.Minute)
	b.prune()
	if n, tries := codes(); n != 2 || tries != bot.MaxAccountTries {
		t.Errorf("within the hour: %d codes and %d wrong tries, want 2 and %d", n, tries, bot.MaxAccountTries)
	}
	if !strings.Contains(say("guesser", "link "+unused), "Too many") {
		t.Error("the per-account limit forgot its tries")
	}
	b.now = t0.Add(bot.CodeTTL + bot.CodeKept - time.Minute)
	b.prune()
	// The code used at t0 was used more than a day ago; the other expired
	// less than a day ago.
	if n, tries := codes(); n != 1 || tries != 0 {
		t.Errorf("within the day: %d codes and %d wrong tries, want 1 and 0", n, tries)
	}
	if !strings.Contains(say("late", "link "+unused), "expired") {
		t.Error("a code given within the day is not told expired")
	}
	b.now = t0.Add(bot.CodeTTL + bot.CodeKept + time.Minute)
	b.prune()
	if n, _ := codes(); n != 0 {
		t.Errorf("a day after: %d codes, want none", n)
	}
}

var codeRE = regexp.MustCompile(`[2-9A-Z]{4}-[2-9A-Z]{4}`)
