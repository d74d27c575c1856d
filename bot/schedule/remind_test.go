package schedule_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/schedule"
	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/data/pgtest"
	"github.com/onboardbot/onboardbot/data/postgres"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
)

// walkStart is a Monday; the walks go on from there.
var walkStart = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// opener opens a new, empty store for a test, with a connection of the
// test's own to its database, for what the store does not say (the
// reminders' outcomes, the outbox's rows).
type opener func(t *testing.T) (bot.Store, *sql.DB)

// eachStore runs a test on each store: SQLite, and PostgreSQL on a
// throwaway cluster of the test's own (skipped with -short, or where
// PostgreSQL is not installed, outside CI).
func eachStore(t *testing.T, test func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, func(t *testing.T) (bot.Store, *sql.DB) {
			path := filepath.Join(t.TempDir(), "onboard.db")
			store, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			return store, sqlDB(t, "sqlite", path)
		})
	})
	t.Run("postgres", func(t *testing.T) {
		if testing.Short() {
			t.Skip("PostgreSQL with -short: the SQLite run covers the core")
		}
		c := pgtest.Start(t)
		test(t, func(t *testing.T) (bot.Store, *sql.DB) {
			url := c.DB(t)
			store, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatalf("%v\n%s", err, c.Log())
			}
			t.Cleanup(func() { store.Close() })
			return store, sqlDB(t, "pgx", url)
		})
	})
}

