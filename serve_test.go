package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
)

// freeAddr returns a loopback address nobody listens on.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for the server's log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `onboardbot serve` in-process and returns a stop function
// that cancels it (as SIGTERM does) and returns its exit code and log.
func startServe(t *testing.T, env map[string]string, hangup ...chan os.Signal) func() (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: logs, Stderr: logs, Getenv: func(k string) string { return env[k] }, Now: time.Now}
	if len(hangup) > 0 {
		m.Hangup = hangup[0]
	}
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	// Wait until the HTTP server answers.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + env["ONBOARD_ADDR"] + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/healthz: %d", resp.StatusCode)
			}
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d:\n%s", code, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered /healthz:\n%s", logs.String())
		}
	}
	return func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, logs.String()
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop")
			return -1, ""
		}
	}
}

func TestServeTelegramWebhookAndPolling(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	env := map[string]string{
		"ONBOARD_DB": db, "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token,
		"TELEGRAM_API_URL": srv.URL, "TELEGRAM_WEBHOOK_SECRET": "webhook_secret", "ONBOARD_TELEGRAM_RATE": "100",
	}
	stop := startServe(t, env)
	resp, err := http.Get("http://" + env["ONBOARD_ADDR"] + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	ready, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(ready)) != "ready" {
		t.Errorf("/readyz: %d %q", resp.StatusCode, ready)
	}
	u := tgtest.Text(7001, "en", "/onboard tiktok-uk")
	u.ID = 1
	body, _ := json.Marshal(u)
	post := func(secret string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+env["ONBOARD_ADDR"]+"/telegram/webhook", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("nope"); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", code)
	}
	if code := post("webhook_secret"); code != http.StatusOK {
		t.Fatalf("webhook: %d", code)
	}
	if !srv.Wait(10*time.Second, func() bool { return len(srv.SentTo(7001)) == 1 }) {
		t.Fatal("no reply to the webhook update")
	}
	post("webhook_secret") // Telegram retried
	wants := []string{
		`onboardbot_updates_handled_total{outcome="ok",platform="telegram"} 1`,
		`onboardbot_updates_handled_total{outcome="duplicate",platform="telegram"} 1`,
		`onboardbot_send_results_total{kind="reply",platform="telegram",result="ok"} 1`,
		`onboardbot_onboardings{market="tiktok-uk",stage="eligibility"} 1`,
		`onboardbot_handling_seconds_bucket`,
	}
	// The send is counted when the platform's answer is back, a moment
	// after the test server has the message: scrape until it shows.
	var scraped []byte
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get("http://" + env["ONBOARD_ADDR"] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		scraped, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !slices.ContainsFunc(wants, func(w string) bool { return !strings.Contains(string(scraped), w) }) || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range wants {
		if !strings.Contains(string(scraped), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(scraped), tgtest.Token) {
		t.Error("the token appears in /metrics")
	}
	if code, logs := stop(); code != 0 || strings.Contains(logs, tgtest.Token) || strings.Contains(logs, "webhook_secret") {
		t.Errorf("exit %d; a secret in the log?\n%s", code, logs)
	}
	if len(srv.Calls("setMyCommands")) != 2 {
		t.Error("the command menu was not registered")
	}

	// The same database, now long polling: the seller continues.
	delete(env, "TELEGRAM_WEBHOOK_SECRET")
	env["ONBOARD_ADDR"] = freeAddr(t)
	stop = startServe(t, env)
	srv.AddUpdate(tgtest.Text(7001, "en", "1"))
	if !srv.Wait(10*time.Second, func() bool { return len(srv.SentTo(7001)) == 2 }) {
		t.Fatal("no reply to the polled update")
	}
	if !strings.Contains(srv.SentTo(7001)[1].Text, "How many TikTok shops") {
		t.Errorf("reply = %s", srv.SentTo(7001)[1].Text)
	}
	if code, _ := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing configured", map[string]string{}, "nothing to serve"},
		{"slack without a way in", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, "neither SLACK_SIGNING_SECRET"},
		{"slack secret without token", map[string]string{"SLACK_SIGNING_SECRET": "x"}, "SLACK_BOT_TOKEN is not"},
		{"bad slack rate", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "ONBOARD_SLACK_RATE": "fast"}, "ONBOARD_SLACK_RATE"},
		{"bad secret", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET must be"},
		{"bad rate", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "ONBOARD_TELEGRAM_RATE": "-3"}, "ONBOARD_TELEGRAM_RATE"},
		{"bad address", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "ONBOARD_ADDR": "8080"}, "ONBOARD_ADDR"},
		{"bad api url", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["ONBOARD_DB"] = filepath.Join(t.TempDir(), "x.db")
			code, _, errOut := run(t, tt.env, "", "serve")
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, errOut, tt.want)
			}
			if strings.Contains(errOut, "has spaces!") {
				t.Error("the secret appears in the error")
			}
		})
	}

	srv := tgtest.New()
	defer srv.Close()
	code, _, errOut := run(t, map[string]string{"TELEGRAM_BOT_TOKEN": "999:wrong", "TELEGRAM_API_URL": srv.URL,
		"ONBOARD_DB": filepath.Join(t.TempDir(), "x.db"), "ONBOARD_ADDR": freeAddr(t)}, "", "serve")
	if code == 0 || !strings.Contains(errOut, "getMe") || strings.Contains(errOut, "999:wrong") {
		t.Errorf("wrong token: exit %d, %s", code, errOut)
	}
}

