package main

import (
	"context"
	"errors"
	"fmt"
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
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
)

// The crash test's knobs.
const (
	crashSellers       = 40
	crashMarket        = "tiktok-uk"
	crashOnboardRate   = "500"                  // ONBOARD_TELEGRAM_RATE while sellers onboard
	crashBroadcastRate = "50"                   // ... and during the broadcast, so it lasts long enough to be interrupted
	crashMinKills      = 20                     // kills in phase 1 (sellers onboarding, then their last replies going out), at least
	crashMinBroadcast  = 3                      // kills once the announcement is queued, at least
	crashAnnWorkers    = 16                     // the dispatcher's announcement workers: at most this many announcements in flight
	crashStagger       = 150 * time.Millisecond // between two sellers' first messages
	crashStepTimeout   = 30 * time.Second
	crashAnnMarker     = "crash-test-notice"
)

// crashScript is one seller's conversation: what they type (or click), and
// the stage it leads to.
type crashScript struct {
	user   int64
	lang   string // Telegram language_code
	inputs []string
	clicks bool // answer choice questions by button where the question has buttons
	want   flows.Stage
}

// crashScripts gives every seller a fixed script for TikTok Shop UK. Every
// reply along each script is different from the ones before it in the same
// chat, which is how the driver tells a new answer from a repeated message.
func crashScripts(n int) []crashScript {
	cats := []string{"beauty", "toys", "electronics", "apparel", "food"}
	var out []crashScript
	for i := 1; i <= n; i++ {
		s := crashScript{user: int64(i), lang: "en", clicks: i%3 == 0, want: flows.StageChecklist}
		if i%2 == 1 {
			s.lang = "zh"
		}
		cat := cats[(i/5)%len(cats)]
		switch {
		case i%10 == 0: // an individual: stopped at the first question
			s.inputs, s.want = []string{"/onboard " + crashMarket, "3"}, flows.StageIneligible
		case i%10 == 5: // ships from their own address in China: stopped at logistics
			s.inputs, s.want = []string{"/onboard " + crashMarket, "1", "0", "1", "1", "2", "4"}, flows.StageIneligible
		case i%5 == 1: // documents "not yet", then /back and "ready"
			s.inputs = []string{"/onboard " + crashMarket, "1", "0", "2", "/back", "1", "1", "2", "1", cat}
		case i%5 == 2: // VAT "yes", /back at the VAT number, then "no"
			s.inputs = []string{"/onboard " + crashMarket, "1", "0", "1", "1", "1", "/back", "2", "1", cat}
		case i%5 == 3: // VAT with a number, a UK warehouse
			s.inputs = []string{"/onboard " + crashMarket, "1", "0", "1", "1", "1", "GB123456789", "2", cat}
		case i%5 == 4: // then marks two checklist items
			s.inputs = []string{"/onboard " + crashMarket, "1", "0", "1", "1", "2", "1", cat, "/done company-cert", "/na beneficial-owners"}
		default:
			s.inputs = []string{"/onboard " + crashMarket, "1", "0", "1", "1", "2", "1", cat}
		}
		out = append(out, s)
	}
	return out
}

// crashWants gives n sellers their scripts (crashScripts) and works out,
// as of now, the state and history each must end with (crashExpect). The
// crash and fleet tests kill the bot differently but check the database
// against the same expectations, so both start from here.
func crashWants(t *testing.T, n int) (market *flows.Market, now time.Time, scripts []crashScript,
	wantState map[int64]flows.State, wantHistory map[int64][]bot.HistoryEntry) {
	t.Helper()
	market, ok := datatest.Rules(t).Market(crashMarket)
	if !ok {
		t.Fatalf("no market %s", crashMarket)
	}
	now = time.Now()
	scripts = crashScripts(n)
	wantState, wantHistory = map[int64]flows.State{}, map[int64][]bot.HistoryEntry{}
	for _, s := range scripts {
		wantState[s.user], wantHistory[s.user] = crashExpect(t, market, s, now)
	}
	return market, now, scripts, wantState, wantHistory
}

