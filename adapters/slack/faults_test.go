package slack_test

// Faults of issue 12 on Slack: a slow Slack API, forged clicks, calls that
// must keep within the rate limit, sellers' text that Slack would format.

import (
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
)

// deliver sends an Events API event without waiting for it: the channel is
// closed once it was answered 200 (over HTTP) or acknowledged (Socket Mode).
func (e *env) deliver(eventID string, ev map[string]any) <-chan struct{} {
	done := make(chan struct{})
	payload := slacktest.Callback(eventID, ev)
	go func() {
		defer close(done)
		if e.web != nil {
			if code, body, err := e.post(eventRequest(payload)); err != nil || code != http.StatusOK {
				e.t.Errorf("event %s answered %d %s %v", eventID, code, body, err)
			}
			return
		}
		id, err := e.srv.Push("events_api", payload, timeout)
		if err != nil {
			e.t.Error(err)
			return
		}
		// Long enough for any test: the test decides how long it waits.
		e.srv.Wait(time.Hour, func() bool { _, ok := e.srv.AckOf(id); return ok })
	}()
	return done
}

// sameLock returns another user id whose updates take the same one of the
// 64 lock stripes of platform.Locks (FNV-1a of the id) as user's.
func sameLock(user string) string {
	stripe := func(s string) uint32 {
		h := fnv.New32a()
		h.Write([]byte(s))
		return h.Sum32() % 64
	}
	for i := 0; ; i++ {
		if u := fmt.Sprintf("U7%04d", i); u != user && stripe(u) == stripe(user) {
			return u
		}
	}
}

// A seller whose users.info hangs holds up their own update only: another
// seller, on the same lock stripe (and, before, the same Socket Mode
// shard), is answered meanwhile.
func TestSlowSlackHoldsUpOnlyItsOwnSeller(t *testing.T) {
	for _, mode := range []string{"http", "socket"} {
		t.Run(mode, func(t *testing.T) {
			srv := slacktest.New()
			defer srv.Close()
			e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), mode, func(c *slack.Config) {
				c.LookupTimeout = time.Hour // the lookup hangs until the test ends it
			})
			const slow = "U6001"
			other := sameLock(slow)
			e.dm(other, "start")
			nth(t, srv, slacktest.DMChannel(other), 1) // other's locale is known from now on

			srv.Delay("users.info", time.Hour)
			defer srv.Delay("users.info", 0)
			slowDone := e.deliver(slacktest.EventID(), slacktest.DM(slow, "start"))
			asked := func() bool {
				for _, c := range srv.Calls("users.info") {
					if c.Params["user"] == slow {
						return true
					}
				}
				return false
			}
			if !srv.Wait(timeout, asked) {
				t.Fatal("users.info was not asked for the slow seller")
			}

			otherDone := e.deliver(slacktest.EventID(), slacktest.DM(other, "help"))
			select {
			case <-otherDone:
			case <-time.After(timeout):
				t.Fatalf("%s's event waited for %s's users.info", other, slow)
			}
			mustContain(t, nth(t, srv, slacktest.DMChannel(other), 2), "/onboard")
			select {
			case <-slowDone:
				t.Fatal("the slow seller's event was answered before its users.info")
			default:
			}

			srv.Delay("users.info", 0) // Slack answers at last
			select {
			case <-slowDone:
			case <-time.After(timeout):
				t.Fatal("the slow seller's event was not answered")
			}
			mustContain(t, nth(t, srv, slacktest.DMChannel(slow), 1), "Hello")
		})
	}
}

