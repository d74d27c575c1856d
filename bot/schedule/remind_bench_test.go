package schedule_test

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/bot/schedule"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
)

// BenchmarkReminders100k: 100,000 sellers in six time zones, each with
// five certificates whose expiry dates are spread over two years (2
// million reminders). It reports how long the first round of the job
// takes to plan them all (the first start-up after an upgrade), how long
// finding the next due reminders takes (each op: the next batch due, and
// the scheduler's whole "when next"), how fast a day's reminders are
// queued, as the scheduler goes through the day, and how fast an
// announcement to the same 100,000 sellers is queued, for comparison.
// REMIND_BENCH_SELLERS=10000 makes a smaller run, to profile.
func BenchmarkReminders100k(b *testing.B) {
	sellers := 100_000
	if n, err := strconv.Atoi(os.Getenv("REMIND_BENCH_SELLERS")); err == nil {
		sellers = n // a smaller run, to profile
	}
	ctx := context.Background()
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }
	path := filepath.Join(b.TempDir(), "onboard.db")
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	catalog := testCatalog(b)
	m, _ := catalog.Market("remind-test")
	zones := []string{"", "Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Tokyo", "America/Los_Angeles"}
	dated := []string{"licence", "toy-cert", "lab-report", "export-licence", "brand-auth"}
	err = store.Update(ctx, func(tx bot.Tx) error {
		for i := range sellers {
			s := bot.Seller{Platform: "telegram", UserID: strconv.Itoa(100000 + i), ChatID: strconv.Itoa(100000 + i), Lang: flows.ZH,
				Market: m.ID, TZ: zones[i%len(zones)], CreatedAt: start}
			if err := tx.CreateSeller(ctx, &s); err != nil {
				return err
			}
			st := flows.State{Answers: []flows.Answer{{Question: "company", Values: []string{"yes"}}, {Question: "warehouse", Values: []string{"local"}},
				{Question: flows.CategoryQuestionID, Values: []string{"toys"}}}, Items: map[string]flows.ItemState{}}
			for j, item := range dated {
				// 31 to 760 days ahead: every reminder is still to come.
				days := 31 + (i*len(dated)+j)*7919%730
				st.Items[item] = flows.ItemState{Status: flows.ItemDone, Number: "N" + strconv.Itoa(i), Expiry: start.AddDate(0, 0, days).Format(flows.DateLayout), At: start}
			}
			o := bot.Onboarding{SellerID: s.ID, Market: m.ID, RulesVersion: m.Version, Stage: flows.StageChecklist, State: st, StartedAt: start, UpdatedAt: start}
			if err := tx.SaveOnboarding(ctx, o, bot.Project(m, o, start)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	core := bot.New(store, catalog, bot.WithClock(clock))
	job := schedule.Reminders(store, core, nil, bot.Notifier(nopNotifier{}), clock, slog.New(slog.DiscardHandler))

	began := time.Now()
	if err := job.Run(ctx); err != nil { // plans the certificates recorded before
		b.Fatal(err)
	}
	plan := time.Since(began)
	if n := count(b, path, `SELECT count(*) FROM reminders`); n != sellers*len(dated)*len(bot.ExpiryKinds) {
		b.Fatalf("%d reminders planned, want %d", n, sellers*len(dated)*len(bot.ExpiryKinds))
	}

	// 100 days on, the job catches up (the bot was stopped all that time).
	now = start.AddDate(0, 0, 100)
	if err := job.Run(ctx); err != nil {
		b.Fatal(err)
	}
	var due, until []time.Duration
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		err := store.Update(ctx, func(tx bot.Tx) error {
			if _, _, err := tx.NextReminder(ctx); err != nil {
				return err
			}
			// The next batch due a day on.
			ds, err := tx.DueReminders(ctx, now.AddDate(0, 0, 1), schedule.RemindBatch)
			if len(ds) < schedule.RemindBatch/2 {
				b.Fatalf("%d due, want a batch", len(ds))
			}
			return err
		})
		due = append(due, time.Since(t))
		if err != nil {
			b.Fatal(err)
		}
		t = time.Now()
		if _, err := job.Until(ctx); err != nil {
			b.Fatal(err)
		}
		until = append(until, time.Since(t))
	}
	b.StopTimer()

	// A day, as the scheduler goes through it: a round whenever the job
	// says the next reminder is due. Only the rounds are timed. The first
	// day sends what the catching up moved past quiet hours; the next is
	// a day like any other (REMIND_BENCH_DAYS=n: n such days, for a
	// steadier figure).
	days := 1
	if n, err := strconv.Atoi(os.Getenv("REMIND_BENCH_DAYS")); err == nil && n > 0 {
		days = n
	}
	var took time.Duration
	queued := 0
	for day := range days + 1 {
		before, spent := count(b, path, `SELECT count(*) FROM outbox`), time.Duration(0)
		for end := now.AddDate(0, 0, 1); ; {
			began := time.Now()
			if err := job.Run(ctx); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(began)
			d, err := job.Until(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if now = now.Add(d); now.After(end) {
				now = end
				break
			}
		}
		if day > 0 {
			took += spent
			queued += count(b, path, `SELECT count(*) FROM outbox`) - before
		}
	}
	if queued < days*sellers/100 {
		b.Fatalf("%d reminders queued in %d days from day 100", queued, days)
	}

	// The floor: a day's reminders as the store alone takes them, each
	// read with its rows, finished and queued with a fixed message, with
	// nothing decided, rendered or reopened and no quiet hours: what the
	// layout costs a reminder whatever the bot does with it.
	floorQueued, floorTook := 0, time.Duration(0)
	for end := now.AddDate(0, 0, days); ; {
		var next time.Time
		var ok bool
		err := store.Update(ctx, func(tx bot.Tx) (err error) {
			next, ok, err = tx.NextReminder(ctx)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if !ok || next.After(end) {
			break
		}
		began := time.Now()
		for n := schedule.RemindBatch; n == schedule.RemindBatch; {
			err := store.Update(ctx, func(tx bot.Tx) error {
				ds, err := tx.DueReminders(ctx, next, schedule.RemindBatch)
				if err != nil {
					return err
				}
				n = len(ds)
				fs := make([]bot.FinishedReminder, len(ds))
				for i, d := range ds {
					r := bot.Reply{Platform: d.Seller.Platform, ChatID: d.Seller.ChatID, SellerID: d.SellerID, Kind: bot.KindAnnouncement, Text: "⏰ A certificate expires soon"}
					fs[i] = bot.FinishedReminder{Reminder: d.Reminder, Outcome: bot.ReminderSent, Message: &r}
				}
				floorQueued += len(fs)
				return tx.FinishReminders(ctx, fs, next)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		floorTook += time.Since(began)
	}
	now = now.AddDate(0, 0, days)

	adm := admin.New(store, nil, admin.WithClock(clock))
	began = time.Now()
	res, err := adm.Announce(ctx, catalog, bot.Announcement{Markets: []string{m.ID}, Text: flows.Text{ZH: "测试公告", EN: "A test"}, CreatedBy: "shell", CreatedAt: now}, false)
	if err != nil || res.Queued != sellers {
		b.Fatalf("announce: %+v, %v", res, err)
	}
	announced := time.Since(began)

	slices.Sort(due)
	slices.Sort(until)
	b.ReportMetric(plan.Seconds(), "plan-all-s")
	b.ReportMetric(float64(due[len(due)/2].Microseconds())/1000, "due-p50-ms")
	b.ReportMetric(float64(due[len(due)-1].Microseconds())/1000, "due-max-ms")
	b.ReportMetric(float64(until[len(until)/2].Microseconds())/1000, "next-p50-ms")
	b.ReportMetric(float64(until[len(until)-1].Microseconds())/1000, "next-max-ms")
	b.ReportMetric(float64(queued)/float64(days), "day-reminders")
	b.ReportMetric(float64(queued)/took.Seconds(), "reminders/s")
	b.ReportMetric(float64(floorQueued)/floorTook.Seconds(), "floor-reminders/s")
	b.ReportMetric(float64(res.Queued)/announced.Seconds(), "announcements/s")
}

type nopNotifier struct{}

func (nopNotifier) Notify(string, ...string) {}

func count(tb testing.TB, path, query string) int {
	tb.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}