// crashUpdate is the update a scripted seller sends for input in: where
// the script answers by buttons and in is the number of a button of last
// (their current question), a click on it; otherwise the text. The crash
// and fleet tests drive their sellers the same way, so they share it.
func crashUpdate(s crashScript, last tgtest.Sent, in string) *models.Update {
	if n, err := strconv.Atoi(in); err == nil && s.clicks && n >= 1 {
		if buttons, _ := last.Buttons(); n <= len(buttons) {
			return tgtest.Click(s.user, last, buttons[n-1])
		}
	}
	return tgtest.Text(s.user, s.lang, in)
}

// crashExpect runs a script through the flow engine: the state and the
// history the bot must have stored for it.
func crashExpect(t *testing.T, m *flows.Market, s crashScript, now time.Time) (flows.State, []bot.HistoryEntry) {
	t.Helper()
	var st flows.State
	hist := []bot.HistoryEntry{{Market: m.ID, Action: bot.ActionStart, Value: m.Version}}
	for _, in := range s.inputs[1:] {
		if in == "/back" {
			undone := st.Answers[len(st.Answers)-1]
			st, _ = flows.Back(st)
			hist = append(hist, bot.HistoryEntry{Market: m.ID, Action: bot.ActionBack, Question: undone.Question, Value: crashValue(undone)})
			continue
		}
		if cmd, item, ok := strings.Cut(in, " "); ok && (cmd == "/done" || cmd == "/na") {
			status := flows.ItemDone
			if cmd == "/na" {
				status = flows.ItemNA
			}
			next, rej := flows.Mark(m, st, item, status, nil, now)
			if rej != nil {
				t.Fatalf("seller %d's script: %q is refused: %s", s.user, in, rej.Message.EN)
			}
			st = next
			hist = append(hist, bot.HistoryEntry{Market: m.ID, Action: bot.ActionMark, Question: item, Value: string(status)})
			continue
		}
		next, rej := flows.Apply(m, st, in, now)
		if rej != nil {
			t.Fatalf("seller %d's script: %q is refused: %s", s.user, in, rej.Message.EN)
		}
		st = next
		last := st.Answers[len(st.Answers)-1]
		hist = append(hist, bot.HistoryEntry{Market: m.ID, Action: bot.ActionAnswer, Question: last.Question, Value: crashValue(last)})
	}
	if got := flows.Current(m, st, now).Stage; got != s.want {
		t.Fatalf("seller %d's script leads to %s, not %s: fix the script", s.user, got, s.want)
	}
	return st, hist
}

func crashValue(a flows.Answer) string {
	if len(a.Values) > 0 {
		return strings.Join(a.Values, ",")
	}
	return a.Text
}

// crashChild is one run of `onboardbot serve`.
type crashChild struct {
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process is gone
	err      error         // its exit, once done
	expected atomic.Bool   // we killed or stopped it
}

// botlessEnv is this test process's environment without the bot's own
// settings (ONBOARD_*, TELEGRAM_*, SLACK_*), for the child processes a
// test starts with settings of its own.
func botlessEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ONBOARD_") && !strings.HasPrefix(kv, "TELEGRAM_") && !strings.HasPrefix(kv, "SLACK_") {
			env = append(env, kv)
		}
	}
	return env
}

// crashServe runs `onboardbot serve` as a child process and replaces it.
type crashServe struct {
	t    *testing.T
	bin  string
	env  []string
	addr string
	log  *os.File

	mu         sync.Mutex
	cur        *crashChild
	starts     int
	unexpected []string
}

