package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	return startServeAt(t, env, time.Now, hangup...)
}

// startServeAt is startServe with the bot's clock (the core's, the
// admins', the scheduled jobs'); the adapters and the dispatchers keep the
// real one.
func startServeAt(t *testing.T, env map[string]string, now func() time.Time, hangup ...chan os.Signal) func() (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: logs, Stderr: logs, Getenv: func(k string) string { return env[k] }, Now: now}
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
	// The token and secret as read from files, each ending in a line break.
	env := map[string]string{
		"ONBOARD_DB": db, "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token + "\n",
		"TELEGRAM_API_URL": srv.URL, "TELEGRAM_WEBHOOK_SECRET": "webhook_secret\n", "ONBOARD_TELEGRAM_RATE": "100",
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
	const tgToken = tgtest.Token // a token of the right shape, so each case shows one problem
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing configured", map[string]string{}, "nothing to serve"},
		{"slack without a way in", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, "neither SLACK_SIGNING_SECRET"},
		{"slack secret without token", map[string]string{"SLACK_SIGNING_SECRET": slacktest.SigningSecret}, "SLACK_BOT_TOKEN is not"},
		{"bad slack rate", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "ONBOARD_SLACK_RATE": "fast"}, "ONBOARD_SLACK_RATE"},
		{"bad secret", map[string]string{"TELEGRAM_BOT_TOKEN": tgToken, "TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET is not 1-256 characters"},
		{"bad rate", map[string]string{"TELEGRAM_BOT_TOKEN": tgToken, "ONBOARD_TELEGRAM_RATE": "-3"}, "ONBOARD_TELEGRAM_RATE"},
		{"NaN rate", map[string]string{"TELEGRAM_BOT_TOKEN": tgToken, "ONBOARD_TELEGRAM_RATE": "NaN"}, `ONBOARD_TELEGRAM_RATE: "NaN"`},
		{"infinite rate", map[string]string{"TELEGRAM_BOT_TOKEN": tgToken, "ONBOARD_TELEGRAM_RATE": "+Inf"}, `ONBOARD_TELEGRAM_RATE: "+Inf"`},
		{"tiny rate", map[string]string{"TELEGRAM_BOT_TOKEN": tgToken, "ONBOARD_TELEGRAM_RATE": "1e-9"}, `ONBOARD_TELEGRAM_RATE: "1e-9" is not a number of messages per second from 0.1 to 10000`},
		{"huge rate", map[string]string{"TELEGRAM_BOT_TOKEN": tgToken, "ONBOARD_TELEGRAM_RATE": "1e6"}, "ONBOARD_TELEGRAM_RATE"},
		{"NaN slack rate", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "ONBOARD_SLACK_RATE": "nan"}, "ONBOARD_SLACK_RATE"},
		{"bad address", map[string]string{"TELEGRAM_BOT_TOKEN": tgToken, "ONBOARD_ADDR": "8080"}, "ONBOARD_ADDR"},
		{"bad api url", map[string]string{"TELEGRAM_BOT_TOKEN": tgToken, "TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"},
		{"half a telegram token", map[string]string{"TELEGRAM_BOT_TOKEN": "123456:AAH-test"}, "TELEGRAM_BOT_TOKEN is not a Telegram bot token"},
		{"a telegram token without its number", map[string]string{"TELEGRAM_BOT_TOKEN": "AAH-test_token-for-the-tgtest-serve"}, "TELEGRAM_BOT_TOKEN is not"},
		{"a slack bot token of the wrong kind", map[string]string{"SLACK_BOT_TOKEN": "xoxp-user-token-1", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN is not a Slack bot token"},
		{"tokens swapped", map[string]string{"SLACK_BOT_TOKEN": "xapp-app-token-1", "SLACK_APP_TOKEN": "xoxb-bot-token-1"}, "SLACK_APP_TOKEN is not a Slack app-level token"},
		{"a signing secret that is not hex", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "my-signing-secret-2026"}, "SLACK_SIGNING_SECRET is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["ONBOARD_DB"] = filepath.Join(t.TempDir(), "x.db")
			code, _, errOut := run(t, tt.env, "", "serve")
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, errOut, tt.want)
			}
			for _, s := range []string{"has spaces!", "AAH-test", "xoxp-user-token-1", "app-token-1", "bot-token-1", "my-signing-secret-2026"} {
				if strings.Contains(errOut, s) {
					t.Errorf("the secret %q appears in the error", s)
				}
			}
		})
	}
}