// TestServeReloadsRulesOnHangup changes a rule file under a running serve:
// a broken file is refused (admins hear why, the old rules stay), a good
// one with a new version reaches exactly the affected sellers.
func TestServeReloadsRulesOnHangup(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	dir := t.TempDir()
	src, err := os.ReadFile("data/markets/tiktok-uk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(dir, "tiktok-uk.yaml")
	if err := os.WriteFile(rules, src, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token,
		"TELEGRAM_API_URL": srv.URL, "ONBOARD_RULES_DIR": dir, "ONBOARD_ADMINS": "telegram:900",
	}
	hup := make(chan os.Signal, 1)
	stop := startServe(t, env, hup)
	defer stop()
	say := func(user int64, texts ...string) {
		for _, text := range texts {
			n := srv.CountTo(user)
			srv.AddUpdate(tgtest.Text(user, "en", text))
			if !srv.Wait(10*time.Second, func() bool { return srv.CountTo(user) > n }) {
				t.Errorf("no reply to %q", text) // not Fatal: say runs in goroutines
				return
			}
		}
	}
	var wg sync.WaitGroup
	for user, cat := range map[int64]string{901: "toys", 902: "beauty"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			say(user, "/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", cat) // a chat gets about one message a second
		}()
	}
	say(900, "/start")
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	admin, toys, beauty := srv.CountTo(900), srv.CountTo(901), srv.CountTo(902)

	// A broken file: refused, and the admin is told where.
	if err := os.WriteFile(rules, []byte(strings.Replace(string(src), "categories: [toys]", "categories: [toyz]", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	hup <- os.Interrupt
	if !srv.Wait(10*time.Second, func() bool { return srv.CountTo(900) > admin }) {
		t.Fatal("the admin was not told about the broken rule file")
	}
	if msg := srv.SentTo(900)[admin].Text; !strings.Contains(msg, "tiktok-uk.yaml:") || !strings.Contains(msg, "old rules stay in force") {
		t.Errorf("admin got %q", msg)
	}
	admin = srv.CountTo(900)

	// A good file with a new version and a new toy item.
	next := strings.Replace(string(src), `version: "2026.11.1"`, `version: "2026.12.1"`, 1)
	next = strings.Replace(next, "\n  - id: electronics-marking\n", `
  - id: toy-magnets
    group: certification
    title:
      zh: 玩具磁铁安全
      en: Magnet safety for toys
    detail:
      zh: 含磁铁的玩具须符合磁通量要求。
      en: Toys with magnets must meet the magnetic flux limit.
    when:
      categories: [toys]
    source: reload test source
    effective: 2026-12-01

  - id: electronics-marking
`, 1)
	if err := os.WriteFile(rules, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	hup <- os.Interrupt
	if !srv.Wait(10*time.Second, func() bool { return srv.CountTo(901) > toys && srv.CountTo(900) > admin }) {
		t.Fatal("the toy seller or the admin heard nothing of the rule change")
	}
	if msg := srv.SentTo(901)[toys].Text; !strings.Contains(msg, "toy-magnets") || !strings.Contains(msg, "reload test source") || !strings.Contains(msg, "upcoming") {
		t.Errorf("toy seller got %q", msg)
	}
	if msg := srv.SentTo(900)[admin].Text; !strings.Contains(msg, "1 sellers") {
		t.Errorf("admin got %q", msg)
	}
	if got := srv.CountTo(902); got != beauty {
		t.Errorf("the beauty seller, untouched by the change, got %d new messages", got-beauty)
	}
}

func TestServeSlackEventsAPI(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	env := map[string]string{
		"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_ADDR": freeAddr(t),
		"SLACK_BOT_TOKEN": slacktest.BotToken, "SLACK_SIGNING_SECRET": slacktest.SigningSecret, "SLACK_API_URL": srv.URL + "/",
	}
	stop := startServe(t, env)
	post := func(path string, payload any, sign bool) int {
		body, _ := json.Marshal(payload)
		req, _ := http.NewRequest(http.MethodPost, "http://"+env["ONBOARD_ADDR"]+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sign {
			slacktest.Sign(req.Header, body, slacktest.SigningSecret, time.Now())
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	event := slacktest.Callback(slacktest.EventID(), slacktest.DM("U42", "onboard tiktok-uk"))
	if code := post("/slack/events", event, false); code != http.StatusUnauthorized {
		t.Errorf("unsigned event: %d", code)
	}
	if code := post("/slack/events", event, true); code != http.StatusOK {
		t.Fatalf("signed event: %d", code)
	}
	if !srv.Wait(10*time.Second, func() bool { return len(srv.SentTo(slacktest.DMChannel("U42"))) == 1 }) {
		t.Fatal("no reply in the DM")
	}
	if m := srv.SentTo(slacktest.DMChannel("U42"))[0]; !strings.Contains(m.Plain(), "Who will open the shop?") {
		t.Errorf("reply = %s", m.Plain())
	}
	if code, logs := stop(); code != 0 || strings.Contains(logs, slacktest.BotToken) || strings.Contains(logs, slacktest.SigningSecret) {
		t.Errorf("exit %d; a secret in the log?\n%s", code, logs)
	}
}

// A second serve on the same database file refuses to start, saying why;
// chat, announce and markets work beside the running one.
func TestSecondServeOnOneFileIsRefused(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	env := map[string]string{
		"ONBOARD_DB": db, "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token,
		"TELEGRAM_API_URL": srv.URL, "TELEGRAM_WEBHOOK_SECRET": "webhook_secret",
	}
	stop := startServe(t, env)
	second := map[string]string{}
	for k, v := range env {
		second[k] = v
	}
	second["ONBOARD_ADDR"] = freeAddr(t)
	code, _, errOut := run(t, second, "", "serve")
	if code == 0 || !strings.Contains(errOut, "another onboardbot serve is using") || !strings.Contains(errOut, db) {
		t.Errorf("second serve: exit %d, stderr:\n%s", code, errOut)
	}
	if code, out, errOut := run(t, env, "/status\n", "chat", "--db", db, "--user", "beside"); code != 0 || errOut != "" || out == "" {
		t.Errorf("chat beside serve: exit %d, stderr %q", code, errOut)
	}
	if code, out, errOut := run(t, env, "", "announce", "--market", "tiktok-uk", "--text", "hello"); code != 0 || !strings.Contains(out, "queued") {
		t.Errorf("announce beside serve: exit %d, %s %s", code, out, errOut)
	}
	if code, _ := stop(); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	// Once the first has stopped, the lock is free again.
	stop = startServe(t, second)
	if code, _ := stop(); code != 0 {
		t.Errorf("serve after the first stopped: exit %d", code)
	}
}