// newCrashServe prepares `onboardbot serve` (bin) on db, talking to the
// Telegram test server, with a log beside db and any more settings given;
// no child outlives the test. It returns the environment the test runs
// in, without the bot's settings, for other commands.
func newCrashServe(t *testing.T, bin, db string, srv *tgtest.Server, more ...string) (*crashServe, []string) {
	logFile, err := os.Create(filepath.Join(filepath.Dir(db), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	env := botlessEnv()
	serve := &crashServe{t: t, bin: bin, addr: freeAddr(t), log: logFile,
		env: append(slices.Clone(env), "ONBOARD_DB="+db, "TELEGRAM_BOT_TOKEN="+tgtest.Token, "TELEGRAM_API_URL="+srv.URL)}
	serve.env = append(append(serve.env, "ONBOARD_ADDR="+serve.addr), more...)
	t.Cleanup(func() {
		serve.kill() // whatever happened, no child outlives the test
		if t.Failed() {
			t.Logf("serve's log ends:\n%s", serve.logTail(80))
		}
	})
	return serve, env
}

// start runs a new serve with the given rate. Only one runs at a time.
func (s *crashServe) start(rate string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.starts++
	fmt.Fprintf(s.log, "\n===== start %d (rate %s) at %s =====\n", s.starts, rate, time.Now().Format("15:04:05.000"))
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = append(slices.Clone(s.env), "ONBOARD_TELEGRAM_RATE="+rate)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		s.t.Errorf("start serve: %v", err)
		return
	}
	c := &crashChild{cmd: cmd, done: make(chan struct{})}
	n := s.starts
	go func() {
		c.err = cmd.Wait()
		if !c.expected.Load() {
			s.mu.Lock()
			s.unexpected = append(s.unexpected, fmt.Sprintf("start %d: %v", n, c.err))
			s.mu.Unlock()
		}
		close(c.done)
	}()
	s.cur = c
}

// kill SIGKILLs the running serve and waits until it is gone.
func (s *crashServe) kill() {
	s.mu.Lock()
	c := s.cur
	s.cur = nil
	s.mu.Unlock()
	if c == nil {
		return
	}
	c.expected.Store(true)
	_ = c.cmd.Process.Kill()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		s.t.Errorf("serve (pid %d) still running 10s after SIGKILL", c.cmd.Process.Pid)
	}
}

// stop ends the running serve with SIGTERM, as an operator does, and
// returns its exit error.
func (s *crashServe) stop() error {
	s.mu.Lock()
	c := s.cur
	s.cur = nil
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	c.expected.Store(true)
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return c.err
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("serve did not stop within 20s of SIGTERM")
	}
}

// healthy waits until the running serve answers /healthz. It reports false
// when it does not within timeout, or exits.
func (s *crashServe) healthy(timeout time.Duration) bool {
	s.mu.Lock()
	c := s.cur
	s.mu.Unlock()
	if c == nil {
		return false
	}
	client := &http.Client{Timeout: 500 * time.Millisecond}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-c.done:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// dump makes the running serve print its goroutines and exit (SIGQUIT),
// and returns what it printed.
func (s *crashServe) dump() string {
	s.mu.Lock()
	c := s.cur
	s.cur = nil
	s.mu.Unlock()
	if c == nil {
		return "(no serve running)"
	}
	before, _ := os.ReadFile(s.log.Name())
	c.expected.Store(true)
	_ = c.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	after, _ := os.ReadFile(s.log.Name())
	if len(after) < len(before) {
		return ""
	}
	return string(after[len(before):])
}

// crashDue describes the messages still waiting in the outbox.
func crashDue(store *sqlite.Store) string {
	ctx := context.Background()
	var b strings.Builder
	for _, kind := range []bot.Kind{bot.KindReply, bot.KindAnnouncement} {
		chats, err := store.DueChats(ctx, "telegram", kind, 100)
		if err != nil {
			fmt.Fprintf(&b, "due %s chats: %v\n", kind, err)
			continue
		}
		for _, chat := range chats {
			pending, err := store.Pending(ctx, "telegram", chat)
			if err != nil {
				fmt.Fprintf(&b, "chat %s: %v\n", chat, err)
				continue
			}
			for _, r := range pending {
				fmt.Fprintf(&b, "chat %s (due %s): outbox %d %s %.60q\n", chat, kind, r.ID, r.Kind, r.Text)
			}
		}
	}
	return b.String()
}

// unexpectedExits lists the runs that ended without being killed or stopped.
func (s *crashServe) unexpectedExits() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unexpected)
}