// A click's reply goes to the clicking user's own DM, whatever channel the
// payload names, and a button counts only in the DM it was posted in.
func TestForgedClickRepliesOnlyInTheClickersOwnDM(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const clicker, victim = "U6101", "U6102"
	mine, theirs := slacktest.DMChannel(clicker), slacktest.DMChannel(victim)
	e.dm(victim, "/onboard tiktok-uk")
	vq := nth(t, srv, theirs, 1)
	e.dm(clicker, "/onboard tiktok-uk")
	cq := nth(t, srv, mine, 1)

	forgeries := []struct {
		name    string
		payload map[string]any
	}{
		{"the victim's DM and button", slacktest.Click(clicker, vq, mustID(t, vq, 0))},
		{"own button, said to be in the victim's DM", slacktest.Click(clicker, slacktest.Sent{Channel: theirs, TS: cq.TS}, mustID(t, cq, 0))},
		{"own button, said to be in a channel", slacktest.Click(clicker, slacktest.Sent{Channel: "C0GENERAL", TS: cq.TS}, mustID(t, cq, 0))},
	}
	for i, f := range forgeries {
		if code, body := e.do(clickRequest(f.payload)); code != http.StatusOK {
			t.Fatalf("%s: answered %d %s", f.name, code, body)
		}
		mustContain(t, nth(t, srv, mine, 2+i), "Who will open the shop?")
	}
	if !srv.Wait(timeout, func() bool { return len(srv.Ephemerals()) == len(forgeries) }) {
		t.Fatalf("notices: %+v", srv.Ephemerals())
	}
	for _, n := range srv.Ephemerals() {
		if n.Channel != mine || n.User != clicker {
			t.Errorf("notice %+v, want it in %s for %s", n, mine, clicker)
		}
	}
	if got := srv.SentTo(theirs); len(got) != 1 {
		t.Errorf("the victim's DM got %d messages, want 1: %q", len(got), texts(got))
	}
	if s, err := seller(t, e.store, clicker); err != nil || s.ChatID != mine {
		t.Errorf("the clicker's replies go to %q (%v), want %s", s.ChatID, err, mine)
	}

	// Neither question was answered: both buttons still work where they are.
	e.click(victim, vq, 0)
	mustContain(t, nth(t, srv, theirs, 2), "How many TikTok shops")
	e.click(clicker, cq, 0)
	mustContain(t, nth(t, srv, mine, 2+len(forgeries)), "How many TikTok shops")
	if !srv.Wait(timeout, func() bool { return len(srv.Updates()) == 2 }) {
		t.Fatalf("%d chat.update calls, want 2 (the two real clicks)", len(srv.Updates()))
	}
	for _, u := range srv.Updates() {
		if want := map[string]string{theirs: vq.TS, mine: cq.TS}[u.Channel]; u.TS != want {
			t.Errorf("edited %s in %s, want %q", u.TS, u.Channel, want)
		}
	}
}

// logBuffer collects log lines from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Every call keeps to the rate: the edit and the notice that follow a click
// wait for the limiter like every message, and are dropped when it has no
// slot for them in time; users.info and conversations.open have a limiter of
// their own.
func TestEveryCallKeepsToTheRateLimit(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	var logs logBuffer
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http", func(c *slack.Config) {
		c.Rate = 1e-6 // one message, then none for days
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	const user = "U6201"
	dm := slacktest.DMChannel(user)
	e.dm(user, "/onboard tiktok-uk")
	q := nth(t, srv, dm, 1)          // the one message
	e.click(user, q, 0)              // taken: the question would be edited
	e.clickID(user, q, "c:999999:0") // no such message: a notice would be posted

	skipped := func() bool {
		l := logs.String()
		return strings.Contains(l, "chat.update skipped") && strings.Contains(l, "chat.postEphemeral skipped")
	}
	// The log signals nothing: it is polled, until the deadline.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(timeout); !skipped() && len(srv.Updates())+len(srv.Ephemerals()) == 0 && time.Now().Before(deadline); {
		<-tick.C
	}
	if n := len(srv.Updates()) + len(srv.Ephemerals()); n != 0 {
		t.Errorf("%d calls after the clicks went past the rate limit", n)
	}
	if !skipped() {
		t.Errorf("the calls after the clicks were not refused by the rate limiter; log:\n%s", logs.String())
	}
	if n := len(srv.Sent()); n != 1 {
		t.Errorf("%d messages sent, want 1", n)
	}

	// The first seller's users.info took the lookups' one slot: the next
	// seller goes without a language hint, and a slash command without a
	// known DM is told it failed.
	e.dm("U6202", "start")
	code, body := e.do(slashRequest(slacktest.Slash("U6203", "C0GENERAL", "/onboard", "status")))
	if code != http.StatusOK || !strings.Contains(body, "did not go through") {
		t.Errorf("slash command: %d %s", code, body)
	}
	if n := len(srv.Calls("users.info")) + len(srv.Calls("conversations.open")); n != 1 {
		t.Errorf("%d lookups, want 1 within the rate", n)
	}
}

// A seller's own text in a reply (a certificate number here) is shown as
// written: the sections are plain_text, where *, _, ~ and ` format nothing.
func TestSellersTextIsShownAsWritten(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U6301"
	dm := slacktest.DMChannel(user)
	steps := []string{"/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty"}
	for _, s := range steps {
		e.answered(dm, func() { e.dm(user, s) })
	}
	const number = "*AB_12*~x~`y`&<z>"
	m := e.answered(dm, func() {
		e.dm(user, "/done scpn "+strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(number)+" 2027-06-30")
	})
	mustContain(t, m, "no. "+number)
	found := false
	for _, b := range m.Blocks.BlockSet {
		sb, ok := b.(*slackapi.SectionBlock)
		if !ok {
			continue
		}
		if sb.Text.Type != slackapi.PlainTextType {
			t.Errorf("a section of type %s: Slack would format %q", sb.Text.Type, sb.Text.Text)
		}
		found = found || strings.Contains(sb.Text.Text, "no. "+number)
	}
	if !found {
		t.Errorf("no section shows %q as written: %q", number, m.Sections())
	}
}
