package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
)

// The fault suite: the built binary in webhook mode against the test Bot
// API, put through an operator's bad day. Each case checks that nothing is
// lost and nothing repeated beyond the messages in flight.

// flakyProxy stands between the bot and the test Bot API: up, it passes
// requests on; down, it drops the connection (what an unreachable
// platform looks like from the bot); slow, it waits before passing on.
type flakyProxy struct {
	*httptest.Server
	down atomic.Bool
	slow atomic.Int64 // nanoseconds
}

func newFlakyProxy(t *testing.T, target string) *flakyProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.down.Load() {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		if d := time.Duration(p.slow.Load()); d > 0 {
			time.Sleep(d)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// faultBot is the built binary serving webhooks, with its platform and store.
type faultBot struct {
	t      *testing.T
	srv    *tgtest.Server
	proxy  *flakyProxy
	serve  *crashServe
	db     string
	nextID atomic.Int64
}

const faultSecret = "fault_secret"

func newFaultBot(t *testing.T, bin, dir string, extraEnv ...string) *faultBot {
	t.Helper()
	srv := tgtest.New()
	t.Cleanup(srv.Close)
	b := &faultBot{t: t, srv: srv, proxy: newFlakyProxy(t, srv.URL), db: filepath.Join(dir, "onboard.db")}
	logFile, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	env := botlessEnv()
	addr := freeAddr(t)
	b.serve = &crashServe{t: t, bin: bin, addr: addr, log: logFile,
		env: append(env, "ONBOARD_DB="+b.db, "ONBOARD_ADDR="+addr, "TELEGRAM_BOT_TOKEN="+tgtest.Token,
			"TELEGRAM_API_URL="+b.proxy.URL, "TELEGRAM_WEBHOOK_SECRET="+faultSecret)}
	b.serve.env = append(b.serve.env, extraEnv...)
	t.Cleanup(func() {
		b.serve.kill()
		if t.Failed() {
			t.Logf("serve's log ends:\n%s", b.serve.logTail(60))
		}
	})
	b.serve.start("1000")
	if !b.serve.healthy(20 * time.Second) {
		t.Fatalf("serve never answered /healthz; log:\n%s", b.serve.logTail(40))
	}
	return b
}

// say posts one message from a seller to the webhook and returns the status.
func (b *faultBot) say(user int64, text string) int {
	b.t.Helper()
	u := tgtest.Text(user, "en", text)
	u.ID = b.nextID.Add(1)
	body, _ := json.Marshal(u)
	req, _ := http.NewRequest(http.MethodPost, "http://"+b.serve.addr+"/telegram/webhook", bytes.NewReader(body))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", faultSecret)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		b.t.Fatalf("webhook: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (b *faultBot) get(path string) (int, string) {
	b.t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + b.serve.addr + path)
	if err != nil {
		b.t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// onceEach checks that every seller got exactly n messages.
func (b *faultBot) onceEach(users []int64, n int) {
	b.t.Helper()
	for _, u := range users {
		if got := b.srv.CountTo(u); got != n {
			b.t.Errorf("seller %d got %d messages, want %d", u, got, n)
		}
	}
}

func (b *faultBot) waitAll(users []int64, n int, timeout time.Duration) bool {
	return b.srv.Wait(timeout, func() bool {
		for _, u := range users {
			if b.srv.CountTo(u) < n {
				return false
			}
		}
		return true
	})
}

// pending counts undelivered outbox messages, read beside the running bot.
func (b *faultBot) pending() int {
	b.t.Helper()
	db, err := sql.Open("sqlite", "file:"+b.db+"?mode=ro")
	if err != nil {
		b.t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

func sellers(first int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = first + int64(i)
	}
	return out
}

func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it through faults")
	}
	bin := buildBinary(t)

	// A platform outage delays replies; once the platform is back each
	// goes out once. /metrics shows the retries meanwhile.
	t.Run("platform outage", func(t *testing.T) {
		b := newFaultBot(t, bin, t.TempDir())
		b.proxy.down.Store(true)
		users := sellers(8100, 10)
		for _, u := range users {
			if code := b.say(u, "/start"); code != http.StatusOK {
				t.Fatalf("webhook during the outage: %d", code)
			}
		}
		if !b.srv.Wait(20*time.Second, func() bool {
			_, m := b.get("/metrics")
			return strings.Contains(m, `onboardbot_delivery_retrying{platform="telegram"} 10`)
		}) {
			_, m := b.get("/metrics")
			t.Errorf("/metrics during the outage does not show 10 retrying:\n%s", grepLines(m, "onboardbot_delivery"))
		}
		time.Sleep(3 * time.Second) // several rounds of tries: the old code gave up after 31 s in all
		if n := b.pending(); n != len(users) {
			t.Errorf("%d of %d replies still pending during the outage", n, len(users))
		}
		b.proxy.down.Store(false)
		if !b.waitAll(users, 1, 60*time.Second) {
			t.Fatalf("replies not delivered after the outage: %d", b.srv.Count())
		}
		time.Sleep(500 * time.Millisecond)
		b.onceEach(users, 1)
	})

	// With the disk full, the bot answers webhooks with errors (the
	// platform redelivers), never repeats a reply whose record failed,
	// says it is not ready, and recovers when there is room again.
	t.Run("full disk", func(t *testing.T) {
		dir := t.TempDir()
		if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=8m"); err != nil {
			t.Fatalf("mount a small tmpfs for the database (the fault suite runs as root, as CI does): %v", err)
		}
		t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
		b := newFaultBot(t, bin, dir)
		b.proxy.down.Store(true) // replies wait in the outbox
		users := sellers(8200, 20)
		for _, u := range users {
			if code := b.say(u, "/start"); code != http.StatusOK {
				t.Fatalf("webhook before the disk is full: %d", code)
			}
		}
		filler := fillDisk(t, dir)
		b.proxy.down.Store(false) // the platform takes them; recording them fails
		if !b.srv.Wait(30*time.Second, func() bool { return b.srv.Count() > 0 }) {
			t.Fatal("nothing sent once the platform was back")
		}
		if !b.srv.Wait(10*time.Second, func() bool { code, _ := b.get("/readyz"); return code == http.StatusServiceUnavailable }) {
			t.Error("/readyz says ready with the disk full")
		}
		time.Sleep(3 * time.Second) // the old code sent every reply again and again meanwhile
		for _, u := range users {
			if n := b.srv.CountTo(u); n > 1 {
				t.Errorf("seller %d got the same reply %d times while the disk was full", u, n)
			}
		}
		if code := b.say(8299, "/start"); code == http.StatusOK {
			t.Error("a webhook was answered 200 while its update could not be committed")
		}
		os.Remove(filler)
		if !b.srv.Wait(30*time.Second, func() bool { code, _ := b.get("/readyz"); return code == http.StatusOK }) {
			_, body := b.get("/readyz")
			t.Fatalf("not ready after the disk has room again: %s", body)
		}
		if code := b.say(8299, "/start"); code != http.StatusOK { // Telegram's redelivery
			t.Fatalf("webhook after recovery: %d", code)
		}
		if !b.waitAll([]int64{8299}, 1, 30*time.Second) {
			t.Fatal("the redelivered update was not answered")
		}
		if !b.srv.Wait(10*time.Second, func() bool { return b.pending() == 0 }) {
			t.Errorf("%d messages still pending after recovery", b.pending())
		}
		b.onceEach(append(users, 8299), 1)
	})

	// A second serve on the same database refuses to start.
	t.Run("second process", func(t *testing.T) {
		b := newFaultBot(t, bin, t.TempDir())
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(b.serve.env[:len(b.serve.env):len(b.serve.env)], "ONBOARD_ADDR="+freeAddr(t))
		out, err := runFor(cmd, 20*time.Second)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || !strings.Contains(out, "another onboardbot serve is using") {
			t.Errorf("second serve: %v\n%s", err, out)
		}
		users := sellers(8300, 3)
		for _, u := range users {
			b.say(u, "/start")
		}
		if !b.waitAll(users, 1, 20*time.Second) {
			t.Fatal("the first serve stopped answering")
		}
		b.onceEach(users, 1)
	})

	// A slow platform holds up no webhook: the 200 comes after the commit,
	// and sending happens after.
	t.Run("slow API", func(t *testing.T) {
		b := newFaultBot(t, bin, t.TempDir())
		b.proxy.slow.Store(int64(3 * time.Second))
		users := sellers(8400, 5)
		for _, u := range users {
			began := time.Now()
			if code := b.say(u, "/onboard tiktok-uk"); code != http.StatusOK {
				t.Fatalf("webhook: %d", code)
			}
			if took := time.Since(began); took > time.Second {
				t.Errorf("a webhook took %s with a slow platform", took)
			}
		}
		b.proxy.slow.Store(0)
		if !b.waitAll(users, 1, 60*time.Second) {
			t.Fatal("replies not delivered")
		}
		b.onceEach(users, 1)
	})

	// A malformed configuration stops the program at start, naming what
	// to fix.
	t.Run("malformed configuration", func(t *testing.T) {
		for _, tt := range []struct{ env, want string }{
			{"ONBOARD_TELEGRAM_RATE=NaN", "ONBOARD_TELEGRAM_RATE"},
			{"ONBOARD_ADMINS=telegram:@alice", "telegram:@alice"},
			{"ONBOARD_DB=:memory:", "give the path of a file"},
		} {
			cmd := exec.Command(bin, "serve")
			cmd.Env = []string{"TELEGRAM_BOT_TOKEN=" + tgtest.Token, "TELEGRAM_API_URL=http://127.0.0.1:1", "ONBOARD_DB=" + filepath.Join(t.TempDir(), "x.db"), tt.env}
			out, err := runFor(cmd, 20*time.Second)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || !strings.Contains(out, tt.want) {
				t.Errorf("%s: %v\n%s", tt.env, err, out)
			}
		}
	})
}

// fillDisk fills the file system dir is on and returns the filler's path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			return name
		}
	}
}

// runFor runs a command that should end by itself, and returns what it said.
func runFor(cmd *exec.Cmd, timeout time.Duration) (string, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("still running after %s", timeout)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
