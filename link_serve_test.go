package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
)

// A seller starts on Telegram, links Slack and continues there, through
// the real adapters and clients: /status is the same on both, and an
// announcement reaches them once, on Slack (the account used last).
func TestServeLinkedAccounts(t *testing.T) {
	tg, sl := tgtest.New(), slacktest.New()
	defer tg.Close()
	defer sl.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	env := map[string]string{
		"ONBOARD_DB": db, "ONBOARD_ADDR": freeAddr(t), "ONBOARD_TELEGRAM_RATE": "100", "ONBOARD_SLACK_RATE": "100",
		"TELEGRAM_BOT_TOKEN": tgtest.Token, "TELEGRAM_API_URL": tg.URL,
		"SLACK_BOT_TOKEN": slacktest.BotToken, "SLACK_SIGNING_SECRET": slacktest.SigningSecret, "SLACK_API_URL": sl.URL + "/",
	}
	stop := startServe(t, env)
	const user = 7001
	dm := slacktest.DMChannel("U42")
	telegram := func(text string) string {
		t.Helper()
		n := len(tg.SentTo(user))
		tg.AddUpdate(tgtest.Text(user, "en", text))
		if !tg.Wait(10*time.Second, func() bool { return len(tg.SentTo(user)) > n }) {
			t.Fatalf("no answer on Telegram to %q", text)
		}
		return tg.SentTo(user)[len(tg.SentTo(user))-1].Text
	}
	slack := func(text string) string {
		t.Helper()
		n := len(sl.SentTo(dm))
		body, _ := json.Marshal(slacktest.Callback(slacktest.EventID(), slacktest.DM("U42", text)))
		req, _ := http.NewRequest(http.MethodPost, "http://"+env["ONBOARD_ADDR"]+"/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		slacktest.Sign(req.Header, body, slacktest.SigningSecret, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("slack event %q: %v %v", text, resp, err)
		}
		resp.Body.Close()
		if !sl.Wait(10*time.Second, func() bool { return len(sl.SentTo(dm)) > n }) {
			t.Fatalf("no answer on Slack to %q", text)
		}
		return sl.SentTo(dm)[len(sl.SentTo(dm))-1].Plain()
	}
	telegram("/lang en")
	telegram("/onboard tiktok-uk")
	telegram("1")
	code := regexp.MustCompile(`[2-9A-Z]{4}-[2-9A-Z]{4}`).FindString(telegram("/link"))
	if code == "" {
		t.Fatal("no link code")
	}
	if got := slack("link " + code); !strings.Contains(got, "Linked") {
		t.Fatalf("link on Slack: %s", got)
	}
	if got := slack("1"); !strings.Contains(got, "question 3") {
		t.Fatalf("the next answer on Slack: %s", got)
	}
	line := regexp.MustCompile(`TikTok Shop UK[^\n]*`)
	tgStatus, slStatus := line.FindString(telegram("/status")), line.FindString(slack("status"))
	if tgStatus == "" || tgStatus != slStatus {
		t.Errorf("/status differs:\ntelegram: %s\nslack:    %s", tgStatus, slStatus)
	}
	// The Slack account was used last: the announcement goes there, once.
	slack("whoami")
	tgBefore, slBefore := len(tg.SentTo(user)), len(sl.SentTo(dm))
	if code, out, errOut := run(t, map[string]string{"ONBOARD_DB": db}, "", "announce", "--market", "tiktok-uk", "--text", "New UK rule"); code != 0 || !strings.Contains(out, "1 recipients") {
		t.Fatalf("announce: %d %s %s", code, out, errOut)
	}
	if !sl.Wait(10*time.Second, func() bool { return len(sl.SentTo(dm)) > slBefore }) {
		t.Fatal("the announcement did not reach Slack")
	}
	// Queued once, to Slack: nothing more is coming.
	if queued := queryFile(t, db, `SELECT platform, chat_id FROM outbox WHERE announcement_id IS NOT NULL`); len(queued) != 1 || queued[0][0] != "slack" || queued[0][1] != dm {
		t.Errorf("the announcement was queued to %v; want once, to Slack", queued)
	}
	if n := len(sl.SentTo(dm)) - slBefore; n != 1 || !strings.Contains(sl.SentTo(dm)[slBefore].Plain(), "New UK rule") {
		t.Errorf("Slack got %d messages for the announcement", n)
	}
	if n := len(tg.SentTo(user)) - tgBefore; n != 0 {
		t.Errorf("Telegram got %d messages for the announcement", n)
	}
	if code, logs := stop(); code != 0 {
		t.Errorf("exit %d\n%s", code, logs)
	}
}
