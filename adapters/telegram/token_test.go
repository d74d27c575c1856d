package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
)

func TestTokenShapes(t *testing.T) {
	for _, tt := range []struct {
		token string
		valid bool
	}{
		{tgtest.Token, true},
		{"110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", true},
		{"", false},
		{tgtest.Token + "\n", false},
		{" " + tgtest.Token, false},
		{"123456:AAH-test_token for-the-tgtest-serve", false},
		{"123456:short", false},
		{"AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", false},
		{"bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", false},
		{"110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe", false},
	} {
		if got := telegram.ValidToken(tt.token); got != tt.valid {
			t.Errorf("ValidToken(%q) = %v", tt.token, got)
		}
	}
}

// The Bot API's URL holds the token (/bot<token>/method), and net/http's
// errors quote the URL: neither a failed start nor a failed send may carry
// it into a log line or the outbox.
func TestErrorsNeverCarryTheToken(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nobody listens there now

	for _, token := range []string{tgtest.Token + "\n", "123456:AAH-test_token for-the-tgtest-serve"} {
		if _, err := telegram.New(ctx, telegram.Config{Token: token, ServerURL: down}, nil); err == nil || strings.Contains(err.Error(), "AAH-test_token") {
			t.Errorf("a malformed token: %v", err)
		}
	}

	// The client library masks the token in the URL net/http quotes.
	_, err = telegram.New(ctx, telegram.Config{Token: tgtest.Token, ServerURL: down}, nil)
	if err == nil || strings.Contains(err.Error(), tgtest.Token) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("getMe on a server that is down: %v", err)
	}
	var uerr *url.Error
	if !errors.As(err, &uerr) {
		t.Errorf("the error lost its cause: %#v", err)
	}

	// A web server that is not the Bot API quotes the path in its answer.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<pre>Cannot POST %s</pre>", r.URL.Path)
	}))
	defer web.Close()
	_, err = telegram.New(ctx, telegram.Config{Token: tgtest.Token, ServerURL: web.URL}, nil)
	if err == nil || strings.Contains(err.Error(), tgtest.Token) || !strings.Contains(err.Error(), "Cannot POST /bot<token>/getMe") {
		t.Errorf("getMe on a server that is not the Bot API: %v", err)
	}

	srv := tgtest.New()
	a, err := telegram.New(ctx, telegram.Config{Token: tgtest.Token, ServerURL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	_, err = a.Send(ctx, bot.Reply{ID: 1, ChatID: "7001", Text: "hello"})
	if err == nil || strings.Contains(err.Error(), tgtest.Token) {
		t.Errorf("a send while the platform is down: %v", err)
	}
}
