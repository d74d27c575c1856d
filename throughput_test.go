package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data"
)

// rawWriteRate measures the store's smallest write transaction (recording
// one handled update) on a fresh SQLite file like the bot's, with as many
// concurrent writers as the throughput benchmark has clients: the ceiling
// that one transaction per message could reach.
func rawWriteRate(b *testing.B, n, writers int) float64 {
	b.Helper()
	store, err := data.Open(context.Background(), filepath.Join(b.TempDir(), "raw.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	var wg sync.WaitGroup
	var next atomic.Int64
	begin := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				err := store.Update(context.Background(), func(tx bot.Tx) error {
					_, err := tx.Claim(context.Background(), "raw", fmt.Sprint(i), time.Now())
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(begin).Seconds()
}

// loadBot is one platform's bot under load: a handler that takes the
// platform's inbound requests, and a count of replies the platform got.
type loadBot struct {
	handler http.Handler
	request func(i int64) *http.Request // the i-th inbound message, from one of 1,000 sellers
	wait    func(n int) bool            // until n replies reached the platform
	close   func()
}

var loadTexts = []string{"/status", "/help", "/markets", "hello"}

func telegramBot(b *testing.B) *loadBot {
	srv := tgtest.New()
	store, core := loadCore(b)
	ctx, cancel := context.WithCancel(context.Background())
	var disp *bot.Dispatcher
	a, err := telegram.New(ctx, telegram.Config{Token: tgtest.Token, ServerURL: srv.URL, WebhookSecret: "s", Rate: 1e6, ChatRate: 1e6,
		Notify: func(chats ...string) { disp.Notify(chats...) }}, core, store)
	if err != nil {
		b.Fatal(err)
	}
	disp = bot.NewDispatcher(store, telegram.Platform, a)
	done := make(chan struct{})
	go func() { disp.Run(ctx); close(done) }()
	return &loadBot{
		handler: a.WebhookHandler(),
		request: func(i int64) *http.Request {
			u := tgtest.Text(1+i%1000, "en", loadTexts[i%int64(len(loadTexts))])
			u.ID = i + 1
			body, _ := json.Marshal(u)
			req := httptest.NewRequest(http.MethodPost, "/telegram/webhook", bytes.NewReader(body))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s")
			return req
		},
		wait:  func(n int) bool { return srv.Wait(time.Minute, func() bool { return srv.Count() >= n }) },
		close: func() { cancel(); <-done; store.Close(); srv.Close() },
	}
}

func slackBot(b *testing.B) *loadBot {
	srv := slacktest.New()
	store, core := loadCore(b)
	ctx, cancel := context.WithCancel(context.Background())
	var disp *bot.Dispatcher
	a, err := slack.New(ctx, slack.Config{BotToken: slacktest.BotToken, APIURL: srv.URL + "/", SigningSecret: slacktest.SigningSecret,
		Rate: 1e6, ChatRate: 1e6, Notify: func(chats ...string) { disp.Notify(chats...) }}, core, store)
	if err != nil {
		b.Fatal(err)
	}
	disp = bot.NewDispatcher(store, slack.Platform, a)
	done := make(chan struct{})
	go func() { disp.Run(ctx); close(done) }()
	return &loadBot{
		handler: a.EventsHandler(),
		request: func(i int64) *http.Request {
			ev := slacktest.Callback(fmt.Sprintf("Ev%d", i+1), slacktest.DM(fmt.Sprintf("U%d", 1+i%1000), loadTexts[i%int64(len(loadTexts))]))
			body, _ := json.Marshal(ev)
			req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			slacktest.Sign(req.Header, body, slacktest.SigningSecret, time.Now())
			return req
		},
		wait:  func(n int) bool { return srv.Wait(time.Minute, func() bool { return srv.Count() >= n }) },
		close: func() { cancel(); <-done; store.Close(); srv.Close() },
	}
}

func loadCore(b *testing.B) (*data.Store, *bot.Core) {
	store, err := data.Open(context.Background(), filepath.Join(b.TempDir(), "onboard.db"))
	if err != nil {
		b.Fatal(err)
	}
	fsys, dir := data.EmbeddedRules()
	catalog, err := data.LoadRules(fsys, dir)
	if err != nil {
		b.Fatal(err)
	}
	return store, bot.New(store, catalog)
}

func serve(b *testing.B, lb *loadBot, i int64) time.Duration {
	req := lb.request(i)
	w := httptest.NewRecorder()
	t0 := time.Now()
	lb.handler.ServeHTTP(w, req)
	took := time.Since(t0)
	if w.Code != http.StatusOK {
		b.Errorf("inbound message answered %d", w.Code)
	}
	return took
}

func p99(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[len(ds)*99/100].Microseconds()) / 1000
}

// BenchmarkThroughput sends inbound messages through the real Telegram
// webhook handler and the real Slack events handler, each committed before
// its 2xx and answered through the outbox to the platform's test server, on
// a SQLite file. "saturated" sends as fast as 8 clients can and compares
// the rate with the raw write rate measured in the same run; "at500" sends
// 500 messages a second and reports the handling latency.
func BenchmarkThroughput(b *testing.B) {
	raw := rawWriteRate(b, 5000, 8)      // concurrent writers: their transactions share commits
	rawAlone := rawWriteRate(b, 3000, 1) // one writer: one commit per transaction
	for _, p := range []struct {
		name string
		bot  func(*testing.B) *loadBot
	}{{"telegram", telegramBot}, {"slack", slackBot}} {
		b.Run(p.name+"/saturated", func(b *testing.B) {
			lb := p.bot(b)
			defer lb.close()
			var id atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.ReportAllocs()
			b.SetParallelism(20)
			b.ResetTimer()
			begin := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					mine = append(mine, serve(b, lb, id.Add(1)))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			rate := float64(b.N) / time.Since(begin).Seconds()
			b.StopTimer()
			waitReplies(b, lb, b.N)
			b.ReportMetric(raw, "raw-tx/s")
			b.ReportMetric(rawAlone, "raw-1writer-tx/s")
			b.ReportMetric(rate, "handled/s")
			b.ReportMetric(rate/raw, "of-raw-rate")
			b.ReportMetric(rate/rawAlone, "of-1writer-rate")
			b.ReportMetric(p99(lat), "p99-ms")
		})
		b.Run(p.name+"/at500", func(b *testing.B) {
			lb := p.bot(b)
			defer lb.close()
			n := max(b.N, 1000)
			lat := make([]time.Duration, n)
			var wg sync.WaitGroup
			tick := time.NewTicker(time.Second / 500)
			defer tick.Stop()
			b.ResetTimer()
			for i := range n {
				<-tick.C
				wg.Add(1)
				go func() { defer wg.Done(); lat[i] = serve(b, lb, int64(i)) }()
			}
			wg.Wait()
			b.StopTimer()
			waitReplies(b, lb, n)
			b.ReportMetric(p99(lat), "p99-ms")
			b.ReportMetric(float64(n), "messages")
		})
	}
}

func waitReplies(b *testing.B, lb *loadBot, n int) {
	if !lb.wait(n) {
		b.Fatalf("not all %d replies were delivered", n)
	}
}