// logTail returns the end of the children's log, without the warnings
// about editing an answered question (tgtest answers editMessageText with
// true where the client expects the message, so every button click logs one).
func (s *crashServe) logTail(lines int) string {
	b, err := os.ReadFile(s.log.Name())
	if err != nil {
		return err.Error()
	}
	var kept []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "edit answered question") {
			kept = append(kept, l)
		}
	}
	if len(kept) > lines {
		kept = kept[len(kept)-lines:]
	}
	return strings.Join(kept, "\n")
}

// crashKiller SIGKILLs serve at random moments and restarts it at once,
// until stop is closed and it has killed at least min times. Most kills
// come a random 20-300ms after serve answered /healthz; one in four comes
// that long after the start, wherever serve is in starting up.
type crashKiller struct {
	serve *crashServe
	rng   *rand.Rand
	rate  string
	min   int
	stop  chan struct{}
	done  chan struct{}
	kills atomic.Int64
}

func (s *crashServe) killer(rng *rand.Rand, rate string, min int) *crashKiller {
	k := &crashKiller{serve: s, rng: rng, rate: rate, min: min, stop: make(chan struct{}), done: make(chan struct{})}
	go k.run()
	return k
}

func (k *crashKiller) run() {
	defer close(k.done)
	for {
		if k.rng.IntN(4) != 0 && !k.serve.healthy(20*time.Second) {
			k.serve.t.Errorf("serve did not come up within 20s after a restart; its log ends:\n%s", k.serve.logTail(60))
			return
		}
		time.Sleep(time.Duration(20+k.rng.IntN(281)) * time.Millisecond)
		select {
		case <-k.stop:
			if int(k.kills.Load()) >= k.min {
				return
			}
		default:
		}
		k.serve.kill()
		k.kills.Add(1)
		k.serve.start(k.rate)
	}
}

// finish stops the killer and returns how many kills it made.
func (k *crashKiller) finish() int {
	close(k.stop)
	select {
	case <-k.done:
	case <-time.After(60 * time.Second):
		k.serve.t.Error("the killer did not stop")
	}
	return int(k.kills.Load())
}

// crashReplies splits a chat's messages into replies and announcements:
// the distinct reply texts in order, how many replies repeated an earlier
// one, and the announcements carrying the marker.
func crashReplies(msgs []tgtest.Sent) (distinct []string, repeats int, announcements []string) {
	seen := map[string]bool{}
	for _, m := range msgs {
		text := crashAsSent(m.Text)
		switch {
		case strings.HasPrefix(text, "📢"):
			if strings.Contains(text, crashAnnMarker) {
				announcements = append(announcements, text)
			}
		case seen[text]:
			repeats++
		default:
			seen[text] = true
			distinct = append(distinct, text)
		}
	}
	return distinct, repeats, announcements
}

// crashAsSent is a message as it was sent, without the mark an answered
// question gets when its button is pressed ("✅ <the choice>"): a message
// repeated after a crash is the same message, whichever copy was clicked.
func crashAsSent(text string) string {
	if i := strings.LastIndex(text, "\n\n✅ "); i >= 0 && !strings.Contains(text[i+2:], "\n") {
		return text[:i]
	}
	return text
}

// crashNewReply waits for a reply to chat that differs from every earlier
// message in the chat (a message repeated after a crash is not an answer),
// at or after index from, and returns it.
func crashNewReply(srv *tgtest.Server, chat int64, from int, timeout time.Duration) (tgtest.Sent, bool) {
	var found tgtest.Sent
	ok := srv.Wait(timeout, func() bool {
		msgs := srv.SentTo(chat)
		seen := map[string]bool{}
		for i, m := range msgs {
			text := crashAsSent(m.Text)
			if i >= from && !seen[text] && !strings.HasPrefix(text, "📢") {
				found = m
				return true
			}
			seen[text] = true
		}
		return false
	})
	return found, ok
}

