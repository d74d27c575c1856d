package main

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
)

// The reminder crash test's knobs.
const (
	crashRemindSellers = 150
	crashRemindRate    = "60" // ONBOARD_TELEGRAM_RATE: the 300 reminders take 5 s to go out
	crashRemindKills   = 6
)

// TestCrashWhileRemindersAreDue kills the real program at random moments
// while reminders are due: 150 sellers each with two certificates
// recorded before reminders existed (one expiring in 7 days, one
// tomorrow), so every start plans and queues what the last one did not,
// and delivers it. In the end every seller has both reminders, each
// queued once (its row marked sent in the transaction that queued it);
// repeats are only of messages in flight at a kill.
func TestCrashWhileRemindersAreDue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times")
	}
	dir := t.TempDir()
	bin := buildBinary(t)
	db := filepath.Join(dir, "onboard.db")
	seedReminders(t, db, crashRemindSellers)

	srv := tgtest.New()
	t.Cleanup(srv.Close)
	serve, _ := newCrashServe(t, bin, db, srv, "ONBOARD_QUIET_HOURS=off")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	reminders := func(chat int64) (distinct, repeats int) {
		seen := map[string]bool{}
		for _, m := range srv.SentTo(chat) {
			switch {
			case !strings.Contains(m.Text, "A certificate expires soon"):
			case seen[m.Text]:
				repeats++
			default:
				seen[m.Text] = true
				distinct++
			}
		}
		return distinct, repeats
	}
	everyone := func() (n int) {
		for i := range crashRemindSellers {
			if d, _ := reminders(int64(7000 + i)); d == 2 {
				n++
			}
		}
		return n
	}
	serve.start(crashRemindRate)
	killer := serve.killer(rng, crashRemindRate, crashRemindKills)
	delivered := srv.Wait(90*time.Second, func() bool { return everyone() == crashRemindSellers })
	kills := killer.finish()
	if !delivered {
		t.Errorf("after 90s, %d of %d sellers have both reminders", everyone(), crashRemindSellers)
	}
	if !serve.healthy(20 * time.Second) {
		t.Fatalf("the last serve did not come up; log:\n%s", serve.logTail(60))
	}
	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if !srv.Wait(30*time.Second, func() bool {
		a, err := store.DueChats(context.Background(), "telegram", bot.KindAnnouncement, 1)
		return err == nil && len(a) == 0
	}) {
		t.Errorf("30s after the last restart, the outbox is not drained:\n%s", crashDue(store))
	}
	if err := serve.stop(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	for _, e := range serve.unexpectedExits() {
		t.Errorf("serve exited without being killed: %s", e)
	}

	repeats := 0
	for i := range crashRemindSellers {
		d, r := reminders(int64(7000 + i))
		repeats += r
		if d != 2 {
			t.Errorf("seller %d got %d different reminders, want 2", 7000+i, d)
		}
	}
	sqldb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	var sent, queued, due int
	if err := sqldb.QueryRow(`SELECT
		(SELECT count(*) FROM reminders WHERE outcome = 'sent'),
		(SELECT count(*) FROM outbox WHERE kind = 'announcement'),
		(SELECT count(*) FROM reminders WHERE finished_at IS NULL AND due_at <= ?)`, time.Now().UTC()).Scan(&sent, &queued, &due); err != nil {
		t.Fatal(err)
	}
	if sent != 2*crashRemindSellers || queued != sent || due != 0 {
		t.Errorf("%d reminders sent, %d messages queued, %d still due; want %d, %d, 0", sent, queued, due, 2*crashRemindSellers, sent)
	}
	t.Logf("%d kills (at least %d), %d starts; %d reminder messages delivered again (in flight at a kill)", kills, crashRemindKills, serve.starts, repeats)
}

// seedReminders stores n sellers at TikTok Shop UK's checklist, each with
// two certificates recorded before reminders existed: one expiring in 7
// days and one tomorrow, in the default zone (Beijing time).
func seedReminders(t *testing.T, db string, n int) {
	local := time.Now().In(time.FixedZone("CST", 8*3600))
	day := func(d int) string { return local.AddDate(0, 0, d).Format(flows.DateLayout) }
	seedSellers(t, db, n, 7000, flows.EN, func(user string) map[string]flows.ItemState {
		return map[string]flows.ItemState{
			"scpn":  {Status: flows.ItemDone, Number: "S-" + user, Expiry: day(7), At: local},
			"uk-rp": {Status: flows.ItemDone, Number: "RP-" + user, Expiry: day(1), At: local},
		}
	})
}