// TestServeNeverPrintsTokens runs the built program with tokens and
// secrets set wrong in the ways they are (a line break from a secret file,
// spaces, the wrong kind, a token the platform refuses, an unreachable
// API, whose errors quote the URL that holds Telegram's token), and looks
// for them in everything it printed.
func TestServeNeverPrintsTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	tg := tgtest.New()
	defer tg.Close()
	sl := slacktest.New()
	defer sl.Close()
	down := "http://" + freeAddr(t) // nobody listens there
	// A web server that is not the Bot API quotes the path in its answer.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<pre>Cannot POST %s</pre>", r.URL.Path)
	}))
	defer web.Close()
	const (
		wrongTG    = "999999:AAH-wrong_token-for-the-tgtest-ser"
		wrongSlack = "xoxb-1234-5678-wrongslacktoken"
	)
	tests := []struct {
		name    string
		env     []string
		want    string   // in stderr
		secrets []string // nowhere in the output
	}{
		{"a token with a line break, API down", []string{"TELEGRAM_BOT_TOKEN=" + tgtest.Token + "\n", "TELEGRAM_API_URL=" + down},
			"getMe", []string{tgtest.Token, "AAH-test_token"}},
		{"a token with spaces around, API down", []string{"TELEGRAM_BOT_TOKEN=  " + tgtest.Token + " \r\n", "TELEGRAM_API_URL=" + down},
			"connection refused", []string{tgtest.Token, "AAH-test_token"}},
		{"a token with a space inside", []string{"TELEGRAM_BOT_TOKEN=123456:AAH-test_token for-the-tgtest-serve", "TELEGRAM_API_URL=" + tg.URL},
			"spaces or line breaks inside", []string{"AAH-test_token", "for-the-tgtest-serve"}},
		{"a token with a line break inside", []string{"TELEGRAM_BOT_TOKEN=123456:AAH-test_token\nfor-the-tgtest-serve", "TELEGRAM_API_URL=" + tg.URL},
			"spaces or line breaks inside", []string{"AAH-test_token", "for-the-tgtest-serve"}},
		{"the wrong server", []string{"TELEGRAM_BOT_TOKEN=" + tgtest.Token, "TELEGRAM_API_URL=" + web.URL},
			"Cannot POST", []string{tgtest.Token, "AAH-test_token"}},
		{"a token the platform refuses", []string{"TELEGRAM_BOT_TOKEN=" + wrongTG, "TELEGRAM_API_URL=" + tg.URL},
			"getMe", []string{wrongTG, "AAH-wrong_token"}},
		{"a slack token the platform refuses", []string{"SLACK_BOT_TOKEN=" + wrongSlack + "\n", "SLACK_SIGNING_SECRET=" + slacktest.SigningSecret, "SLACK_API_URL=" + sl.URL + "/"},
			"auth.test", []string{wrongSlack, "wrongslacktoken", slacktest.SigningSecret}},
		{"slack API down", []string{"SLACK_BOT_TOKEN=" + slacktest.BotToken, "SLACK_APP_TOKEN=" + slacktest.AppToken, "SLACK_API_URL=" + down + "/"},
			"auth.test", []string{slacktest.BotToken, slacktest.AppToken}},
		{"a slack user token", []string{"SLACK_BOT_TOKEN=xoxp-1234-5678-usertoken", "SLACK_APP_TOKEN=" + slacktest.AppToken},
			"SLACK_BOT_TOKEN is not", []string{"xoxp-1234-5678-usertoken", slacktest.AppToken}},
		{"a webhook secret with a space", []string{"TELEGRAM_BOT_TOKEN=" + tgtest.Token, "TELEGRAM_WEBHOOK_SECRET=long random secret"},
			"TELEGRAM_WEBHOOK_SECRET is not", []string{"long random secret", tgtest.Token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "serve")
			cmd.Env = append(os.Environ(), "ONBOARD_DB="+filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_ADDR="+freeAddr(t))
			cmd.Env = append(cmd.Env, tt.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if err == nil {
				t.Fatal("serve started")
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr.String())
			}
			for _, s := range tt.secrets {
				if strings.Contains(stdout.String()+stderr.String(), s) {
					t.Errorf("%q printed:\n%s%s", s, stdout.String(), stderr.String())
				}
			}
		})
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
	// Eight answers, and the checklist after the outcome of the last.
	if !srv.Wait(10*time.Second, func() bool { return srv.CountTo(901) == 9 && srv.CountTo(902) == 9 }) {
		t.Fatalf("sellers got %d and %d messages, want 9 each", srv.CountTo(901), srv.CountTo(902))
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
	next := regexp.MustCompile(`(?m)^version: .*$`).ReplaceAllString(string(src), `version: "2099.12.1"`) // newer than any real one
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
		"SLACK_BOT_TOKEN": slacktest.BotToken + "\n", "SLACK_SIGNING_SECRET": " " + slacktest.SigningSecret + "\r\n", "SLACK_API_URL": srv.URL + "/",
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
	if code, out, errOut := run(t, env, "", "announce", "--market", "tiktok-uk", "--text", "hello", "--allow-empty"); code != 0 || !strings.Contains(out, "queued") {
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

// A flood of forged webhooks is refused, counted in /metrics and logged
// once, not once each.
func TestRefusedRequestsAreCountedNotEachLogged(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	env := map[string]string{
		"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token,
		"TELEGRAM_API_URL": srv.URL, "TELEGRAM_WEBHOOK_SECRET": "webhook_secret",
	}
	stop := startServe(t, env)
	for range 200 {
		req, _ := http.NewRequest(http.MethodPost, "http://"+env["ONBOARD_ADDR"]+"/telegram/webhook", strings.NewReader("{}"))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "forged")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged webhook: %d", resp.StatusCode)
		}
	}
	resp, err := http.Get("http://" + env["ONBOARD_ADDR"] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `onboardbot_requests_refused_total{platform="telegram",reason="secret"} 200`) {
		t.Errorf("/metrics does not count the 200 refusals")
	}
	_, logs := stop()
	if n := strings.Count(logs, "wrong or missing secret token"); n != 1 {
		t.Errorf("%d log lines for 200 forged webhooks", n)
	}
}