// TestCrashRecovery kills the real program at random moments while sellers
// onboard through Telegram (long polling) and while it delivers an
// announcement, restarts it at once each time, and then proves that
// nothing was lost: every seller is at the step their answers lead to, with
// each answer stored once and in order, every message got its answer, and
// every recipient got the announcement, with repeats only for what was in
// flight at a kill.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times")
	}
	began := time.Now()
	dir := t.TempDir()
	bin := buildBinary(t)
	t.Logf("built in %s", time.Since(began).Round(time.Millisecond))

	market, _, scripts, wantState, wantHistory := crashWants(t, crashSellers)

	srv := tgtest.New()
	t.Cleanup(srv.Close)
	db := filepath.Join(dir, "onboard.db")
	serve, env := newCrashServe(t, bin, db, srv)
	logFile := serve.log

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d sellers", seed, len(scripts))
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	serve.start(crashOnboardRate)
	if !serve.healthy(20 * time.Second) {
		t.Fatalf("serve never answered /healthz; log:\n%s", serve.logTail(60))
	}
	startupBegan := time.Now()
	serve.kill()
	serve.start(crashOnboardRate)
	if !serve.healthy(20 * time.Second) {
		t.Fatalf("serve never answered /healthz after a restart; log:\n%s", serve.logTail(60))
	}
	t.Logf("a restart takes %s to /healthz", time.Since(startupBegan).Round(time.Millisecond))

	// Phase 1: sellers onboard while serve is killed again and again.
	var maxUpdate atomic.Int64
	var updates atomic.Int64
	addUpdate := func(u *models.Update) {
		updates.Add(1)
		id := srv.AddUpdate(u)
		for {
			cur := maxUpdate.Load()
			if id <= cur || maxUpdate.CompareAndSwap(cur, id) {
				return
			}
		}
	}
	phase1 := time.Now()
	killer := serve.killer(rng, crashOnboardRate, crashMinKills)
	var wg sync.WaitGroup
	for i, s := range scripts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * crashStagger) // sellers arrive one after another, and then talk at once
			var last tgtest.Sent                        // the seller's current question
			for step, in := range s.inputs {
				from := srv.CountTo(s.user)
				u := crashUpdate(s, last, in)
				addUpdate(u)
				reply, ok := crashNewReply(srv, s.user, from, crashStepTimeout)
				if !ok {
					var texts []string
					for _, m := range srv.SentTo(s.user) {
						texts = append(texts, fmt.Sprintf("%.120q", m.Text))
					}
					t.Errorf("seller %d: no answer within %s to input %d %q (update confirmed: %v); the chat has:\n%s",
						s.user, crashStepTimeout, step+1, in, srv.Confirmed() > u.ID, strings.Join(texts, "\n"))
					return
				}
				last = reply
			}
		}()
	}
	wg.Wait()
	killsOnboarding := int(killer.kills.Load())
	kills1 := killer.finish()
	phase1Took := time.Since(phase1)
	if t.Failed() {
		t.FailNow()
	}

	// Phase 2: a broadcast from the shell, delivered by a slower serve that
	// is killed again and again. The switch to the slower rate is one more
	// kill, right after the sellers' last answers.
	serve.kill()
	kills1++
	serve.start(crashBroadcastRate)
	if !serve.healthy(20 * time.Second) {
		t.Fatalf("serve did not come up; log:\n%s", serve.logTail(60))
	}
	phase2 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "announce", "--market", crashMarket,
		"--text", "zh: 崩溃测试公告 "+crashAnnMarker+"\nen: Crash test notice "+crashAnnMarker)
	cmd.Env = append(slices.Clone(env), "ONBOARD_DB="+db)
	annBegan := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("announce, while serve runs, failed after %s: %v\n%s", time.Since(annBegan).Round(time.Millisecond), err, out)
	}
	match := regexp.MustCompile(`announcement (\d+) queued: (\d+) recipients`).FindStringSubmatch(string(out))
	if match == nil {
		t.Fatalf("announce printed %q", out)
	}
	annID, _ := strconv.ParseInt(match[1], 10, 64)
	recipients, _ := strconv.Atoi(match[2])
	if recipients != len(scripts) {
		t.Errorf("the announcement has %d recipients, want %d (every seller of %s)", recipients, len(scripts), crashMarket)
	}
	killer = serve.killer(rng, crashBroadcastRate, crashMinBroadcast)
	everyone := func() (got int) {
		for _, s := range scripts {
			if _, _, anns := crashReplies(srv.SentTo(s.user)); len(anns) > 0 {
				got++
			}
		}
		return got
	}
	delivered := srv.Wait(60*time.Second, func() bool { return everyone() == len(scripts) })
	killsBeforeDone := int(killer.kills.Load())
	broadcastTook := time.Since(phase2)
	kills2 := killer.finish()
	if !delivered {
		t.Errorf("after 60s of the broadcast, %d of %d sellers have the announcement", everyone(), len(scripts))
	}

	// Let the last serve finish its outbox and confirm every update, then
	// stop it the way an operator does.
	if !serve.healthy(20 * time.Second) {
		t.Fatalf("the last serve did not come up; log:\n%s", serve.logTail(60))
	}
	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var dueErr error
	drained := func() bool {
		r, err1 := store.DueChats(context.Background(), "telegram", bot.KindReply, 1)
		a, err2 := store.DueChats(context.Background(), "telegram", bot.KindAnnouncement, 1)
		if dueErr = errors.Join(err1, err2); dueErr != nil {
			return false
		}
		return len(r) == 0 && len(a) == 0 && srv.Confirmed() > maxUpdate.Load()
	}
	if !srv.Wait(30*time.Second, drained) {
		t.Errorf("30s after the last restart, the outbox is not drained or updates are not confirmed (confirmed %d, last update %d; last error %v):\n%s",
			srv.Confirmed(), maxUpdate.Load(), dueErr, crashDue(store))
		t.Logf("serve's goroutines (SIGQUIT):\n%s", serve.dump())
	}
	if err := serve.stop(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	for _, e := range serve.unexpectedExits() {
		t.Errorf("serve exited without being killed: %s", e)
	}
	if b, err := os.ReadFile(logFile.Name()); err == nil {
		for _, bad := range []string{"panic:", "fatal error:", "DATA RACE"} {
			if i := strings.Index(string(b), bad); i >= 0 {
				t.Errorf("serve's log has %q:\n%s", bad, string(b[i:min(len(b), i+3000)]))
			}
		}
	}

	// What the sellers saw.
	var replyRepeats, annRepeats, annMissing int
	for _, s := range scripts {
		distinct, repeats, anns := crashReplies(srv.SentTo(s.user))
		replyRepeats += repeats
		if repeats > 0 {
			t.Logf("seller %d: %d reply message(s) delivered again", s.user, repeats)
		}
		// One reply each, and the checklist in a message of its own after
		// the outcome of the last question.
		replies := len(s.inputs)
		if s.want == flows.StageChecklist {
			replies++
		}
		if len(distinct) != replies {
			t.Errorf("seller %d sent %d messages and got %d different replies, want %d:\n%s", s.user, len(s.inputs), len(distinct), replies, strings.Join(distinct, "\n---\n"))
		}
		if total := srv.CountTo(s.user); total < replies+1 {
			t.Errorf("seller %d's chat has %d messages for %d inputs and an announcement", s.user, total, len(s.inputs))
		}
		switch {
		case len(anns) == 0:
			annMissing++
			t.Errorf("seller %d never got the announcement", s.user)
		case len(anns) > 1:
			annRepeats += len(anns) - 1
			t.Logf("seller %d got the announcement %d times", s.user, len(anns))
		}
		want := "Crash test notice"
		if flows.ParseLang(s.lang) == flows.ZH {
			want = "崩溃测试公告"
		}
		for _, a := range anns {
			if !strings.Contains(a, want) {
				t.Errorf("seller %d (%s) got the announcement as %q", s.user, s.lang, a)
			}
		}
	}
	if limit := kills2 * crashAnnWorkers; annRepeats > limit {
		t.Errorf("%d repeated announcements, more than the %d kills during the broadcast times %d workers in flight = %d",
			annRepeats, kills2, crashAnnWorkers, limit)
	}

	// What the database says.
	err = store.Update(context.Background(), func(tx bot.Tx) error {
		for _, s := range scripts {
			seller, err := tx.Seller(context.Background(), "telegram", strconv.FormatInt(s.user, 10))
			if err != nil {
				t.Errorf("seller %d: %v", s.user, err)
				continue
			}
			if want := flows.ParseLang(s.lang); seller.Lang != want {
				t.Errorf("seller %d: language %s, want %s", s.user, seller.Lang, want)
			}
			if seller.Market != crashMarket {
				t.Errorf("seller %d: current market %q, want %s", s.user, seller.Market, crashMarket)
			}
			o, err := tx.Onboarding(context.Background(), seller.ID, crashMarket)
			if err != nil {
				t.Errorf("seller %d: onboarding: %v", s.user, err)
				continue
			}
			if got, want := crashAnswers(o.State), crashAnswers(wantState[s.user]); !slices.Equal(got, want) {
				t.Errorf("seller %d: answers\n  got  %v\n  want %v", s.user, got, want)
			}
			if got := flows.Current(market, o.State, time.Now()).Stage; got != s.want {
				t.Errorf("seller %d: at stage %s, want %s", s.user, got, s.want)
			}
			if o.Stage != s.want {
				t.Errorf("seller %d: stored stage %s, want %s", s.user, o.Stage, s.want)
			}
			hist, _, err := store.History(context.Background(), seller.ID, crashMarket, 0, 1000) // a scripted onboarding has far fewer
			if err != nil {
				t.Errorf("seller %d: history: %v", s.user, err)
				continue
			}
			if got, want := crashHistory(hist), crashHistory(wantHistory[s.user]); !slices.Equal(got, want) {
				t.Errorf("seller %d: history\n  got  %v\n  want %v", s.user, got, want)
			}
		}
		st, err := tx.Stats(context.Background(), annID)
		if err != nil {
			return err
		}
		if st.Sent != recipients || st.Pending != 0 || st.Unreachable != 0 || st.Failed != 0 {
			t.Errorf("announcement %d: %+v, want all %d sent", annID, st, recipients)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Logf("phase 1 (onboarding, rate %s): %d kills in %s, %d of them before every seller was through", crashOnboardRate, kills1, phase1Took.Round(time.Millisecond), killsOnboarding)
	t.Logf("phase 2 (broadcast of %d, rate %s): %d kills in all, %d before every recipient had it (%s)",
		recipients, crashBroadcastRate, kills2, killsBeforeDone, broadcastTook.Round(time.Millisecond))
	t.Logf("%d serve runs; %d updates; duplicates: %d announcements (limit %d), %d replies; %d sellers without the announcement; %s in all",
		serve.starts, updates.Load(), annRepeats, kills2*crashAnnWorkers, replyRepeats, annMissing, time.Since(began).Round(time.Millisecond))
}

// crashAnswers renders answers and checklist marks without their times,
// for comparison.
func crashAnswers(s flows.State) []string {
	var out []string
	for _, a := range s.Answers {
		out = append(out, a.Question+"="+strings.Join(a.Values, ",")+a.Text)
	}
	var items []string
	for id, st := range s.Items {
		items = append(items, "item "+id+"="+string(st.Status))
	}
	slices.Sort(items)
	return append(out, items...)
}

// crashHistory renders history entries without their times and ids.
func crashHistory(h []bot.HistoryEntry) []string {
	var out []string
	for _, e := range h {
		out = append(out, fmt.Sprintf("%s %s=%s", e.Action, e.Question, e.Value))
	}
	return out
}
