package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/pgtest"
	"github.com/onboardbot/onboardbot/data/postgres"
	"github.com/onboardbot/onboardbot/flows"
)

// The fleet test's knobs.
const (
	fleetSize     = 3
	fleetSellers  = 30
	fleetRate     = 15 // ONBOARD_TELEGRAM_RATE: for the whole fleet (the concurrent marks alone would go faster)
	fleetSecret   = "fleet-webhook-secret"
	fleetMinKills = 6 // while sellers onboard, at least
	fleetAnnKills = 3 // while the announcement goes out, at least
	fleetMarks    = 4 // checklist items each seller marks at once, on different instances
	fleetTakeover = 5 * time.Second
)

// fleetInstance is one serve of the fleet, restarted after each kill.
type fleetInstance struct {
	*crashServe
	n int
}

// leads reports whether the instance's current run logged that it leads.
func (f *fleetInstance) leads() bool {
	b, err := os.ReadFile(f.log.Name())
	if err != nil {
		return false
	}
	runs := strings.Split(string(b), "\n===== start ")
	run := runs[len(runs)-1]
	return strings.LastIndex(run, "this instance leads") > strings.LastIndex(run, "this instance no longer leads")
}

// TestFleet runs three serve binaries on one PostgreSQL database, sends
// Telegram updates to their webhooks in turn, SIGKILLs and restarts any of
// them at random moments (the leader among them, which another must
// replace within 5 seconds) while sellers onboard and while a broadcast
// goes out, and restarts the database under them, and then proves: every update answered, each seller's answers
// stored once and in order, concurrent updates of one seller on different
// instances all applied, every recipient has the announcement, repeats
// only for what was in flight at a kill, and the fleet never sent faster
// than the configured rate.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary, starts PostgreSQL and a fleet, and kills its instances")
	}
	began := time.Now()
	cluster := pgtest.Start(t)
	db := cluster.DB(t)
	dir := t.TempDir()
	bin := buildBinary(t)

	market, now, scripts, wantState, wantHistory := crashWants(t, fleetSellers)

	srv := tgtest.New()
	t.Cleanup(srv.Close)
	env := botlessEnv()
	fleet := make([]*fleetInstance, fleetSize)
	for i := range fleet {
		logFile, err := os.Create(filepath.Join(dir, fmt.Sprintf("serve-%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { logFile.Close() })
		addr := freeAddr(t)
		s := &crashServe{t: t, bin: bin, addr: addr, log: logFile,
			env: append(slices.Clone(env), "ONBOARD_DB="+db, "ONBOARD_ADDR="+addr, "ONBOARD_ADMINS=telegram:999999",
				"TELEGRAM_BOT_TOKEN="+tgtest.Token, "TELEGRAM_API_URL="+srv.URL, "TELEGRAM_WEBHOOK_SECRET="+fleetSecret)}
		fleet[i] = &fleetInstance{crashServe: s, n: i}
		t.Cleanup(func() {
			s.kill()
			if t.Failed() {
				t.Logf("instance %d's log ends:\n%s", i, s.logTail(40))
			}
		})
	}
	rate := strconv.Itoa(fleetRate)
	for _, f := range fleet {
		f.start(rate)
	}
	for _, f := range fleet {
		if !f.healthy(30 * time.Second) {
			t.Fatalf("instance %d never answered /healthz; log:\n%s", f.n, f.logTail(60))
		}
	}

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d sellers, %d instances", seed, len(scripts), fleetSize)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	// Updates go to the instances in turn; one that does not answer 2xx
	// (killed, starting) gets it again at the next, as Telegram redelivers.
	var nextUpdate, turn atomic.Int64
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(u *models.Update) error {
		body, _ := json.Marshal(u)
		deadline := time.Now().Add(crashStepTimeout)
		for time.Now().Before(deadline) {
			f := fleet[int(turn.Add(1))%fleetSize]
			req, _ := http.NewRequest(http.MethodPost, "http://"+f.addr+"/telegram/webhook", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", fleetSecret)
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		return fmt.Errorf("update %d: no instance took it within %s", u.ID, crashStepTimeout)
	}
	update := func(u *models.Update) *models.Update {
		u.ID = nextUpdate.Add(1)
		return u
	}

	// The killer: a random instance, now and then the leader, every 1-3s.
	var kills, leaderKills atomic.Int64
	var takeovers []time.Duration
	var killMu sync.Mutex
	stopKilling := make(chan struct{})
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		for k := 0; ; k++ {
			select {
			case <-stopKilling:
				return
			case <-time.After(time.Duration(1000+rng.IntN(2000)) * time.Millisecond):
			}
			victim := fleet[rng.IntN(fleetSize)]
			if k%3 == 0 {
				for _, f := range fleet {
					if f.leads() {
						victim = f
					}
				}
			}
			wasLeader := victim.leads()
			victim.kill()
			kills.Add(1)
			killed := time.Now()
			if wasLeader {
				leaderKills.Add(1)
				// Another instance (or this one, restarted) must lead soon.
				ok := srv.Wait(2*fleetTakeover, func() bool {
					for _, f := range fleet {
						if f != victim && f.leads() {
							return true
						}
					}
					return false
				})
				took := time.Since(killed)
				killMu.Lock()
				takeovers = append(takeovers, took)
				killMu.Unlock()
				if !ok || took > fleetTakeover {
					t.Errorf("the leader (instance %d) was killed and no other instance led within %s (ok=%v, took %s)", victim.n, fleetTakeover, ok, took)
				}
			}
			victim.start(rate)
		}
	}()
	finishKilling := func(min int64) {
		deadline := time.Now().Add(60 * time.Second)
		for kills.Load() < min && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		close(stopKilling)
		<-killerDone
	}

	// Phase 1: sellers onboard, each update to the next instance. A few
	// seconds in, the database itself restarts under the fleet: updates
	// meanwhile get a 5xx and come again; the instances reconnect.
	phase1 := time.Now()
	var wg sync.WaitGroup
	dbRestarted := make(chan struct{})
	var bounced atomic.Int64 // when the database came back (unix ns)
	bounceAt := time.Now().Add(4 * time.Second)
	go func() {
		defer close(dbRestarted)
		time.Sleep(time.Until(bounceAt))
		if err := cluster.Bounce(time.Second); err != nil {
			t.Errorf("restart the database: %v", err)
		}
		bounced.Store(time.Now().UnixNano())
	}()
	// A supervisor restarts an instance that exits by itself, as systemd
	// would: one that starts while the database is down must exit (a clear
	// error, non-zero), and nothing else may.
	var selfExits atomic.Int64
	stopSupervising := make(chan struct{})
	supervised := make(chan struct{})
	go func() {
		defer close(supervised)
		for {
			select {
			case <-stopSupervising:
				return
			case <-time.After(200 * time.Millisecond):
			}
			for _, f := range fleet {
				f.mu.Lock()
				c := f.cur
				f.mu.Unlock()
				if c == nil || c.expected.Load() {
					continue
				}
				select {
				case <-c.done:
				default:
					continue
				}
				selfExits.Add(1)
				back := bounced.Load()
				if time.Now().Before(bounceAt) || (back != 0 && time.Since(time.Unix(0, back)) > 10*time.Second) {
					t.Errorf("instance %d exited by itself while the database was up: %v", f.n, c.err)
				}
				f.kill()
				f.start(rate)
			}
		}
	}()
	for i, s := range scripts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * crashStagger)
			var last tgtest.Sent
			for step, in := range s.inputs {
				from := srv.CountTo(s.user)
				u := crashUpdate(s, last, in)
				if err := send(update(u)); err != nil {
					t.Errorf("seller %d, input %d %q: %v", s.user, step+1, in, err)
					return
				}
				reply, ok := crashNewReply(srv, s.user, from, crashStepTimeout)
				if !ok {
					var texts []string
					for _, m := range srv.SentTo(s.user) {
						texts = append(texts, fmt.Sprintf("%s %.100q", m.At.Format("15:04:05.000"), m.Text))
					}
					t.Errorf("seller %d: no answer within %s to input %d %q (update %d); the chat has:\n%s\nthe database says:\n%s",
						s.user, crashStepTimeout, step+1, in, u.ID, strings.Join(texts, "\n"), fleetDiag(db, s.user))
					return
				}
				last = reply
			}
		}()
	}
	wg.Wait()
	<-dbRestarted
	if t.Failed() {
		close(stopKilling)
		<-killerDone
		t.FailNow()
	}

	// Phase 1b: sellers with a checklist mark several items at once, each
	// mark to another instance: all of them must stick (one seller's
	// updates are applied one after the other, never interleaved).
	wantDone := map[int64][]string{}
	for _, s := range scripts {
		if s.want != flows.StageChecklist {
			continue
		}
		var open []string
		for _, e := range flows.Checklist(market, wantState[s.user], now) {
			if e.Open() && !e.Upcoming {
				open = append(open, e.Item.ID)
			}
		}
		open = open[:min(fleetMarks, len(open))]
		wantDone[s.user] = open
		for _, item := range open {
			wg.Add(1)
			u := update(tgtest.Text(s.user, s.lang, "/done "+item))
			go func() {
				defer wg.Done()
				if err := send(u); err != nil {
					t.Errorf("seller %d, /done %s: %v", s.user, item, err)
				}
			}()
		}
	}
	wg.Wait()
	finishKilling(fleetMinKills)
	kills1 := kills.Load()
	phase1Took := time.Since(phase1)

	// Phase 2: a broadcast from the shell while instances are killed.
	for _, f := range fleet {
		if !f.healthy(30 * time.Second) {
			t.Fatalf("instance %d did not come up; log:\n%s", f.n, f.logTail(60))
		}
	}
	phase2 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "announce", "--market", crashMarket,
		"--text", "zh: 集群测试公告 "+crashAnnMarker+"\nen: Fleet test notice "+crashAnnMarker)
	cmd.Env = append(slices.Clone(env), "ONBOARD_DB="+db)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("announce: %v\n%s", err, out)
	}
	match := regexp.MustCompile(`announcement (\d+) queued: (\d+) recipients`).FindStringSubmatch(string(out))
	if match == nil {
		t.Fatalf("announce printed %q", out)
	}
	annID, _ := strconv.ParseInt(match[1], 10, 64)
	recipients, _ := strconv.Atoi(match[2])
	stopKilling, killerDone = make(chan struct{}), make(chan struct{})
	go func() { // the same killer again
		defer close(killerDone)
		for {
			select {
			case <-stopKilling:
				return
			case <-time.After(time.Duration(1000+rng.IntN(2000)) * time.Millisecond):
			}
			victim := fleet[rng.IntN(fleetSize)]
			victim.kill()
			kills.Add(1)
			victim.start(rate)
		}
	}()
	everyone := func() (got int) {
		for _, s := range scripts {
			if _, _, anns := crashReplies(srv.SentTo(s.user)); len(anns) > 0 {
				got++
			}
		}
		return got
	}
	delivered := srv.Wait(90*time.Second, func() bool { return everyone() == len(scripts) })
	finishKilling(kills1 + fleetAnnKills)
	kills2 := kills.Load() - kills1
	broadcastTook := time.Since(phase2)
	if !delivered {
		t.Errorf("after 90s of the broadcast, %d of %d sellers have the announcement", everyone(), len(scripts))
	}

	close(stopSupervising)
	<-supervised

	// Let the fleet finish its outbox, then stop it as an operator does.
	for _, f := range fleet {
		if !f.healthy(30 * time.Second) {
			t.Fatalf("instance %d did not come up; log:\n%s", f.n, f.logTail(60))
		}
	}
	store, err := postgres.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	drained := func() bool {
		r, err1 := store.DueChats(context.Background(), "telegram", bot.KindReply, 1)
		a, err2 := store.DueChats(context.Background(), "telegram", bot.KindAnnouncement, 1)
		return err1 == nil && err2 == nil && len(r) == 0 && len(a) == 0
	}
	if !srv.Wait(60*time.Second, drained) {
		t.Errorf("60s after the last kill, the outbox is not drained")
	}
	for _, f := range fleet {
		if err := f.stop(); err != nil {
			t.Errorf("instance %d after SIGTERM: %v", f.n, err)
		}
		if b, err := os.ReadFile(f.log.Name()); err == nil {
			for _, bad := range []string{"panic:", "fatal error:", "DATA RACE"} {
				if i := strings.Index(string(b), bad); i >= 0 {
					t.Errorf("instance %d's log has %q:\n%s", f.n, bad, string(b[i:min(len(b), i+3000)]))
				}
			}
		}
	}

	// What the sellers saw.
	var replyRepeats, annRepeats int
	for _, s := range scripts {
		distinct, repeats, anns := crashReplies(srv.SentTo(s.user))
		replyRepeats += repeats
		replies := len(s.inputs) + len(wantDone[s.user])
		if s.want == flows.StageChecklist {
			replies++
		}
		if len(distinct) < replies {
			t.Errorf("seller %d sent %d messages and got %d different replies, want at least %d:\n%s",
				s.user, len(s.inputs)+len(wantDone[s.user]), len(distinct), replies, strings.Join(distinct, "\n---\n"))
		}
		switch {
		case len(anns) == 0:
			t.Errorf("seller %d never got the announcement", s.user)
		case len(anns) > 1:
			annRepeats += len(anns) - 1
		}
	}
	if limit := int(kills2) * crashAnnWorkers; annRepeats > limit {
		t.Errorf("%d repeated announcements, more than the %d kills during the broadcast times %d workers = %d", annRepeats, kills2, crashAnnWorkers, limit)
	}
	if limit := int(kills1) * crashAnnWorkers; replyRepeats > limit {
		t.Errorf("%d repeated replies, more than the %d kills times %d = %d", replyRepeats, kills1, crashAnnWorkers, limit)
	}

	// The fleet's pace: no second in which it sent more than the rate
	// allows (the rate, plus each instance's burst of one).
	var times []time.Time
	for _, m := range srv.Sent() {
		times = append(times, m.At)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	busiest := 0
	for i, j := 0, 0; j < len(times); j++ {
		for times[j].Sub(times[i]) >= time.Second {
			i++
		}
		busiest = max(busiest, j-i+1)
	}
	if limit := fleetRate + fleetSize + 1; busiest > limit {
		t.Errorf("the fleet sent %d messages in one second; the rate is %d (at most %d with bursts)", busiest, fleetRate, limit)
	}

	// What the database says.
	err = store.Update(context.Background(), func(tx bot.Tx) error {
		for _, s := range scripts {
			seller, err := tx.Seller(context.Background(), "telegram", strconv.FormatInt(s.user, 10))
			if err != nil {
				t.Errorf("seller %d: %v", s.user, err)
				continue
			}
			o, err := tx.Onboarding(context.Background(), seller.ID, crashMarket)
			if err != nil {
				t.Errorf("seller %d: onboarding: %v", s.user, err)
				continue
			}
			want := wantState[s.user]
			var got, wantA []string
			for _, a := range o.State.Answers {
				got = append(got, a.Question+"="+strings.Join(a.Values, ",")+a.Text)
			}
			for _, a := range want.Answers {
				wantA = append(wantA, a.Question+"="+strings.Join(a.Values, ",")+a.Text)
			}
			if !slices.Equal(got, wantA) {
				t.Errorf("seller %d: answers\n  got  %v\n  want %v", s.user, got, wantA)
			}
			for _, item := range wantDone[s.user] {
				if st := o.State.Items[item].Status; st != flows.ItemDone {
					t.Errorf("seller %d: item %s is %q after /done on another instance at the same moment (an update lost)", s.user, item, st)
				}
			}
			hist, _, err := store.History(context.Background(), seller.ID, crashMarket, 0, 1000)
			if err != nil {
				t.Errorf("seller %d: history: %v", s.user, err)
				continue
			}
			// The scripted part of the history, in order, once each; the
			// concurrent marks follow in some order.
			scripted := crashHistory(hist)[:min(len(hist), len(wantHistory[s.user]))]
			if want := crashHistory(wantHistory[s.user]); !slices.Equal(scripted, want) {
				t.Errorf("seller %d: history\n  got  %v\n  want %v", s.user, crashHistory(hist), want)
			}
			if extra := len(hist) - len(wantHistory[s.user]); extra != len(wantDone[s.user]) {
				t.Errorf("seller %d: %d entries after the script, want %d (one per concurrent mark)", s.user, extra, len(wantDone[s.user]))
			}
		}
		st, err := tx.Stats(context.Background(), annID)
		if err != nil {
			return err
		}
		if st.Sent != recipients || st.Pending != 0 || st.Failed != 0 {
			t.Errorf("announcement %d: %+v, want all %d sent", annID, st, recipients)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	killMu.Lock()
	defer killMu.Unlock()
	if leaderKills.Load() == 0 {
		t.Errorf("the leader was never killed")
	}
	t.Logf("phase 1 (onboarding and concurrent marks): %d kills (%d of the leader; takeovers %v) in %s", kills1, leaderKills.Load(), takeovers, phase1Took.Round(time.Millisecond))
	t.Logf("phase 2 (broadcast to %d): %d kills in %s", recipients, kills2, broadcastTook.Round(time.Millisecond))
	var unexpected []string
	for _, f := range fleet {
		unexpected = append(unexpected, f.unexpectedExits()...)
	}
	if len(unexpected) != int(selfExits.Load()) {
		t.Errorf("instances exited without being killed: %v (%d restarted by the supervisor during the database's restart)", unexpected, selfExits.Load())
	}
	t.Logf("%d instances exited while the database restarted, and were restarted", selfExits.Load())
	t.Logf("%d updates; repeats: %d replies, %d announcements; busiest second %d messages (rate %d); %s in all",
		nextUpdate.Load(), replyRepeats, annRepeats, busiest, fleetRate, time.Since(began).Round(time.Millisecond))
}

// fleetDiag describes what the database holds about a seller's chat: the
// undelivered messages, the chat's lease and the instances.
func fleetDiag(url string, chat int64) string {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	var b strings.Builder
	query := func(title, q string, args ...any) {
		rows, err := db.Query(q, args...)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", title, err)
			return
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "%s (%s):\n", title, strings.Join(cols, ", "))
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintf(&b, "  %v\n", vals)
		}
	}
	id := strconv.FormatInt(chat, 10)
	query("the chat's outbox", `SELECT id, kind, created_at, sent_at, failed_at, error, left(payload, 80) FROM outbox WHERE chat_id = $1 ORDER BY id DESC LIMIT 6`, id)
	query("its lease", `SELECT * FROM chat_leases WHERE chat_id = $1`, id)
	query("instances", `SELECT id, host, started_at, seen_at, now() FROM instances ORDER BY id DESC LIMIT 8`)
	return b.String()
}