func sqlDB(t *testing.T, driver, source string) *sql.DB {
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// walker is the core and the reminder job on a real store, with a clock
// the test moves as the scheduler would sleep: to the next due time.
type walker struct {
	t       *testing.T
	db      *sql.DB
	now     time.Time
	store   bot.Store
	core    *bot.Core
	job     schedule.Job
	alarm   *schedule.Alarm
	notices *notices
	zones   map[string]string // user → the zone their platform gives
	rounds  int
}

// notices records what the job told the dispatchers.
type notices struct {
	mu    sync.Mutex
	chats map[string]int
}

func (n *notices) Notify(platform string, chats ...string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range chats {
		n.chats[c]++
	}
}

func testCatalog(t testing.TB) *flows.Catalog {
	c, err := markets.LoadRules(os.DirFS("testdata/markets"), ".")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newWalker(t *testing.T, open opener, reminding bot.Reminding) *walker {
	w := &walker{t: t, now: walkStart, zones: map[string]string{},
		notices: &notices{chats: map[string]int{}}, alarm: schedule.NewAlarm()}
	store, db := open(t)
	w.store, w.db = store, db
	w.core = bot.New(store, testCatalog(t), bot.WithClock(w.clock), bot.WithReminding(reminding), bot.WithWaker(w.alarm))
	w.job = schedule.Reminders(store, w.core, w.alarm, w.notices, w.clock, slog.New(slog.DiscardHandler))
	return w
}

func (w *walker) clock() time.Time { return w.now }

// say delivers a seller's message and returns the text of the replies.
func (w *walker) say(user, text string) string {
	w.t.Helper()
	out, err := w.core.Handle(context.Background(), bot.Inbound{Platform: "test", UserID: user, ChatID: "chat-" + user,
		Text: text, TZHint: w.zones[user], LangHint: "en"})
	if err != nil {
		w.t.Fatal(err)
	}
	var texts []string
	for _, r := range out {
		texts = append(texts, r.Text)
	}
	return strings.Join(texts, "\n")
}

// advance runs the job as serve would until to: a round, then a sleep for
// as long as the job says (or until its alarm), and again.
func (w *walker) advance(to time.Time) {
	w.t.Helper()
	ctx := context.Background()
	if !w.now.Before(to) {
		return
	}
	for {
		select {
		case <-w.alarm.C(): // a date was recorded: the job wakes now
		default:
		}
		if err := w.job.Run(ctx); err != nil {
			w.t.Fatal(err)
		}
		w.rounds++
		d, err := w.job.Until(ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		if d <= 0 {
			w.t.Fatalf("%s: the job is due again at once after a round", w.now)
		}
		if w.now.Add(d).After(to) {
			w.now = to
			return
		}
		w.now = w.now.Add(d)
	}
}

// sent is a reminder whose message was queued, as the store recorded it.
type sent struct {
	user, market, item string
	kind               bot.ReminderKind
	target             string
	at                 time.Time
}

// sentReminders lists the reminders sent, and counts the reminder
// messages queued to each user.
func (w *walker) sentReminders() ([]sent, map[string]int) {
	w.t.Helper()
	db := w.db
	rows, err := db.Query(`SELECT s.user_id, r.market, r.item, r.kind, r.target, r.finished_at FROM reminders r JOIN sellers s ON s.id = r.seller_id
		WHERE r.outcome = 'sent' ORDER BY r.finished_at`)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []sent
	for rows.Next() {
		var s sent
		if err := rows.Scan(&s.user, &s.market, &s.item, &s.kind, &s.target, &s.at); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, s)
	}
	messages := map[string]int{}
	rows2, err := db.Query(`SELECT s.user_id, count(*) FROM outbox o JOIN sellers s ON s.id = o.seller_id WHERE o.kind = 'announcement' GROUP BY s.user_id`)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows2.Close()
	for rows2.Next() {
		var user string
		var n int
		if err := rows2.Scan(&user, &n); err != nil {
			w.t.Fatal(err)
		}
		messages[user] = n
	}
	return out, messages
}

// expect is a reminder the walk must send: to user, about item (empty
// for a nudge), of kind, on the user's local date (or, for a nudge, at
// that moment).
type expect struct {
	user, item string
	kind       bot.ReminderKind
	date       string
	at         time.Time // nudges: the exact moment
}

// A year walked day by day with the clock the scheduler would sleep by:
// sellers in five time zones record certificates (one late, inside the 30
// days), change and remove some, leave one to expire, have a rule take
// effect, and stall mid-questions. Every reminder due is sent once, on its
// day in the seller's zone, outside quiet hours; none after its date
// changed or was removed, or its question was answered; expired items
// reopen.
func TestRemindersWalkAYear(t *testing.T) { eachStore(t, testRemindersWalkAYear) }

func testRemindersWalkAYear(t *testing.T, open opener) {
	w := newWalker(t, open, bot.Reminding{Quiet: bot.DefaultQuietHours, Zone: mustZone(t, "Asia/Shanghai")})
	zones := map[string]string{"sh": "", "ldn": "Europe/London", "ny": "America/New_York", "akl": "Pacific/Auckland",
		"st": "Asia/Tokyo", "st2": "America/Los_Angeles"}
	for u, z := range zones {
		w.zones[u] = z
	}
	day := func(d int) time.Time { return walkStart.AddDate(0, 0, d).Add(10 * time.Hour) }
	certified := []string{"sh", "ldn", "ny", "akl"}

	// Day 0: four sellers reach the checklist and record three
	// certificates; two sellers stop at a question.
	w.advance(day(0))
	for _, u := range certified {
		for _, text := range []string{"/onboard remind-test", "1", "1", "toys"} {
			w.say(u, text)
		}
		w.say(u, "/done licence L-1 2027-01-15")
		late := w.say(u, "/done toy-cert T-1 2026-11-12")
		if !strings.Contains(late, "expires in 10 days") {
			t.Errorf("%s: a date inside the 30 days is not answered with the days left:\n%s", u, late)
		}
		w.say(u, "/done lab-report R-1 2026-12-20")
	}
	w.say("st", "/onboard remind-test")
	w.say("st2", "/onboard remind-test")
	w.say("st3", "/reminders off") // no nudges for st3
	w.say("st3", "/onboard remind-test")

	actions := map[int][]func(){
		5: {func() { w.say("st2", "1") }}, // answers, and stops at the next question
		10: {
			func() { w.say("ldn", "/done lab-report 2027-02-20") },
			func() { w.say("ny", "/done lab-report R-2 2027-02-20") },
			func() { w.say("akl", "/todo lab-report") },
		},
		11: {func() { w.say("sh", "/done toy-cert T-2 2027-11-12") }},
		50: {func() { w.say("akl", "/reminders off expiry") }},
		// After the rule's 7-day reminders are planned, before ldn's is due.
		111: {func() { w.advance(day(111).Add(time.Hour)); w.say("ldn", "/na efiling") }},
	}
	// The bot is stopped twice: once past a reminder's time until late at
	// night for the seller (it comes the next morning), once past two
	// reminders of one date (only the later comes).
	downtimes := [][2]time.Time{
		{time.Date(2026, 12, 16, 13, 0, 0, 0, time.UTC), time.Date(2026, 12, 17, 3, 0, 0, 0, time.UTC)},
		{time.Date(2027, 2, 18, 0, 0, 0, 0, time.UTC), time.Date(2027, 2, 20, 12, 0, 0, 0, time.UTC)},
	}
	const days = 365
	for d := 1; d < days; d++ {
		for len(downtimes) > 0 && downtimes[0][0].Before(day(d)) {
			w.advance(downtimes[0][0])
			w.now, downtimes = downtimes[0][1], downtimes[1:]
		}
		w.advance(day(d))
		for _, a := range actions[d] {
			a()
		}
	}
	end := walkStart.AddDate(0, 0, days)
	w.advance(end)

	var want []expect
	for _, u := range certified {
		licence30 := "2026-12-16"
		if u == "ny" { // it fell in the first stop, which ended at 22:00 in New York
			licence30 = "2026-12-17"
		}
		want = append(want, expect{u, "licence", bot.RemindExpiry30, licence30, time.Time{}})
		if u != "akl" { // akl turned certificate reminders off on day 50
			want = append(want,
				expect{u, "licence", bot.RemindExpiry7, "2027-01-08", time.Time{}},
				expect{u, "licence", bot.RemindExpiry1, "2027-01-14", time.Time{}},
				expect{u, "licence", bot.RemindExpired, "2027-01-15", time.Time{}})
		}
		want = append(want,
			// Recorded 10 days ahead: no 30-day reminder.
			expect{u, "toy-cert", bot.RemindExpiry7, "2026-11-05", time.Time{}},
			expect{u, "toy-cert", bot.RemindExpiry1, "2026-11-11", time.Time{}},
			expect{u, "toy-cert", bot.RemindExpired, "2026-11-12", time.Time{}},
			expect{u, "efiling", bot.RemindRule30, "2027-01-30", time.Time{}},
		)
		if u != "ldn" { // ldn marked it not applicable first
			want = append(want, expect{u, "efiling", bot.RemindRule7, "2027-02-22", time.Time{}})
		}
	}
	want = append(want,
		expect{"sh", "lab-report", bot.RemindExpiry30, "2026-11-20", time.Time{}},
		expect{"sh", "lab-report", bot.RemindExpiry7, "2026-12-13", time.Time{}},
		expect{"sh", "lab-report", bot.RemindExpiry1, "2026-12-19", time.Time{}},
		expect{"sh", "lab-report", bot.RemindExpired, "2026-12-20", time.Time{}},
		expect{"sh", "toy-cert", bot.RemindExpiry30, "2027-10-13", time.Time{}}, // the renewal
	)
	for _, u := range []string{"ldn", "ny"} { // the changed date's, not the first one's
		want = append(want,
			expect{u, "lab-report", bot.RemindExpiry30, "2027-01-21", time.Time{}},
			expect{u, "lab-report", bot.RemindExpiry7, "2027-02-13", time.Time{}},
			// The 1-day reminder fell in the second stop: the expiry is due too.
			expect{u, "lab-report", bot.RemindExpired, "2027-02-20", time.Time{}},
		)
	}
	// st stopped at 10:00 UTC (19:00 in Tokyo): 3 and 14 days later, to
	// the minute. st2 stopped at 02:00 in Los Angeles: 09:00 there; it
	// answered on day 5, so its first 14-day nudge never comes.
	want = append(want,
		expect{"st", "", bot.RemindStall3, "", day(3)},
		expect{"st", "", bot.RemindStall14, "", day(14)},
		expect{"st2", "", bot.RemindStall3, "", day(3).Add(7 * time.Hour)},
		expect{"st2", "", bot.RemindStall3, "", day(8).Add(7 * time.Hour)},
		expect{"st2", "", bot.RemindStall14, "", day(19).Add(7 * time.Hour)},
	)

	got, messages := w.sentReminders()
	quiet := bot.DefaultQuietHours
	counted := map[string]int{}
	for _, s := range got {
		counted[s.user]++
		loc := w.core.Zone(bot.Seller{TZ: zones[s.user]})
		if quiet.Within(s.at.In(loc)) {
			t.Errorf("%s %s %s sent at %s local: in quiet hours", s.user, s.item, s.kind, s.at.In(loc).Format("2006-01-02 15:04"))
		}
		i := slices.IndexFunc(want, func(e expect) bool {
			if e.user != s.user || e.item != s.item || e.kind != s.kind {
				return false
			}
			if e.item == "" {
				return e.at.Equal(s.at)
			}
			return e.date == s.at.In(loc).Format(flows.DateLayout)
		})
		if i < 0 {
			t.Errorf("sent and not expected: %s %s %s (%s) at %s local", s.user, s.item, s.kind, s.target, s.at.In(loc).Format("2006-01-02 15:04 MST"))
			continue
		}
		want = slices.Delete(want, i, i+1)
	}
	for _, e := range want {
		t.Errorf("expected and not sent: %s %s %s on %s%s", e.user, e.item, e.kind, e.date, e.at.Format(time.RFC3339))
	}
	for u, n := range counted {
		if messages[u] != n {
			t.Errorf("%s: %d reminders sent, %d messages queued", u, n, messages[u])
		}
	}
	if len(messages) != len(counted) {
		t.Errorf("messages queued to %v, reminders sent to %v", messages, counted)
	}
	for _, u := range []string{"sh", "st2"} {
		if w.notices.chats["chat-"+u] == 0 {
			t.Errorf("the dispatchers were never told of %s's reminders", u)
		}
	}

	// The expired certificate that nobody renewed is open again, and says so.
	list := w.say("ldn", "/checklist")
	if !strings.Contains(list, "T-1") || !strings.Contains(list, "expired") {
		t.Errorf("ldn's expired toy certificate is not shown expired:\n%s", list)
	}
	if h := w.say("ldn", "/history remind-test"); !strings.Contains(h, "certificate expired (2026-11-12)") {
		t.Errorf("the history does not record the expiry:\n%s", h)
	}
	// Expired items reopen in the rows reports read, with or without the
	// message (akl turned certificate reminders off).
	projections, err := w.store.Projections(context.Background(), "remind-test")
	if err != nil {
		t.Fatal(err)
	}
	reopened := 0
	for _, p := range projections {
		for _, it := range p.Items {
			if (it.Item == "toy-cert" && it.Expiry == "2026-11-12") || (it.Item == "licence" && it.Expiry == "2027-01-15") {
				reopened++
				if it.Status != flows.ItemTodo {
					t.Errorf("seller %d: the expired %s's row is %s", p.SellerID, it.Item, it.Status)
				}
			}
		}
	}
	if reopened != 7 {
		t.Errorf("%d expired certificates in the rows, want 7", reopened)
	}
	t.Logf("%d reminders sent in %d rounds of the job", len(got), w.rounds)
}

func mustZone(t testing.TB, name string) *time.Location {
	loc, err := bot.LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Certificates recorded before reminders existed are planned by the job's
// first round: the reminders still ahead as usual, and at once the latest
// whose day has come (nobody told the seller), the expiry itself for a
// date already past, which reopens the item.
func TestCertificatesRecordedBeforeArePlanned(t *testing.T) {
	eachStore(t, testCertificatesRecordedBeforeArePlanned)
}

func testCertificatesRecordedBeforeArePlanned(t *testing.T, open opener) {
	w := newWalker(t, open, bot.DefaultReminding())
	ctx := context.Background()
	m, _ := w.core.Catalog().Market("remind-test")
	recorded := walkStart.AddDate(0, -1, 0)
	err := w.store.Update(ctx, func(tx bot.Tx) error {
		s := bot.Seller{Platform: "test", UserID: "old", ChatID: "chat-old", Lang: flows.EN, CreatedAt: recorded}
		if err := tx.CreateSeller(ctx, &s); err != nil {
			return err
		}
		st := flows.State{Answers: []flows.Answer{{Question: "company", Values: []string{"yes"}}, {Question: "warehouse", Values: []string{"local"}},
			{Question: flows.CategoryQuestionID, Values: []string{"toys"}}}, Items: map[string]flows.ItemState{
			"licence":    {Status: flows.ItemDone, Expiry: "2026-11-13", At: recorded},
			"toy-cert":   {Status: flows.ItemDone, Expiry: "2027-01-10", At: recorded},
			"lab-report": {Status: flows.ItemDone, Number: "R-0", Expiry: "2026-10-30", At: recorded},
		}}
		o := bot.Onboarding{SellerID: s.ID, Market: m.ID, RulesVersion: m.Version, State: st, StartedAt: recorded, UpdatedAt: recorded}
		return tx.SaveOnboarding(ctx, o, bot.Project(m, o, recorded))
	})
	if err != nil {
		t.Fatal(err)
	}
	first := walkStart.Add(time.Hour) // 09:00 in Shanghai: the first round was in the quiet hours
	w.advance(walkStart.AddDate(0, 0, 80))
	want := map[string]time.Time{
		"licence expiry-30":  first,
		"lab-report expired": first,
		"licence expiry-7":   time.Date(2026, 11, 6, 1, 0, 0, 0, time.UTC),
		"licence expiry-1":   time.Date(2026, 11, 12, 1, 0, 0, 0, time.UTC),
		"licence expired":    time.Date(2026, 11, 13, 1, 0, 0, 0, time.UTC),
		"toy-cert expiry-30": time.Date(2026, 12, 11, 1, 0, 0, 0, time.UTC),
		"toy-cert expiry-7":  time.Date(2027, 1, 3, 1, 0, 0, 0, time.UTC),
		"toy-cert expiry-1":  time.Date(2027, 1, 9, 1, 0, 0, 0, time.UTC),
		"toy-cert expired":   time.Date(2027, 1, 10, 1, 0, 0, 0, time.UTC),
	}
	got, messages := w.sentReminders()
	for _, s := range got {
		key := s.item + " " + string(s.kind)
		if at, ok := want[key]; !ok || !at.Equal(s.at) {
			t.Errorf("%s sent at %s, want %s", key, s.at, at)
		}
		delete(want, key)
	}
	for k := range want {
		t.Errorf("%s not sent", k)
	}
	if messages["old"] != len(got) {
		t.Errorf("%d messages for %d reminders", messages["old"], len(got))
	}
	if list := w.say("old", "/checklist remind-test"); !strings.Contains(list, "R-0") || !strings.Contains(list, "expired") {
		t.Errorf("the certificate that expired before is not open again:\n%s", list)
	}
}

// After a stop, a reminder that would be dropped anyway (a later one of
// its date is due too) is finished at once, even in the quiet hours: not
// moved past them first, to be dropped then. The later one waits for the
// morning.
func TestRemindersAfterAStopDropBeforeMoving(t *testing.T) {
	eachStore(t, testRemindersAfterAStopDropBeforeMoving)
}

func testRemindersAfterAStopDropBeforeMoving(t *testing.T, open opener) {
	w := newWalker(t, open, bot.Reminding{Quiet: bot.DefaultQuietHours, Zone: mustZone(t, "Asia/Shanghai")})
	w.advance(walkStart.Add(2 * time.Hour)) // 10:00 in Shanghai
	for _, text := range []string{"/onboard remind-test", "1", "1", "toys", "/done licence L-1 2027-01-15"} {
		w.say("u", text)
	}
	// Stopped past the 30- and the 7-day reminders, back at 00:00 in Shanghai.
	w.now = time.Date(2027, 1, 8, 16, 0, 0, 0, time.UTC)
	if err := w.job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	state := func(kind bot.ReminderKind) string {
		var outcome string
		var due time.Time
		var finished sql.NullTime
		err := w.db.QueryRow(`SELECT outcome, due_at, finished_at FROM reminders WHERE item = 'licence' AND kind = $1`, string(kind)).Scan(&outcome, &due, &finished)
		if err != nil {
			t.Fatal(err)
		}
		if finished.Valid {
			return fmt.Sprintf("%s at %s", outcome, finished.Time.UTC().Format(time.RFC3339))
		}
		return "due " + due.UTC().Format(time.RFC3339)
	}
	if got, want := state(bot.RemindExpiry30), "skipped at 2027-01-08T16:00:00Z"; got != want {
		t.Errorf("the 30-day reminder: %s, want %s", got, want)
	}
	if got, want := state(bot.RemindExpiry7), "due 2027-01-09T01:00:00Z"; got != want {
		t.Errorf("the 7-day reminder: %s, want %s", got, want)
	}
}
